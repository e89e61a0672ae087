"""The knowledge graph's sources, validation, answers and splits, on real YAML.

The "bad graph" tests write a tiny corpus to tmp: a build must refuse a dangling
reference and a topic without an answer rather than serve them to a customer.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from knowledge_graph.answers import compose_answer, compose_aspect_answer
from knowledge_graph.aspects import ASPECTS, aspect_for_question
from knowledge_graph.graph import GraphValidationError, build_graph, linked_facts, topic_subgraph
from knowledge_graph.source import load_corpus
from knowledge_graph.splits import HELDOUT_PER_TOPIC, split_corpus

REQUIRED_SLUGS = """
new_connection_residential new_connection_business capacity_increase capacity_decrease ownership_transfer
name_change account_closure tou_application tiered_pricing tou_periods multi_person_household invoice
payment_channels auto_debit prepaid_meter arrears_disconnection late_fee meter_accuracy_test meter_replacement
meter_reading bill_explanation repair_commitment planned_outage_notice internal_fault ev_charger
solar_pv_connection pv_settlement electricity_safety power_theft_report complaint_channel online_app
account_number_lookup temporary_electricity category_change voltage_quality balance_refund bill_notification
agent_purchase
""".split()

FACTS = """
sources:
  s1: {title: 测试来源}
channels:
  - {id: channel.app, text: 网上国网App, source: s1}
time_limits:
  - {id: time.five_days, text: 5个工作日, source: s1}
"""

PARAPHRASES = "\n".join(f"    - 问法{i}" for i in range(8))


def write_corpus(root: Path, topic_yaml: str) -> Path:
    (root / "topics").mkdir(parents=True)
    (root / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (root / "topics" / "t.yaml").write_text(textwrap.dedent(topic_yaml) + PARAPHRASES + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def graph(corpus):
    return build_graph(corpus)


def test_a_sound_tiny_corpus_builds(tmp_path):
    root = write_corpus(tmp_path, """\
        - slug: good
          question: 怎么办？
          summary: 说明。
          channels: [channel.app]
          time_limits: [time.five_days]
          paraphrases:
        """)
    graph = build_graph(load_corpus(root))
    assert {(h, t, d["type"]) for h, t, d in graph.edges(data=True)} == {
        ("good", "channel.app", "handled_at"), ("good", "time.five_days", "time_limit"),
    }


def test_validation_fails_on_a_dangling_reference(tmp_path):
    root = write_corpus(tmp_path, """\
        - slug: bad
          question: 怎么办？
          summary: 说明。
          channels: [channel.app, channel.nowhere]
          related: [missing_topic]
          paraphrases:
        """)
    with pytest.raises(GraphValidationError) as failure:
        build_graph(load_corpus(root))
    assert any("channel.nowhere" in error and "dangling" in error for error in failure.value.errors)
    assert any("missing_topic" in error for error in failure.value.errors)


def test_validation_fails_on_a_topic_without_an_answer(tmp_path):
    root = write_corpus(tmp_path, """\
        - slug: silent
          question: 怎么办？
          summary: ""
          paraphrases:
        """)
    with pytest.raises(GraphValidationError) as failure:
        build_graph(load_corpus(root))
    assert failure.value.errors == ["topic silent: no answer (needs a summary and at least one linked fact)"]


def test_every_required_topic_exists_with_enough_paraphrases(corpus):
    topics = {topic.slug: topic for topic in corpus.topics}
    assert set(REQUIRED_SLUGS) <= set(topics)
    for slug in REQUIRED_SLUGS:
        assert len(set(topics[slug].paraphrases)) >= 8, slug


def test_every_fact_node_carries_a_named_source(graph):
    facts = [data for _, data in graph.nodes(data=True) if data["kind"] != "topic"]
    assert facts
    assert all(data["source"] and data["source_title"] for data in facts)


def test_answers_are_composed_from_the_graph_facts(graph):
    answer = compose_answer(graph, "new_connection_residential")
    for fact in linked_facts(graph, "new_connection_residential", ("material", "channel", "time_limit", "fee")):
        assert fact["text"] in answer
    assert "5个工作日" in answer  # the 2023 commitment, via time.residential_connection
    assert "依据：" in answer


def test_a_fact_edited_once_changes_every_answer_using_it(corpus):
    graph = build_graph(corpus)
    users = [slug for slug in graph.predecessors("channel.hall")]
    graph.nodes["channel.hall"]["text"] = "新营业厅名称"
    assert len(users) > 3
    assert all("新营业厅名称" in compose_answer(graph, slug) for slug in users)


def test_aspect_answers_come_from_the_topic_neighbourhood(graph):
    answer = compose_aspect_answer(graph, "repair_commitment", ASPECTS["time_limit"])
    assert "城区45分钟" in answer.answer
    assert {fact["kind"] for fact in answer.facts} == {"time_limit"}
    assert answer.sources[0]["key"] == "sgcc_commitments_2023"
    empty = compose_aspect_answer(graph, "tou_periods", ASPECTS["materials"])
    assert empty.facts == [] and "以当地供电公司规定为准" in empty.answer


def test_topic_subgraph_has_typed_edges(graph):
    subgraph = topic_subgraph(graph, "ownership_transfer")
    assert subgraph["nodes"][0]["id"] == "ownership_transfer"
    types = {edge["type"] for edge in subgraph["edges"]}
    assert {"requires_material", "handled_at", "time_limit", "fee", "applies_to", "related_to"} <= types


@pytest.mark.parametrize("question, aspect", [
    ("需要带什么材料", "materials"),
    ("多久能办好", "time_limit"),
    ("在哪里办", "channels"),
    ("要多少钱", "fees"),
    ("在哪办，要带啥", "channels"),
])
def test_follow_up_questions_map_to_aspects(question, aspect):
    assert aspect_for_question(question).name == aspect


@pytest.mark.parametrize("question", ["谢谢你", "怎么办理过户", "网上国网怎么绑定户号", "峰谷时间怎么划分", "电价太贵了"])
def test_a_question_naming_no_aspect_maps_to_none(question):
    assert aspect_for_question(question) is None


def test_heldout_paraphrases_are_never_indexed(corpus):
    splits = split_corpus(corpus)
    train_texts = {text for text, _ in splits.train}
    assert len(splits.heldout) == HELDOUT_PER_TOPIC * len(corpus.topics)
    assert not train_texts & {text for text, _ in splits.heldout}
    assert not train_texts & {text for text, _ in splits.calibration}
    assert split_corpus(load_corpus()).heldout == splits.heldout  # deterministic


def test_out_of_scope_questions_split_into_disjoint_calibration_and_heldout_thirds(corpus):
    splits = split_corpus(corpus)
    calibration, heldout = set(splits.out_of_scope_calibration), set(splits.out_of_scope_heldout)
    assert not calibration & heldout
    assert calibration | heldout == set(corpus.out_of_scope)
    assert abs(len(heldout) - len(corpus.out_of_scope) / 3) <= 1
