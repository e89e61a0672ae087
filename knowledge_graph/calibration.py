"""Calibrate the confidence threshold the retriever uses to say "not sure".

Samples are the calibration split (in-domain paraphrases never indexed nor trained
on) plus out-of-scope questions.  A query *should* be answered confidently when its
top topic is right; it should not when the top topic is wrong or the question is
out of scope.  The threshold is the confidence cut with the lowest cost, where a
wrong confident answer costs ``WRONG_ANSWER_COST`` times a deflection, each as a
rate within its group so neither group's size dominates.  A deflection is cheap:
the customer still sees the top three topics as buttons (held-out recall@5 is
~1.0) and can ask for a human; a confident wrong answer misleads.

3-fold CV inside the non-held-out data (knowledge_graph.crossval; four ensembles
x three folds, mean ± sd; reports/kg_crossval.md): at cost 2, 0.907 ± 0.040 of
the out-of-scope questions were flagged, confident precision 0.966 ± 0.019,
0.659 of paraphrases answered confidently; at 3, 0.943 ± 0.012 flagged,
precision 0.972 ± 0.017, but only 0.576 answered.  Cost 3 deflected everyday
in-scope questions the conversation tests ask (电费付过了怎么还没到账, a Shanghai
峰谷电 question), so the cost stays 2.  Rules that also read BM25 disagreeing
with the first topic, or the distance to known out-of-scope questions, gained
nothing measurable.
"""
from __future__ import annotations

from collections.abc import Callable

from knowledge_graph.retriever import Ranking, Retriever

WRONG_ANSWER_COST = 2.0


def _cosine(r: Ranking) -> float:
    return r.confidence


def _lexical_disagreement_penalised(r: Ranking) -> float:
    return r.confidence - (0.0 if r.lexical_agrees else 0.05)


# Confidence rules knowledge_graph.crossval compares: name -> (rule, wrong-answer cost).
# The retriever uses the first rule's score (the cosine) with WRONG_ANSWER_COST.
CONFIDENCE_RULES: dict[str, tuple[Callable[[Ranking], float], float]] = {
    "cosine, cost 2": (_cosine, WRONG_ANSWER_COST),
    "cosine, cost 3": (_cosine, 3.0),
    "cosine - 0.05 if BM25 disagrees, cost 2": (_lexical_disagreement_penalised, WRONG_ANSWER_COST),
}


def calibrate_threshold(retriever: Retriever, in_domain: list[tuple[str, str]], out_of_scope: list[str]) -> float:
    samples = []
    for text, slug in in_domain:
        ranking = retriever.rank(text)
        samples.append((ranking.confidence, bool(ranking.topics) and ranking.topics[0][0] == slug))
    samples += [(retriever.rank(text).confidence, False) for text in out_of_scope]
    return best_cut(samples)


def best_cut(samples: list[tuple[float, bool]], wrong_answer_cost: float = WRONG_ANSWER_COST) -> float:
    """The cut t (confident when confidence >= t) with the lowest cost (see module doc)."""
    positives = [conf for conf, good in samples if good]
    negatives = [conf for conf, good in samples if not good]
    if not positives or not negatives:
        return 0.0

    def cost(cut: float) -> float:
        deflected = sum(conf < cut for conf in positives) / len(positives)
        answered_wrongly = sum(conf >= cut for conf in negatives) / len(negatives)
        return deflected + wrong_answer_cost * answered_wrongly

    # Ties go to the lowest cut: when unsure, prefer answering over deflecting.
    return min(sorted({conf for conf, _ in samples}), key=lambda cut: (cost(cut), cut))
