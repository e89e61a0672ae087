"""Choose the intent classifier's settings and the thresholds that read its confidences,
by cross-validation on ``nlu_data/train`` only (the held-out split is never read).

Runs in the Rasa venv: ``PYTHONPATH=. .venv-rasa/bin/python scripts/tune_intents.py``.

1. The classifier (``bot/intent_classifier.py``): k-fold macro-F1 of the linear SVM for
   a few values of C and of the character n-gram length, over several shuffles.
2. With the chosen settings, every training example gets out-of-fold probabilities from
   a model that never saw it (its temperature fitted inside that fold's training part,
   as a real training does), and calibration is checked (expected calibration error).
3. Those probabilities go through the rest of the pipeline as deployed, the real
   components: IntentGuard, KnowledgeRouter (asking the real knowledge-graph retriever,
   started as in scripts/eval_nlu.py; answers cached for the sweep) and FallbackClassifier.
   The router's thresholds, then the fallback's, are swept; each setting is scored by the
   out-of-fold intent macro-F1 (nlu_fallback counted as a miss, as eval_nlu does) and by
   the share of the negative set's everyday requests sent to a service intent.

Nothing is written to the configuration: the script prints the tables (and writes them
to ``reports/intent_tuning.md``, which scripts/eval_nlu.py includes in reports/nlu.md);
the values chosen from them are written by hand into config.yml and the components'
defaults, with a comment saying so.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bot.intent_classifier import LinearIntentModel  # noqa: E402
from bot.knowledge_router import KnowledgeRouter, KnowledgeSearch  # noqa: E402
from bot.nlu_components import IntentGuard  # noqa: E402
from scripts.eval_nlu import EVERYDAY, SERVICE_INTENTS, knowledge_graph_services  # noqa: E402

SEEDS = (0, 1, 2)
TIE = 0.001  # macro-F1 differences below this are a few examples out of ~4,700
CLASSIFIER_GRID = {"C": (0.5, 1.0, 2.0, 3.0), "ngram_max": (2, 3)}
ROUTER_GRID = {"sure_service": (0.0, 0.3, 0.5, 0.7, 0.9), "faq_share": (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0),
               "unsure_faq": (0.3, 0.5, 0.6, 0.7), "unsure_kg": (0.4, 0.5, 0.6, 0.7)}
FALLBACK_GRID = {"threshold": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4), "ambiguity_threshold": (0.0, 0.02, 0.05, 0.1)}
Ranking = List[Dict[str, float]]


class CachedSearch(KnowledgeSearch):
    """The real retriever, each text asked once (the sweep parses every text many times)."""

    def __init__(self, inner: KnowledgeSearch) -> None:
        self._inner = inner
        self._cache: Dict[str, Optional[dict]] = {}

    def search(self, text: str) -> Optional[dict]:
        if text not in self._cache:
            self._cache[text] = self._inner.search(text)
        return self._cache[text]


def pipeline_config(name: str) -> Dict[str, float]:
    """The settings config.yml gives the pipeline component ``name`` (today's values)."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    return next({k: v for k, v in c.items() if k != "name"} for c in pipeline if c["name"] == name)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return f1_score(gold, predicted, labels=sorted(set(gold)), average="macro")


def cv_predictions(texts: List[str], intents: List[str], c: float, ngram_max: int, seed: int,
                   folds: int, calibrate: bool) -> Tuple[np.ndarray, List[str]]:
    """Out-of-fold probabilities (one row per example) and the class order."""
    labels = np.asarray(intents)
    classes = sorted(set(intents))
    probabilities = np.zeros((len(texts), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        model = LinearIntentModel(c, ngram_max).fit([texts[i] for i in train], labels[train], calibrate=calibrate)
        probabilities[test] = model.predict_proba([texts[i] for i in test])
    return probabilities, classes


def tune_classifier(texts: List[str], intents: List[str], folds: int) -> Tuple[float, int]:
    """Print the grid's mean macro-F1 over the shuffles; return the best (C, ngram_max)."""
    print(f"## Classifier: {folds}-fold macro-F1 on nlu_data/train, mean of {len(SEEDS)} shuffles\n")
    print("| C | char n-grams 1-2 | 1-3 |\n|---|---|---|")
    results = {}
    for c in CLASSIFIER_GRID["C"]:
        for n in CLASSIFIER_GRID["ngram_max"]:
            scores = []
            for seed in SEEDS:
                probabilities, classes = cv_predictions(texts, intents, c, n, seed, folds, calibrate=False)
                scores.append(macro_f1(intents, [classes[i] for i in probabilities.argmax(1)]))
            results[(c, n)] = float(np.mean(scores))
        print(f"| {c} | " + " | ".join(f"{results[(c, n)]:.4f}" for n in CLASSIFIER_GRID["ngram_max"]) + " |")
    # the most regularized setting within TIE of the best: differences smaller than that
    # are a few examples, and a smaller C and shorter n-grams generalize more safely
    top = max(results.values())
    best = min((setting for setting, f1 in results.items() if f1 >= top - TIE), key=lambda s: (s[1], s[0]))
    print(f"\nchosen: C={best[0]}, character 1-{best[1]}-grams ({results[best]:.4f}; "
          f"the smallest C and n-gram length within {TIE} of the best, {top:.4f})\n")
    return best


def calibration_error(probabilities: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top confidence (equal-width bins)."""
    top = probabilities.max(1)
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (top > low) & (top <= high)
        if inside.any():
            error += inside.mean() * abs(top[inside].mean() - correct[inside].mean())
    return error


def rankings(probabilities: np.ndarray, classes: List[str]) -> List[Ranking]:
    return [[{"name": classes[i], "confidence": float(row[i])} for i in np.argsort(-row)] for row in probabilities]


def guarded(texts: List[str], ranked: List[Ranking]) -> List[Tuple[str, dict, Ranking]]:
    """The classifier's output after IntentGuard (which has no thresholds): computed once."""
    messages = [Message(data={"text": t, "intent": dict(r[0]), "intent_ranking": r}) for t, r in zip(texts, ranked)]
    IntentGuard(IntentGuard.get_default_config()).process(messages)
    return [(m.get("text"), m.get("intent"), m.get("intent_ranking")) for m in messages]


def parse(guarded_parses: List[Tuple[str, dict, Ranking]], router: Optional[KnowledgeRouter],
          fallback: FallbackClassifier) -> List[str]:
    """The intents after the router and the fallback."""
    messages = [Message(data={"text": t, "intent": dict(i), "intent_ranking": [dict(x) for x in r]})
                for t, i, r in guarded_parses]
    if router is not None:
        router.process(messages)
    fallback.process(messages)
    return [m.get("intent")["name"] for m in messages]


def everyday_texts() -> set:
    """The negative set's everyday requests (nlu_data/everyday_domains.tsv)."""
    return {line.split("\t", 1)[1].strip() for line in EVERYDAY.read_text(encoding="utf-8").splitlines()[1:]
            if "\t" in line}


def everyday_to_service(texts: List[str], predicted: List[str], everyday: set) -> float:
    """Share of the negative set's everyday requests (in this data) sent to a service intent."""
    hits = [p for t, p in zip(texts, predicted) if t.strip() in everyday]
    return sum(p in SERVICE_INTENTS for p in hits) / max(1, len(hits))


def service_f1(gold: List[str], predicted: List[str]) -> float:
    services = [i for i in (*SERVICE_INTENTS, "faq") if i in set(gold)]
    return f1_score(gold, predicted, labels=services, average="macro")


def sweep(grid: Dict[str, Iterable], score) -> List[Tuple[Dict[str, float], tuple]]:
    """Every combination of the grid with its (macro-F1, service F1, everyday rate), best first."""
    results = []
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid.keys(), values))
        results.append((setting, score(setting)))
    return sorted(results, key=lambda r: -r[1][0])


def choose(results, current: Dict[str, float]) -> Dict[str, float]:
    """Among the settings within TIE of the best, the one that changes the fewest of
    today's values, then the one nearest them: the sweep is flat near its top, and a
    difference of a few examples is no reason to move a threshold."""
    top = results[0][1][0]
    tied = [setting for setting, (f1, _, _) in results if f1 >= top - TIE]
    return min(tied, key=lambda s: (sum(s[k] != current[k] for k in s), sum(abs(s[k] - current[k]) for k in s)))


def print_top(title: str, results, current: Dict[str, float], top: int = 12) -> None:
    print(f"## {title}\n")
    print("| setting | macro-F1 | service+faq F1 | everyday → service |\n|---|---|---|---|")
    shown = results[:top] + [r for r in results if r[0] == current and r not in results[:top]]
    for setting, (f1, sf1, rate) in shown:
        mark = " (in use when run)" if setting == current else ""
        print(f"| {setting}{mark} | {f1:.4f} | {sf1:.4f} | {rate:.1%} |")
    print()


class Tee:
    """Writes to the terminal and to the report file at once."""

    def __init__(self, *streams) -> None:
        self._streams = streams

    def write(self, text: str) -> None:
        for stream in self._streams:
            stream.write(text)

    def flush(self) -> None:
        for stream in self._streams:
            stream.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--C", type=float, default=None, help="skip the classifier grid, use this C")
    parser.add_argument("--ngram-max", type=int, default=2)
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "intent_tuning.md")
    args = parser.parse_args()
    os.chdir(ROOT)
    with open(args.report, "w", encoding="utf-8") as report, contextlib.redirect_stdout(Tee(sys.stdout, report)):
        print("# Intent classifier and thresholds, chosen by cross-validation on nlu_data/train\n")
        print(f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
        command = " ".join(["PYTHONPATH=. .venv-rasa/bin/python scripts/tune_intents.py", *sys.argv[1:]])
        print(f"- Command: `{command}`\n")
        tune(args)


def tune(args: argparse.Namespace) -> None:
    """The classifier grid, calibration, then the router's and the fallback's thresholds."""
    examples = load_data("nlu_data/train").intent_examples
    texts = [e.get("text") for e in examples]
    intents = [e.get("intent") for e in examples]
    c, ngram_max = (args.C, args.ngram_max) if args.C is not None else tune_classifier(texts, intents, args.folds)

    probabilities, classes = cv_predictions(texts, intents, c, ngram_max, SEEDS[0], args.folds, calibrate=True)
    raw = [classes[i] for i in probabilities.argmax(1)]
    correct = np.array([p == g for p, g in zip(raw, intents)], dtype=float)
    print("## Calibration of the out-of-fold probabilities (temperature fitted inside each fold)\n")
    print(f"- classifier alone: macro-F1 {macro_f1(intents, raw):.4f}, accuracy {correct.mean():.4f}, "
          f"mean top confidence {probabilities.max(1).mean():.3f}, "
          f"expected calibration error {calibration_error(probabilities, correct):.3f}\n")

    parses = guarded(texts, rankings(probabilities, classes))
    everyday = everyday_texts()
    router_defaults = KnowledgeRouter.get_default_config()
    fallback_defaults = {**FallbackClassifier.get_default_config(), **pipeline_config("FallbackClassifier")}
    with tempfile.TemporaryDirectory(prefix="tune-intents-") as workdir:
        with knowledge_graph_services(Path(workdir)) as services_url:
            search = CachedSearch(KnowledgeSearch(services_url, os.environ.get("POWERDESK_SERVICE_TOKEN",
                                                                              "dev-only-service-token"), 10.0, 30.0))

            def score(router_setting, fallback_setting=fallback_defaults):
                router = KnowledgeRouter({**router_defaults, **router_setting}, search=search)
                fallback = FallbackClassifier({**fallback_defaults, **fallback_setting})
                predicted = parse(parses, router, fallback)
                return (macro_f1(intents, predicted), service_f1(intents, predicted),
                        everyday_to_service(texts, predicted, everyday))

            no_router = parse(parses, None, FallbackClassifier(fallback_defaults))
            print(f"- classifier + IntentGuard + fallback ({fallback_defaults['threshold']}/"
                  f"{fallback_defaults['ambiguity_threshold']}), no router: "
                  f"macro-F1 {macro_f1(intents, no_router):.4f}\n")
            router_today = {k: router_defaults[k] for k in ROUTER_GRID}
            routed = sweep(ROUTER_GRID, score)
            print_top(f"KnowledgeRouter thresholds (fallback {fallback_defaults['threshold']}/"
                      f"{fallback_defaults['ambiguity_threshold']})", routed, router_today)
            chosen_router = choose(routed, router_today)
            chosen_note = f"(within {TIE} of the best, fewest changes from the values in use)"
            print(f"chosen: {chosen_router} {chosen_note}\n")
            fallback_today = {k: fallback_defaults[k] for k in FALLBACK_GRID}
            fallen = sweep(FALLBACK_GRID, lambda s: score(chosen_router, s))
            print_top(f"FallbackClassifier thresholds (router {chosen_router})", fallen, fallback_today)
            print(f"chosen: {choose(fallen, fallback_today)} {chosen_note}\n")


if __name__ == "__main__":
    main()
