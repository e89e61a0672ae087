"""Build the knowledge graph (networkx) from the YAML corpus, after validating it.

Node kinds: ``topic`` (a business item such as 过户, keyed by its slug) and one per
fact kind (material, channel, time_limit, fee, tariff, policy, keyed by fact id).
Typed edges, as the answers read them:

- topic --requires_material--> material
- topic --handled_at--> channel
- topic --time_limit--> time_limit
- topic --fee--> fee
- tariff/policy --applies_to--> topic
- topic --related_to--> topic

A build refuses a corpus with a dangling reference or a topic without an answer:
a bad edit by domain staff must fail the build, not reach a customer.
"""
from __future__ import annotations

from collections import Counter

import networkx as nx

from knowledge_graph.source import FACT_KINDS, Corpus, Topic

MIN_PARAPHRASES = 8

# fact kind (a topic's link list) -> (node kind, edge type, edge points at the topic?)
LINKS: dict[str, tuple[str, str, bool]] = {
    "materials": ("material", "requires_material", False),
    "channels": ("channel", "handled_at", False),
    "time_limits": ("time_limit", "time_limit", False),
    "fees": ("fee", "fee", False),
    "tariffs": ("tariff", "applies_to", True),
    "policies": ("policy", "applies_to", True),
}
assert set(LINKS) == set(FACT_KINDS)


class GraphValidationError(ValueError):
    """The corpus is not fit to answer customers; ``errors`` lists every reason."""

    def __init__(self, errors: list[str]):
        super().__init__("knowledge graph validation failed:\n- " + "\n- ".join(errors))
        self.errors = errors


def validate(corpus: Corpus) -> list[str]:
    """Every problem in the corpus, as readable sentences (empty when it is sound)."""
    errors = _duplicates(corpus)
    facts = {fact.id: fact for fact in corpus.facts}
    slugs = {topic.slug for topic in corpus.topics}
    for fact in corpus.facts:
        if fact.source not in corpus.sources:
            errors.append(f"fact {fact.id}: unknown source {fact.source!r}")
    for topic in corpus.topics:
        errors += _topic_errors(topic, facts, slugs)
    return errors


def build_graph(corpus: Corpus) -> nx.MultiDiGraph:
    """The validated graph; raises :class:`GraphValidationError` otherwise."""
    errors = validate(corpus)
    if errors:
        raise GraphValidationError(errors)
    graph = nx.MultiDiGraph()
    for fact in corpus.facts:
        source = corpus.sources[fact.source]
        graph.add_node(
            fact.id, kind=LINKS[fact.kind][0], text=fact.text,
            source=source.key, source_title=source.title, source_ref=source.ref,
        )
    for topic in corpus.topics:
        graph.add_node(topic.slug, kind="topic", name=topic.name, question=topic.question, summary=topic.summary)
    for topic in corpus.topics:
        for kind, fact_ids in topic.links.items():
            _, edge_type, to_topic = LINKS[kind]
            for fact_id in fact_ids:
                head, tail = (fact_id, topic.slug) if to_topic else (topic.slug, fact_id)
                graph.add_edge(head, tail, key=edge_type, type=edge_type)
        for other in topic.related:
            graph.add_edge(topic.slug, other, key="related_to", type="related_to")
    return graph


def linked_facts(graph: nx.MultiDiGraph, slug: str, node_kinds: tuple[str, ...]) -> list[dict]:
    """The facts of the given kinds next to a topic, in the order the YAML lists them."""
    neighbours = list(graph.successors(slug)) + list(graph.predecessors(slug))
    return [
        {"id": node, **graph.nodes[node]}
        for node in dict.fromkeys(neighbours)
        if graph.nodes[node]["kind"] in node_kinds
    ]


def topic_subgraph(graph: nx.MultiDiGraph, slug: str) -> dict:
    """A topic and its direct neighbourhood as JSON-ready nodes and typed edges."""
    members = {slug, *graph.successors(slug), *graph.predecessors(slug)}
    nodes = [{"id": node, **graph.nodes[node]} for node in members]
    edges = [
        {"source": head, "target": tail, "type": data["type"]}
        for head, tail, data in graph.edges(data=True)
        if slug in (head, tail)
    ]
    nodes.sort(key=lambda node: (node["kind"] != "topic" or node["id"] != slug, node["kind"], node["id"]))
    return {"topic": slug, "nodes": nodes, "edges": edges}


def _duplicates(corpus: Corpus) -> list[str]:
    ids = Counter([fact.id for fact in corpus.facts] + [topic.slug for topic in corpus.topics])
    return [f"duplicate id {name!r}" for name, count in ids.items() if count > 1]


def _topic_errors(topic: Topic, facts: dict, slugs: set[str]) -> list[str]:
    errors = []
    if not topic.question.strip():
        errors.append(f"topic {topic.slug}: no canonical question")
    if not topic.summary.strip() or not any(topic.links.values()):
        errors.append(f"topic {topic.slug}: no answer (needs a summary and at least one linked fact)")
    if len(set(topic.paraphrases)) < MIN_PARAPHRASES:
        errors.append(f"topic {topic.slug}: {len(set(topic.paraphrases))} distinct paraphrases, needs {MIN_PARAPHRASES}")
    for kind, fact_ids in topic.links.items():
        for fact_id in fact_ids:
            if fact_id not in facts:
                errors.append(f"topic {topic.slug}: dangling reference to {kind} {fact_id!r}")
            elif facts[fact_id].kind != kind:
                errors.append(f"topic {topic.slug}: {fact_id!r} is listed under {kind} but is one of {facts[fact_id].kind}")
    for other in topic.related:
        if other not in slugs:
            errors.append(f"topic {topic.slug}: dangling reference to related topic {other!r}")
    return errors
