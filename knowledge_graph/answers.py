"""Compose customer-facing answers from a topic's graph neighbourhood.

An answer is never a stored blob: it is the topic's one-line summary followed by
the facts linked to it (materials, channels, time limits, fees and tariffs) and
the policies it rests on, so a fact corrected once in facts.yaml is corrected in
every answer that uses it.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from knowledge_graph.aspects import ASPECTS, Aspect
from knowledge_graph.graph import linked_facts

LOCAL_RULES_HINT = "以当地供电公司规定为准，可拨打95598或在网上国网App咨询。"


@dataclass(frozen=True)
class AspectAnswer:
    topic: str
    aspect: str
    answer: str
    facts: list[dict]
    sources: list[dict]


def compose_answer(graph: nx.MultiDiGraph, slug: str) -> str:
    """The full answer to a topic: summary, one line per aspect, then 依据."""
    lines = [graph.nodes[slug]["summary"]]
    for aspect in ASPECTS.values():
        facts = linked_facts(graph, slug, aspect.node_kinds)
        if facts:
            lines.append(f"{aspect.label_zh}：{_join(facts)}")
    policies = linked_facts(graph, slug, ("policy",))
    if policies:
        lines.append(f"依据：{'；'.join(fact['text'] for fact in policies)}。")
    return "\n".join(lines)


def topic_sources(graph: nx.MultiDiGraph, slug: str) -> list[dict]:
    """Every distinct source behind a topic's answer."""
    kinds = tuple(kind for aspect in ASPECTS.values() for kind in aspect.node_kinds) + ("policy",)
    return _sources(linked_facts(graph, slug, kinds))


def compose_aspect_answer(graph: nx.MultiDiGraph, slug: str, aspect: Aspect) -> AspectAnswer:
    """The answer to one follow-up aspect; says so when the graph has no such fact."""
    facts = linked_facts(graph, slug, aspect.node_kinds)
    name = graph.nodes[slug]["name"]
    if facts:
        text = f"{name}的{aspect.label_zh}：{_join(facts)}"
    else:
        text = f"{name}的{aspect.label_zh}暂无统一规定，{LOCAL_RULES_HINT}"
    public = [{key: fact[key] for key in ("id", "kind", "text", "source")} for fact in facts]
    return AspectAnswer(topic=slug, aspect=aspect.name, answer=text, facts=public, sources=_sources(facts))


def _join(facts: list[dict]) -> str:
    separator = "、" if all(fact["kind"] == "channel" for fact in facts) else "；"
    return separator.join(fact["text"] for fact in facts) + "。"


def _sources(facts: list[dict]) -> list[dict]:
    seen = {fact["source"]: {"key": fact["source"], "title": fact["source_title"], "ref": fact["source_ref"]} for fact in facts}
    return list(seen.values())
