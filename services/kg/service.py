"""Knowledge-graph service layer: what the dialogue actions call (through HTTP).

- :func:`search` — topics for a customer question, with answers, sources and
  whether the retriever is confident (if not: say so, offer the top three topics
  as buttons and a human).
- :func:`topic_facts` / :func:`followup` — a follow-up after a topic answer
  (需要带什么材料 / 多久能办好 / 在哪里办 / 要多少钱), answered from that topic's
  graph neighbourhood.
- :func:`topic_subgraph` — the topic's nodes and typed edges, for inspection.

No HTTP here: errors are :mod:`services.errors` exceptions.  The retriever is
loaded once per process, lazily and under a lock, building the index first if the
cache under ``var/kg`` does not match the corpus (normally the build command has
already done it).
"""
from __future__ import annotations

import threading
from dataclasses import asdict

from knowledge_graph.answers import compose_answer, compose_aspect_answer, topic_sources
from knowledge_graph.aspects import ASPECTS, aspect_for_question
from knowledge_graph.build import ensure_built
from knowledge_graph.graph import topic_subgraph as graph_topic_subgraph
from knowledge_graph.retriever import Retriever
from services.errors import Invalid, NotFound
from services.regions import customer_province
from services.settings import get_settings

MAX_QUERY_CHARS = 200
MAX_K = 20

_lock = threading.Lock()
_retriever: Retriever | None = None


def get_retriever() -> Retriever:
    """The process-wide retriever, loaded on first use."""
    global _retriever
    if _retriever is None:
        with _lock:
            if _retriever is None:
                settings = get_settings()
                info = ensure_built(settings.var_dir / "kg", embedding_model_dir=settings.embedding_model_dir)
                _retriever = Retriever.load(info.index_dir)
    return _retriever


def is_loaded() -> bool:
    """True once the retriever is in memory (the gateway loads it at start-up)."""
    return _retriever is not None


def search(q: str, k: int = 5, province: str | None = None) -> dict:
    """``{results: [{topic, question, answer, score, sources}], confident, confidence}``.

    The answers are for the customer's province: the one the question names, else
    ``province`` (the verified account's), else none in particular (provincial figures
    each labelled with their province)."""
    query = _clean_query(q)
    if not 1 <= k <= MAX_K:
        raise Invalid("invalid_k", f"k must be between 1 and {MAX_K}.", f"返回条数k必须在1到{MAX_K}之间。")
    result = get_retriever().search(query, k)
    hits = [asdict(hit) for hit in result.results]
    whose = customer_province(query, province)
    if whose is not None:
        graph = get_retriever().graph
        for hit in hits:
            hit["answer"] = compose_answer(graph, hit["topic"], whose.key)
            hit["sources"] = topic_sources(graph, hit["topic"], whose.key)
    return {
        "results": hits,
        "confident": result.confident,
        "confidence": result.confidence,
    }


def topic_subgraph(slug: str) -> dict:
    """The topic's node, its neighbours and the typed edges between them."""
    return graph_topic_subgraph(get_retriever().graph, _known_slug(slug))


def topic_facts(slug: str, aspect: str, province: str | None = None, question: str = "") -> dict:
    """``{topic, aspect, answer, facts, sources}`` for one aspect of a topic, for the
    customer's province (as :func:`search`: named in ``question``, else ``province``)."""
    slug = _known_slug(slug)
    if aspect not in ASPECTS:
        raise Invalid(
            "unknown_aspect",
            f"Unknown aspect {aspect!r}; expected one of {', '.join(ASPECTS)}.",
            "不支持的查询方面，可选：所需材料、办理时限、办理渠道、费用。",
        )
    whose = customer_province(question, province)
    return asdict(compose_aspect_answer(get_retriever().graph, slug, ASPECTS[aspect], whose.key if whose else None))


def followup(slug: str, q: str, province: str | None = None) -> dict:
    """Map a follow-up question to an aspect, then answer it like :func:`topic_facts`
    (for the customer's province: 那要多少钱 after a tariff answer is about their own)."""
    slug = _known_slug(slug)
    aspect = aspect_for_question(_clean_query(q))
    if aspect is None:
        raise Invalid(
            "no_aspect",
            "The follow-up asks about none of: materials, time limit, channels, fees.",
            "没有识别出您想了解的是材料、时限、办理渠道还是费用，请换个说法。",
        )
    return topic_facts(slug, aspect.name, province, _clean_query(q))


def _clean_query(q: str | None) -> str:
    query = (q or "").strip()
    if not query:
        raise Invalid("empty_query", "The query q must not be empty.", "请输入您要咨询的问题。")
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid(
            "query_too_long",
            f"The query q must be at most {MAX_QUERY_CHARS} characters.",
            f"问题太长了，请控制在{MAX_QUERY_CHARS}个字以内。",
        )
    return query


def _known_slug(slug: str) -> str:
    graph = get_retriever().graph
    if slug not in graph or graph.nodes[slug]["kind"] != "topic":
        raise NotFound("topic_not_found", f"No topic with slug {slug!r}.", "没有找到这个业务主题。")
    return slug
