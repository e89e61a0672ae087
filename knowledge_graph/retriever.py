"""Hybrid retrieval over topics: dense (FAISS) + lexical (BM25), fused by RRF.

Every indexed entry (a topic's canonical question, name or training paraphrase)
points at its topic.  Dense search ranks topics by the mean of their best three
entries; BM25 ranks topic documents (all of a topic's entries plus its summary);
reciprocal rank fusion merges the two rankings, dense votes counting double.  A
result carries the topic's composed answer and sources.  ``confident`` is False when
the query's cosine similarity to the top topic's closest entry is below the
threshold calibrated at build time: the bot then says it isn't sure, offers the
top three topics as buttons and offers a human.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import faiss
import networkx as nx
import numpy as np
from sentence_transformers import SentenceTransformer

from knowledge_graph.answers import compose_answer, topic_sources
from knowledge_graph.embedding import load_model
from knowledge_graph.graph import build_graph
from knowledge_graph.index import DENSE_TOP_ENTRIES, LexicalIndex, best_per_topic, reciprocal_rank_fusion
from knowledge_graph.source import load_corpus
from services.textnorm import normalize_text

METHODS = ("lexical", "dense", "hybrid")
DENSE_CANDIDATES = 256
# RRF vote weights (dense, lexical).  3-fold CV (knowledge_graph.crossval) with the
# ensemble model and 1,400+ entries: recall@1 0.895 at 1:1, 0.895 at 1.5:1, 0.902
# at 2:1 (dense alone 0.907, lexical alone ~0.85): BM25 now mostly breaks the
# dense ranking's near-ties and pulls in topics dense search missed (recall@5).
FUSION_WEIGHTS = (2.0, 1.0)


def normalize_query(text: str) -> str:
    """Half-width, single-spaced text, as the rest of PowerDesk reads customers.

    Removing spoken fillers (请问, 那个, 嗯) as well was measured by CV and made no
    difference (the indexes already weigh such common words down), so it is not done.
    """
    return normalize_text(text)


@dataclass(frozen=True)
class Hit:
    topic: str
    question: str
    answer: str
    score: float
    sources: list[dict]


@dataclass(frozen=True)
class SearchResult:
    results: list[Hit]
    confident: bool
    confidence: float  # cosine similarity of the query to the top topic's closest entry


@dataclass(frozen=True)
class Ranking:
    topics: list[tuple[str, float]]  # (slug, score), best first
    confidence: float
    lexical_agrees: bool = True  # BM25's first topic is the ranking's first topic


class Retriever:
    def __init__(
        self,
        graph: nx.MultiDiGraph,
        model: SentenceTransformer,
        dense_index: faiss.Index,
        entries: list[tuple[str, str]],
        threshold: float,
    ):
        self.graph = graph
        self.threshold = threshold
        self._model = model
        self._dense = dense_index
        self._entry_topics = [topic for _, topic in entries]
        slugs = [node for node, kind in graph.nodes(data="kind") if kind == "topic"]
        documents = {slug: [graph.nodes[slug]["summary"]] for slug in slugs}
        for text, slug in entries:
            documents[slug].append(text)
        self._lexical = LexicalIndex(documents)
        self._answers = {slug: (compose_answer(graph, slug), topic_sources(graph, slug)) for slug in slugs}

    @classmethod
    def load(cls, index_dir: Path) -> Retriever:
        """The retriever saved by :mod:`knowledge_graph.build` in ``index_dir``."""
        meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
        entries = [tuple(entry) for entry in json.loads((index_dir / "entries.json").read_text(encoding="utf-8"))]
        return cls(
            graph=build_graph(load_corpus(Path(meta["data_dir"]))),
            model=load_model(meta["model_dir"]),
            dense_index=faiss.read_index(str(index_dir / "dense.faiss")),
            entries=entries,
            threshold=meta["threshold"],
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True).astype("float32")

    def rank(self, query: str, method: str = "hybrid") -> Ranking:
        """All topics with evidence for ``query``, best first, by one of METHODS."""
        query = normalize_query(query)
        dense, closest = self._dense_scores(query)
        if method == "dense":
            return Ranking(list(dense.items()), closest.get(next(iter(dense), None), 0.0))
        lexical = self._lexical.scores(query)
        if method == "lexical":
            return Ranking(list(lexical.items()), closest.get(next(iter(lexical), None), 0.0))
        fused = reciprocal_rank_fusion([list(dense), list(lexical)], list(FUSION_WEIGHTS))
        # Ties (each method puts the other's first topic second) go to the dense score.
        order = sorted(fused, key=lambda topic: (fused[topic], dense.get(topic, -1.0)), reverse=True)
        return Ranking(
            topics=[(topic, fused[topic]) for topic in order],
            confidence=closest.get(order[0], 0.0) if order else 0.0,
            lexical_agrees=bool(order) and next(iter(lexical), None) == order[0],
        )

    def search(self, query: str, k: int = 5) -> SearchResult:
        ranking = self.rank(query)
        hits = [
            Hit(
                topic=slug,
                question=self.graph.nodes[slug]["question"],
                answer=self._answers[slug][0],
                score=round(score, 6),
                sources=self._answers[slug][1],
            )
            for slug, score in ranking.topics[:k]
        ]
        confident = bool(hits) and ranking.confidence >= self.threshold
        return SearchResult(results=hits, confident=confident, confidence=round(ranking.confidence, 4))

    def _dense_scores(self, query: str) -> tuple[dict[str, float], dict[str, float]]:
        """Topic scores for ranking (mean of the best entries) and each topic's closest entry.

        Confidence stays the cosine of the query to the top topic's closest known
        question, the plain "have we seen this question" signal; the pooled score is
        only for ranking topics against each other.
        """
        vector = self.encode([query])
        scores, ids = self._dense.search(vector, min(DENSE_CANDIDATES, self._dense.ntotal))
        found = ids[0] >= 0
        topics = [self._entry_topics[i] for i in ids[0][found]]
        return best_per_topic(scores[0][found], topics, top=DENSE_TOP_ENTRIES), best_per_topic(scores[0][found], topics)
