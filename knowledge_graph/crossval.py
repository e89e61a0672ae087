"""k-fold cross-validation inside the non-held-out data: ``python -m knowledge_graph.crossval``.

Every retrieval, training or confidence change is selected here, never on the
held-out split.  The pool is each topic's training paraphrases plus its
calibration paraphrases; each topic's pool is dealt round-robin (in hash order, so
stable) into ``k`` folds.  The out-of-scope questions that are not held out are
dealt the same way.  For each fold a fresh model is trained and indexed on the
topic questions, names and the other folds, exactly as :mod:`knowledge_graph.build`
does.  Then:

- recall@1 of each method on the fold's paraphrases;
- the confidence rule, calibrated as the build does (:func:`best_cut`) on one half
  of the fold's paraphrases plus the other folds' out-of-scope questions, measured on the
  other half plus the fold's own out-of-scope questions, and the same with the
  halves swapped: the share of those out-of-scope questions flagged not confident,
  the precision of confident answers and the share answered confidently.

Each ensemble (a tuple of seeds) is trained on every fold; a member trained for a
seed is reused by every ensemble holding that seed.  Figures are the mean and the
standard deviation over folds x ensembles, plus the spread of the ensembles' means
(how much a retrain with other seeds moves the figures).  A change must improve the
mean without widening the spread.

    python -m knowledge_graph.crossval                       # the configured ensemble
    python -m knowledge_graph.crossval --ensembles 13,7,29 1,2,3 4,5,6
    python -m knowledge_graph.crossval --steps 500 --ensembles 13,7,29,1,2,3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from knowledge_graph import embedding
from knowledge_graph.build import training_groups
from knowledge_graph.calibration import CONFIDENCE_RULES, WRONG_ANSWER_COST, best_cut
from knowledge_graph.embedding import ENSEMBLE_SEEDS, combine_members, train_member, train_tokenizer
from knowledge_graph.evaluate import score_method
from knowledge_graph.graph import build_graph
from knowledge_graph.index import make_dense_index
from knowledge_graph.retriever import METHODS, Ranking, Retriever
from knowledge_graph.source import Corpus, load_corpus
from knowledge_graph.splits import _rank, split_corpus

FOLDS = 3
STARTED = time.perf_counter()
Fold = tuple[list[tuple[str, str]], list[tuple[str, str]]]


def cv_folds(corpus: Corpus, folds: int = FOLDS) -> list[Fold]:
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


def out_of_scope_folds(corpus: Corpus, folds: int = FOLDS) -> list[tuple[list[str], list[str]]]:
    """(known, tested) out-of-scope questions per fold; held-out ones appear in neither."""
    questions = split_corpus(corpus).out_of_scope_calibration  # already in hash order
    dealt = [questions[i::folds] for i in range(folds)]
    return [([q for j, part in enumerate(dealt) if j != i for q in part], dealt[i]) for i in range(folds)]


def fold_retriever(corpus: Corpus, entries: list[tuple[str, str]], model) -> Retriever:
    """A retriever indexed on ``entries`` only, as the build would make it."""
    vectors = model.encode([text for text, _ in entries], normalize_embeddings=True, convert_to_numpy=True)
    return Retriever(build_graph(corpus), model, make_dense_index(vectors), entries, threshold=0.0)


@dataclass(frozen=True)
class Sample:
    ranking: Ranking
    correct: bool  # the top topic is right (never for an out-of-scope question)


def confidence_figures(
    rule: Callable[[Ranking], float],
    halves: tuple[list[Sample], list[Sample]],
    known: list[Sample],
    tested: list[Sample],
    cost: float = WRONG_ANSWER_COST,
) -> dict[str, float]:
    """Flagged / precision / answered, calibrating on each half in turn (module doc)."""
    flagged, confident, right, count = 0.0, 0, 0, 0
    for calibrate_on, measure_on in (halves, halves[::-1]):
        cut = best_cut([(rule(s.ranking), s.correct) for s in calibrate_on + known], cost)
        flagged += sum(rule(s.ranking) < cut for s in tested) / len(tested) / 2
        sure = [s for s in measure_on if rule(s.ranking) >= cut]
        confident += len(sure)
        right += sum(s.correct for s in sure)
        count += len(measure_on)
    return {"flagged": flagged, "precision": right / max(confident, 1), "answered": confident / count}


def fold_figures(corpus: Corpus, fold: Fold, out_of_scope: tuple[list[str], list[str]], model) -> dict[str, dict[str, float]]:
    """Every method's recall@1 and every confidence rule's figures on one fold."""
    entries, queries = fold
    known_texts, tested_texts = out_of_scope
    retriever = fold_retriever(corpus, entries, model)
    figures = {f"recall@1 {method}": {"": score_method(retriever, queries, method)[0].recall_at_1} for method in METHODS}
    halves: tuple[list[Sample], list[Sample]] = ([], [])
    for text, slug in queries:
        ranking = retriever.rank(text)
        halves[int(_rank(slug, text), 16) % 2].append(Sample(ranking, bool(ranking.topics) and ranking.topics[0][0] == slug))
    known = [Sample(retriever.rank(text), False) for text in known_texts]
    tested = [Sample(retriever.rank(text), False) for text in tested_texts]
    for name, (rule, cost) in CONFIDENCE_RULES.items():
        figures[name] = confidence_figures(rule, halves, known, tested, cost)
    return figures


def cross_validate(corpus: Corpus, ensembles: list[tuple[int, ...]], folds: int = FOLDS) -> dict[tuple[int, ...], list[dict]]:
    """Per ensemble, the figures of each fold (see :func:`fold_figures`)."""
    results: dict[tuple[int, ...], list[dict]] = {ensemble: [] for ensemble in ensembles}
    for fold, out_of_scope in zip(cv_folds(corpus, folds), out_of_scope_folds(corpus, folds)):
        entries = fold[0]
        groups = training_groups(corpus, entries)
        tokenizer = train_tokenizer([text for texts in groups.values() for text in texts])
        members = {}
        for seed in dict.fromkeys(s for e in ensembles for s in e):
            members[seed] = train_member(tokenizer, groups, seed)
            print(f"fold {len(results[ensembles[0]]) + 1}: member {seed} trained at {time.perf_counter() - STARTED:.0f}s", file=sys.stderr)
        for ensemble in ensembles:
            model = combine_members(tokenizer, [members[seed] for seed in ensemble])
            results[ensemble].append(fold_figures(corpus, fold, out_of_scope, model))
        print(f"fold done ({len(members)} members trained)", file=sys.stderr)
    return results


def summarise(results: dict[tuple[int, ...], list[dict]]) -> list[str]:
    """Markdown lines: per ensemble and pooled, mean ± std of every figure."""
    runs = [run for per_fold in results.values() for run in per_fold]
    rows = [(name, key) for name, values in runs[0].items() for key in values]
    lines = ["| figure | " + " | ".join(",".join(map(str, e)) for e in results) + " | all: mean ± sd (folds x ensembles) | sd of ensemble means |",
             "|---|" + "---|" * (len(results) + 2)]
    for name, key in rows:
        per_ensemble = [[run[name][key] for run in per_fold] for per_fold in results.values()]
        pooled = [v for values in per_ensemble for v in values]
        means = [statistics.mean(values) for values in per_ensemble]
        cells = [f"{m:.3f} ± {_sd(values):.3f}" for m, values in zip(means, per_ensemble)]
        label = f"{name} {key}".strip()
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {statistics.mean(pooled):.3f} ± {_sd(pooled):.3f} | {_sd(means):.3f} |")
    return lines


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensembles", nargs="+", default=[",".join(map(str, ENSEMBLE_SEEDS))],
                        help="ensembles to compare, each a comma-separated list of seeds")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--steps", type=int, default=embedding.TRAINING_STEPS, help="training steps per member")
    args = parser.parse_args()
    embedding.TRAINING_STEPS = args.steps
    ensembles = [tuple(int(seed) for seed in text.split(",")) for text in args.ensembles]
    started = time.perf_counter()
    results = cross_validate(load_corpus(), ensembles, args.folds)
    print("\n".join(summarise(results)))
    print(f"{args.folds}-fold CV in {time.perf_counter() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
