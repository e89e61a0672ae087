"""Calibrate the confidence threshold the retriever uses to say "not sure".

Samples are the calibration split (in-domain paraphrases never indexed nor trained
on) plus out-of-scope questions.  A query *should* be answered confidently when its
top topic is right; it should not when the top topic is wrong or the question is
out of scope.  The threshold is the confidence cut that maximises balanced
accuracy between those two groups, so neither group's size dominates.
"""
from __future__ import annotations

from knowledge_graph.retriever import Retriever


def calibrate_threshold(retriever: Retriever, in_domain: list[tuple[str, str]], out_of_scope: list[str]) -> float:
    samples = []
    for text, slug in in_domain:
        ranking = retriever.rank(text)
        samples.append((ranking.confidence, bool(ranking.topics) and ranking.topics[0][0] == slug))
    samples += [(retriever.rank(text).confidence, False) for text in out_of_scope]
    return best_cut(samples)


def best_cut(samples: list[tuple[float, bool]]) -> float:
    """The cut t (confident when confidence >= t) with the best balanced accuracy."""
    positives = [conf for conf, good in samples if good]
    negatives = [conf for conf, good in samples if not good]
    if not positives or not negatives:
        return 0.0

    def balanced_accuracy(cut: float) -> float:
        hit_rate = sum(conf >= cut for conf in positives) / len(positives)
        reject_rate = sum(conf < cut for conf in negatives) / len(negatives)
        return (hit_rate + reject_rate) / 2

    # Ties go to the lowest cut: when unsure, prefer answering over deflecting.
    return max(sorted({conf for conf, _ in samples}), key=lambda cut: (balanced_accuracy(cut), -cut))
