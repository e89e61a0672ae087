"""k-fold cross-validation inside the non-held-out data: ``python -m knowledge_graph.crossval``.

Every retrieval or training change is selected here, never on the held-out split.
The pool is each topic's training paraphrases plus its calibration paraphrase;
each topic's pool is dealt round-robin (in hash order, so stable) into ``k`` folds.
For each fold a fresh model is trained and indexed on the topic questions, names
and the other folds, exactly as :mod:`knowledge_graph.build` does, then scored on
the fold.  The mean over folds is what a change must improve.
"""
from __future__ import annotations

import sys
import time

from knowledge_graph.build import training_groups
from knowledge_graph.embedding import train_model
from knowledge_graph.evaluate import Scores, score_method
from knowledge_graph.graph import build_graph
from knowledge_graph.index import make_dense_index
from knowledge_graph.retriever import METHODS, Retriever
from knowledge_graph.source import Corpus, load_corpus
from knowledge_graph.splits import _rank, split_corpus

FOLDS = 3


def cv_folds(corpus: Corpus, folds: int = FOLDS) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """(indexed entries, test queries) per fold; held-out paraphrases appear in neither."""
    splits = split_corpus(corpus)
    heldout = set(splits.heldout)
    always = [(text, slug) for topic in corpus.topics for text, slug in ((topic.question, topic.slug), (topic.name, topic.slug))]
    pool: dict[str, list[str]] = {}
    for text, slug in splits.train + splits.calibration:
        if (text, slug) not in always and (text, slug) not in heldout:
            pool.setdefault(slug, []).append(text)
    dealt = [[] for _ in range(folds)]
    for slug, texts in pool.items():
        for position, text in enumerate(sorted(dict.fromkeys(texts), key=lambda t: _rank(slug, t))):
            dealt[position % folds].append((text, slug))
    return [(always + [pair for j, part in enumerate(dealt) if j != i for pair in part], dealt[i]) for i in range(folds)]


def fold_retriever(corpus: Corpus, entries: list[tuple[str, str]]) -> Retriever:
    """A retriever trained and indexed on ``entries`` only, as the build would make it."""
    model = train_model(training_groups(corpus, entries))
    vectors = model.encode([text for text, _ in entries], normalize_embeddings=True, convert_to_numpy=True)
    return Retriever(build_graph(corpus), model, make_dense_index(vectors), entries, threshold=0.0)


def cross_validate(corpus: Corpus, folds: int = FOLDS) -> dict[str, Scores]:
    """Mean recall@1, recall@5 and MRR per method over the folds."""
    totals = {method: [0.0, 0.0, 0.0] for method in METHODS}
    for entries, queries in cv_folds(corpus, folds):
        retriever = fold_retriever(corpus, entries)
        for method in METHODS:
            scores, _ = score_method(retriever, queries, method)
            for i, value in enumerate((scores.recall_at_1, scores.recall_at_5, scores.mrr)):
                totals[method][i] += value / folds
    return {method: Scores(*values) for method, values in totals.items()}


def main() -> None:
    started = time.perf_counter()
    results = cross_validate(load_corpus())
    for method, s in results.items():
        print(f"{method:8s} recall@1={s.recall_at_1:.3f} recall@5={s.recall_at_5:.3f} MRR={s.mrr:.3f}")
    print(f"{FOLDS}-fold CV in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
