"""The real retriever, built from the real corpus (reusing var/kg when the hash matches)."""
from __future__ import annotations

import json

import pytest

from knowledge_graph.build import ensure_built
from knowledge_graph.retriever import Retriever
from knowledge_graph.source import load_corpus
from knowledge_graph.splits import split_corpus
from services.settings import get_settings


@pytest.fixture(scope="session")
def built():
    """The default (self-trained) model's index, whatever POWERDESK_EMBEDDING_MODEL_DIR says."""
    return ensure_built(get_settings().var_dir / "kg", embedding_model_dir="")


@pytest.fixture(scope="session")
def retriever(built) -> Retriever:
    return Retriever.load(built.index_dir)


def test_a_second_build_with_an_unchanged_corpus_does_not_retrain(built):
    model_file = built.index_dir / "model" / "model.safetensors"
    before = model_file.stat().st_mtime_ns
    again = ensure_built(built.index_dir.parent, embedding_model_dir="")
    assert again.reused and again.index_dir == built.index_dir
    assert model_file.stat().st_mtime_ns == before


def test_heldout_paraphrases_are_not_in_the_index(built):
    indexed = {text for text, _ in json.loads((built.index_dir / "entries.json").read_text(encoding="utf-8"))}
    heldout = {text for text, _ in split_corpus(load_corpus()).heldout}
    assert heldout and not indexed & heldout


def test_known_paraphrases_find_their_topic(retriever):
    train = split_corpus(load_corpus()).train
    right = sum(retriever.search(text, k=1).results[0].topic == slug for text, slug in train)
    assert right / len(train) >= 0.95


@pytest.mark.parametrize("question, slug", [
    ("房子买了电费怎么过户", "ownership_transfer"),
    ("停电了报修多久能到", "repair_commitment"),
    ("怎么申请峰谷电", "tou_application"),
    ("网上国网怎么绑定户号", "online_app"),
])
def test_customer_questions_find_their_topic_confidently(retriever, question, slug):
    result = retriever.search(question, k=5)
    assert result.results[0].topic == slug
    assert result.confident
    assert result.results[0].sources and "依据" in result.results[0].answer


def test_an_unrelated_question_is_not_confident(retriever):
    result = retriever.search("我家猫不吃饭怎么办", k=3)  # not among the calibration questions
    assert not result.confident
    assert len(result.results) == 3  # still offers three topics as buttons


@pytest.mark.parametrize("question", ["楼里电梯老是坏 该打谁的电话", "家里电脑连不上网了", "给手机充一百块话费"])
def test_an_everyday_request_sharing_a_character_with_ours_is_not_confident(retriever, question):
    assert not retriever.search(question, k=3).confident  # none is an out-of-scope question of the corpus


def test_threshold_is_stored_with_the_index(built, retriever):
    meta = json.loads((built.index_dir / "meta.json").read_text(encoding="utf-8"))
    assert 0.0 < meta["threshold"] < 1.0
    assert retriever.threshold == meta["threshold"]


def test_an_operator_model_directory_is_used_without_training(built, tmp_path):
    operator_model = built.index_dir / "model"  # stands in for any sentence-transformers directory on disk
    info = ensure_built(tmp_path / "kg", embedding_model_dir=str(operator_model))
    meta = json.loads((info.index_dir / "meta.json").read_text(encoding="utf-8"))
    assert not info.reused and meta["model_dir"] == str(operator_model)
    assert not (info.index_dir / "model").exists()  # nothing was trained
    assert Retriever.load(info.index_dir).search("停电了怎么报修", k=1).results[0].topic == "repair_commitment"


# What the customer reads from the retriever (issue 11): the answer of the topic found.
@pytest.mark.parametrize("question", ["不交电费会怎样", "欠着费会不会被停电", "滞纳金不交会怎样"])
def test_what_happens_if_i_do_not_pay_gives_the_late_fee_and_the_notice_rule(retriever, question):
    top = retriever.search(question, k=3).results[0]
    assert top.topic in {"arrears_disconnection", "late_fee"}
    for text in ("千分之一", "经催交仍未交", "停电前3至7天会把停电通知书送达", "停电前30分钟"):
        assert text in top.answer, (question, top.topic, text)


@pytest.mark.parametrize("question, slug, says, never", [
    ("浙江的谷电时间是几点", "tou_periods", ["浙江居民峰谷电的具体起止时段，这里暂无经核实的资料", "95598"],
     ["上海", "广东", "江苏", "6:00", "22:00"]),
    ("代理购电是什么意思", "grid_agency_purchase", ["工商业用户", "不属于代理购电"], ["户号即可代缴"]),
    ("余电上网多少钱一度", "pv_feed_in_price", ["没有经核实的价格", "发展改革委"], ["元"]),
    ("欠费了会不会停电", "arrears_disconnection", ["停电前3至7天", "3日内恢复供电", "千分之一"], ["24小时内", "提前7天送达"]),
    ("违约金怎么收的", "late_fee", ["次日", "千分之一", "不足1元的按1元"], ["各地规定不同"]),
    ("支付宝怎么交电费", "payment_channels", ["支付宝", "网上国网App"], ["95598供电服务热线"]),
    ("物业不同意装充电桩", "ev_charger_property", ["物业服务企业应配合"], ["户主有效身份证件"]),
    ("过户时发现上家欠了电费 该谁来交", "previous_owner_arrears", ["原用户应先和供电企业结清电费"], []),
    ("我那张插表用的电卡找不着了 咋补", "prepaid_card_replacement", ["营业厅", "挂失", "以当地供电公司"], ["元"]),
])
def test_the_answer_a_customer_reads_states_the_sourced_fact(retriever, question, slug, says, never):
    top = retriever.search(question, k=3).results[0]
    assert top.topic == slug
    assert all(text in top.answer for text in says), top.answer
    assert not any(text in top.answer for text in never), top.answer
    assert all(source["title"] and "China Daily" not in source["title"] for source in top.sources)
