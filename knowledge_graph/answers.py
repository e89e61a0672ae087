"""Compose customer-facing answers from a topic's graph neighbourhood.

An answer is never a stored blob: it is the topic's one-line summary followed by
the facts linked to it (materials, channels, time limits, fees and tariffs) and
the policies it rests on, so a fact corrected once in facts.yaml is corrected in
every answer that uses it.

A fact whose text names a province (浙江居民阶梯电价…) is that province's fact.  An
answer for a known province (see :func:`services.regions.customer_province`) shows the
national facts and that province's only, and says when the data has nothing for that
province; an answer for no particular province shows every fact, each provincial one
naming its province.  The 依据 line and the sources list show only the sources a
customer may rely on: a fact from an unverified source carries its own caveat instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from knowledge_graph.aspects import ASPECTS, Aspect
from knowledge_graph.graph import linked_facts
from knowledge_graph.source import is_unverified_ref
from services.regions import customer_province, province_name, province_named_in

LOCAL_RULES_HINT = "以当地供电公司规定为准，可拨打95598或在网上国网App咨询。"
ANSWER_KINDS = tuple(kind for aspect in ASPECTS.values() for kind in aspect.node_kinds) + ("policy",)


@dataclass(frozen=True)
class AspectAnswer:
    topic: str
    aspect: str
    answer: str
    facts: list[dict]
    sources: list[dict]


def fact_province(fact: dict) -> str | None:
    """The province key a fact is about (the one its text names), or None for a national fact."""
    named = province_named_in(fact["text"])
    return named.key if named else None


def compose_answer(graph: nx.MultiDiGraph, slug: str, province: str | None = None) -> str:
    """The full answer to a topic: summary, one line per aspect, then 依据.

    ``province`` is a province key (``zhejiang``) or None for no particular province."""
    lines = [graph.nodes[slug]["summary"]]
    for aspect in ASPECTS.values():
        facts = _for_province(linked_facts(graph, slug, aspect.node_kinds), province)
        if facts:
            lines.append(f"{aspect.label_zh}：{_join(facts)}")
    unknown = _unknown_here(graph, slug, province)
    if unknown:
        lines.append(unknown)
    policies = _for_province(linked_facts(graph, slug, ("policy",)), province)
    if policies:
        lines.append(f"依据：{'；'.join(fact['text'] for fact in policies)}。")
    return "\n".join(lines)


def answer_for(graph: nx.MultiDiGraph, slug: str, question: str = "", account_province: str | None = None) -> str:
    """The topic's answer for the customer's province: the one the question names, else the
    verified account's (the same rule as the tariff engine's), else no particular province."""
    province = customer_province(question, account_province)
    return compose_answer(graph, slug, province.key if province else None)


def topic_sources(graph: nx.MultiDiGraph, slug: str, province: str | None = None) -> list[dict]:
    """Every distinct source a customer may rely on behind a topic's answer."""
    return _sources(_for_province(linked_facts(graph, slug, ANSWER_KINDS), province))


def compose_aspect_answer(graph: nx.MultiDiGraph, slug: str, aspect: Aspect, province: str | None = None) -> AspectAnswer:
    """The answer to one follow-up aspect; says so when the graph has no such fact."""
    facts = _for_province(linked_facts(graph, slug, aspect.node_kinds), province)
    name = graph.nodes[slug]["name"]
    if facts:
        text = f"{name}的{aspect.label_zh}：{_join(facts)}"
    else:
        text = f"{name}的{aspect.label_zh}暂无统一规定，{LOCAL_RULES_HINT}"
    unknown = _unknown_here(graph, slug, province, aspect.node_kinds)
    if unknown:
        text += f"\n{unknown}"
    public = [{key: fact[key] for key in ("id", "kind", "text", "source")} for fact in facts]
    return AspectAnswer(topic=slug, aspect=aspect.name, answer=text, facts=public, sources=_sources(facts))


def _for_province(facts: list[dict], province: str | None) -> list[dict]:
    if province is None:
        return facts
    return [fact for fact in facts if fact_province(fact) in (None, province)]


def _unknown_here(graph: nx.MultiDiGraph, slug: str, province: str | None,
                  kinds: tuple[str, ...] = ANSWER_KINDS) -> str:
    """For a province the topic's provincial facts do not cover: say that it is not known here."""
    if province is None:
        return ""
    provinces = {fact_province(fact) for fact in linked_facts(graph, slug, kinds)} - {None}
    if not provinces or province in provinces:
        return ""
    return f"{province_name(province)}的相关标准，这里暂无经核实的资料，{LOCAL_RULES_HINT}"


def _join(facts: list[dict]) -> str:
    separator = "、" if all(fact["kind"] == "channel" for fact in facts) else "；"
    return separator.join(fact["text"] for fact in facts) + "。"


def _sources(facts: list[dict]) -> list[dict]:
    seen = {
        fact["source"]: {"key": fact["source"], "title": fact["source_title"], "ref": fact["source_ref"]}
        for fact in facts
        if not is_unverified_ref(fact["source_ref"])
    }
    return list(seen.values())
