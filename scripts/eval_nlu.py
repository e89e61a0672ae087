"""Measure PowerDesk's NLU: held-out scores and k-fold cross-validation → reports/nlu.md.

Runs in the Rasa venv (``make eval-nlu`` calls
``.venv-rasa/bin/python scripts/eval_nlu.py``). It trains on nlu_data/train
with config.yml, parses every nlu_data/heldout example through the whole
pipeline (so entities are scored after de-duplication and normalization, the
way actions receive them), then repeats train/test on k stratified folds of
the training data.

Entity scores compare (entity type, normalized value) pairs per message:
an entity counts as right only if the bot would fill the slot correctly.

The pipeline's KnowledgeRouter asks the knowledge-graph retriever in the services
process, so this script starts that process (the app venv's uvicorn, on a free loopback
port, with a throwaway database) and points the router at it.  The held-out split is
parsed twice with the same model: with the router, and with the services unreachable
(the classifier alone, which is also how the router degrades), and the report compares
the two for the service intents and faq.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean, pstdev
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rasa.core.agent import Agent  # noqa: E402
from rasa.model_training import train_nlu  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from services import clock  # noqa: E402
from services.textnorm import normalize_entity  # noqa: E402

EntityPair = Tuple[str, str]


@dataclass
class Scores:
    """Intent and entity results of one evaluation run."""

    intent_macro_f1: float
    intent_f1: Dict[str, float]
    confusions: List[Tuple[Tuple[str, str], int]]
    entity_f1: float
    entity_type_f1: Dict[str, float]
    fallbacks: int
    errors: List[str] = field(default_factory=list)
    # (text, gold intent, predicted intent, confidence) of every example
    predictions: List[Tuple[str, str, str, float]] = field(default_factory=list)


# The intents that start a service flow (a form or a service call): a request that is
# not ours must never land in one, and a question about a rule belongs to faq.
SERVICE_INTENTS = ("query_bill", "top_up", "report_outage", "query_outage", "ask_tariff",
                   "forecast_bill", "complain", "request_human")
EVERYDAY = ROOT / "nlu_data" / "everyday_domains.tsv"
# how the intent classifier and the thresholds reading it were chosen (scripts/tune_intents.py)
TUNING = ROOT / "reports" / "intent_tuning.md"
CONFIDENT = 0.7
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
SERVICES_URL_ENV = "POWERDESK_SERVICES_URL"  # read by bot/knowledge_router.py
SERVICES_START_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def knowledge_graph_services(workdir: Path) -> Iterator[str]:
    """The services process (knowledge-graph retriever) for the KnowledgeRouter; its URL.

    Started from the app venv on a free loopback port with a throwaway SQLite database
    (the retriever reads only var/kg); its whole process group is stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "POWERDESK_DATABASE_URL": f"sqlite:///{workdir / 'services.db'}",
           SERVICES_URL_ENV: url}
    log = open(workdir / "services.log", "ab")
    process = subprocess.Popen(
        [str(APP_PYTHON), "-m", "uvicorn", "services.app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(f"{url}/healthz", process, workdir / "services.log")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_healthy(health_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVICES_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the services process exited; see {log_path}")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"the services process did not become healthy in {SERVICES_START_S} s")


def evaluate_with_services(model_path: str, examples: List[Message], services_url: str) -> Scores:
    """Parse with the KnowledgeRouter reaching the retriever at ``services_url``
    (an unreachable URL: the classifier alone)."""
    os.environ[SERVICES_URL_ENV] = services_url
    return evaluate(model_path, examples)


def gold_entities(example: Message) -> Set[EntityPair]:
    """Annotated entities as (type, normalized value), like EntityNormalizer emits."""
    text = example.get("text")
    pairs = set()
    for entity in example.get("entities") or []:
        raw = text[entity["start"] : entity["end"]]
        pairs.add((entity["entity"], normalize_entity(entity["entity"], raw, clock.today()) or raw))
    return pairs


def f1(true_positives: int, predicted: int, gold: int) -> float:
    """F1 from counts; 1.0 when there was nothing to find and nothing found."""
    if predicted == 0 and gold == 0:
        return 1.0
    return 2 * true_positives / (predicted + gold) if predicted + gold else 0.0


def entity_scores(
    gold: List[Set[EntityPair]], predicted: List[Set[EntityPair]]
) -> Tuple[float, Dict[str, float]]:
    """Micro F1 over all entity types, and F1 per type."""
    counts: Dict[str, Counter] = {}
    for gold_set, predicted_set in zip(gold, predicted):
        for kind, pairs in (("gold", gold_set), ("predicted", predicted_set)):
            for entity, _ in pairs:
                counts.setdefault(entity, Counter())[kind] += 1
        for entity, _ in gold_set & predicted_set:
            counts[entity]["hit"] += 1
    per_type = {
        entity: f1(c["hit"], c["predicted"], c["gold"]) for entity, c in sorted(counts.items())
    }
    total = sum(counts.values(), Counter())
    return f1(total["hit"], total["predicted"], total["gold"]), per_type


def evaluate(model_path: str, examples: List[Message]) -> Scores:
    """Parse every example with the trained model and score intents and entities."""
    agent = Agent.load(model_path)
    parses = [asyncio.run(agent.parse_message(e.get("text"))) for e in examples]
    gold_intents = [e.get("intent") for e in examples]
    predicted_intents = [p["intent"]["name"] for p in parses]
    labels = sorted(set(gold_intents))
    per_intent = f1_score(gold_intents, predicted_intents, labels=labels, average=None)
    gold = [gold_entities(e) for e in examples]
    predicted = [{(x["entity"], str(x["value"])) for x in p["entities"]} for p in parses]
    micro, per_type = entity_scores(gold, predicted)
    errors = [
        f"`{e.get('text')}`: {g} → {p}" + (f"; entities {sorted(gs)} → {sorted(ps)}" if gs != ps else "")
        for e, g, p, gs, ps in zip(examples, gold_intents, predicted_intents, gold, predicted)
        if g != p or gs != ps
    ]
    return Scores(
        intent_macro_f1=f1_score(gold_intents, predicted_intents, labels=labels, average="macro"),
        intent_f1=dict(zip(labels, per_intent)),
        confusions=Counter(
            (g, p) for g, p in zip(gold_intents, predicted_intents) if g != p
        ).most_common(8),
        entity_f1=micro,
        entity_type_f1=per_type,
        fallbacks=predicted_intents.count("nlu_fallback"),
        errors=errors,
        predictions=[(e.get("text"), g, p["intent"]["name"], p["intent"].get("confidence") or 0.0)
                     for e, g, p in zip(examples, gold_intents, parses)],
    )


def service_faq_lines(scores: Scores) -> List[str]:
    """How often a rule question (faq) went to a service flow, and a service request to faq."""
    to_service = Counter(p for _, g, p, _ in scores.predictions if g == "faq" and p in SERVICE_INTENTS)
    to_faq = Counter(g for _, g, p, _ in scores.predictions if g in SERVICE_INTENTS and p == "faq")
    faq_total = sum(1 for _, g, _, _ in scores.predictions if g == "faq")
    service_total = sum(1 for _, g, _, _ in scores.predictions if g in SERVICE_INTENTS)
    return [
        f"- faq questions sent to a service intent: {sum(to_service.values())} of {faq_total}"
        + (f" ({', '.join(f'{k} {v}' for k, v in to_service.most_common())})" if to_service else ""),
        f"- service requests sent to faq: {sum(to_faq.values())} of {service_total}"
        + (f" ({', '.join(f'{k} {v}' for k, v in to_faq.most_common())})" if to_faq else ""),
    ]


def router_change_lines(before: Scores, after: Scores) -> List[str]:
    """What the router changed, example by example: misses it fixed and hits it broke,
    counted by (gold, classifier's intent → router's intent)."""
    fixed, broke, moved = Counter(), Counter(), 0
    for (_, gold, was, _), (_, _, now, _) in zip(before.predictions, after.predictions):
        if was == now:
            continue
        moved += 1
        if now == gold:
            fixed[(gold, was, now)] += 1
        elif was == gold:
            broke[(gold, was, now)] += 1
    describe = lambda counts: ", ".join(f"{g}: {w} → {n} ×{c}" for (g, w, n), c in counts.most_common()) or "none"
    return [
        f"- intents the router changed: {moved} of {len(after.predictions)}; "
        f"misses fixed {sum(fixed.values())}, hits broken {sum(broke.values())}",
        f"- fixed (gold: classifier → router): {describe(fixed)}",
        f"- broken (gold: classifier → router): {describe(broke)}",
    ]


def everyday_lines(scores: Scores) -> List[str]:
    """Everyday requests that are not ours (held-out part of the negative set): the share
    the NLU sends to a service intent, overall, when confident, and per domain."""
    if not EVERYDAY.exists():
        return ["- no negative set (nlu_data/everyday_domains.tsv)"]
    rows = [line.split("\t", 1) for line in EVERYDAY.read_text(encoding="utf-8").splitlines()[1:] if "\t" in line]
    domain_of = {text.strip(): domain for domain, text in rows}
    held = [(domain_of[t.strip()], p, c) for t, g, p, c in scores.predictions if t.strip() in domain_of]
    if not held:
        return ["- none of the negative set is in the held-out split"]
    to_service = [(d, p, c) for d, p, c in held if p in SERVICE_INTENTS]
    confident = [x for x in to_service if x[2] >= CONFIDENT]
    lines = [
        f"- held-out everyday requests: {len(held)} across {len({d for d, _, _ in held})} domains",
        f"- sent to a service intent: **{len(to_service) / len(held):.1%}** ({len(to_service)}); "
        f"at confidence ≥ {CONFIDENT}: {len(confident) / len(held):.1%} ({len(confident)})",
        f"- sent to faq: {sum(1 for _, p, _ in held if p == 'faq') / len(held):.1%}",
    ]
    worst = Counter(d for d, _, _ in to_service).most_common(6)
    if worst:
        lines.append("- domains with the most: " + ", ".join(f"{d} {n}" for d, n in worst))
    return lines


def train(config: Path, data: str, output: str) -> Tuple[str, float]:
    """Train an NLU-only model; returns its path and the wall-clock seconds."""
    started = time.monotonic()
    model = train_nlu(str(config), data, output, fixed_model_name="nlu")
    if model is None:
        raise SystemExit(f"training on {data} failed")
    return model, time.monotonic() - started


def cross_validate(config: Path, data: TrainingData, folds: int, workdir: Path) -> List[Scores]:
    """Train and test on stratified folds of the training data (fixed seed)."""
    examples = data.intent_examples
    intents = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    results = []
    for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, intents), start=1):
        fold_data = TrainingData(
            training_examples=[examples[i] for i in train_idx],
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
            entity_synonyms=data.entity_synonyms,
        )
        fold_file = workdir / f"fold{fold}.yml"
        RasaYAMLWriter().dump(fold_file, fold_data)
        model, seconds = train(config, str(fold_file), str(workdir / f"fold{fold}"))
        results.append(evaluate(model, [examples[i] for i in test_idx]))
        logging.warning("fold %d: %.0f s, intent F1 %.3f, entity F1 %.3f",
                        fold, seconds, results[-1].intent_macro_f1, results[-1].entity_f1)
    return results


def table(rows: Dict[str, float], header: str) -> List[str]:
    """A two-column markdown table of F1 scores."""
    lines = [f"| {header} | F1 |", "|---|---|"]
    return lines + [f"| {name} | {score:.3f} |" for name, score in rows.items()]


def bullets(items: List[str]) -> List[str]:
    """Markdown bullet lines, or a single "none"."""
    return [f"- {item}" for item in items] or ["- none"]


def mean_std(values: List[float]) -> str:
    return f"{mean(values):.3f} ± {pstdev(values):.3f}"


def tuning_lines() -> List[str]:
    """reports/intent_tuning.md (cross-validation on the training part), one heading level down."""
    if not TUNING.exists():
        return []
    body = TUNING.read_text(encoding="utf-8").splitlines()[1:]
    return ["## How the classifier and the thresholds were chosen (training part only)", "",
            f"From `{TUNING.relative_to(ROOT)}`:", *[f"#{line}" if line.startswith("#") else line for line in body], ""]


def write_report(
    path: Path, command: str, train_seconds: float, heldout: Scores,
    heldout_size: int, train_size: int, folds: List[Scores], total_seconds: float,
    train_dir: str = "nlu_data/train", classifier_only: Scores | None = None,
    heldout_dir: str = "nlu_data/heldout",
) -> None:
    """reports/nlu.md: the figures, how they were produced, and the held-out misses."""
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# NLU evaluation",
        "",
        f"- Date: {today}",
        f"- Command: `{command}`",
        f"- Data: train `{train_dir}` ({train_size} examples), held-out `{heldout_dir}` "
        f"({heldout_size} examples, every 5th authored example per intent, never trained on)",
        f"- Training time (NLU model, held-out run): {train_seconds:.0f} s; whole evaluation: "
        f"{total_seconds / 60:.1f} min",
        "- Entity scores: (type, normalized value) pairs after EntityNormalizer, micro-averaged",
        "",
        "## Held-out",
        "",
        f"- Intent macro-F1: **{heldout.intent_macro_f1:.3f}**",
        f"- Entity F1 (micro): **{heldout.entity_f1:.3f}**",
        f"- Answered with nlu_fallback (counted as misses): {heldout.fallbacks}",
        "",
        *table(heldout.intent_f1, "Intent"),
        "",
        *table(heldout.entity_type_f1, "Entity"),
        "",
        "Top intent confusions (gold → predicted: count):",
        "",
        *bullets([f"{g} → {p}: {n}" for (g, p), n in heldout.confusions]),
        "",
        "Service intents and faq (held-out):",
        "",
        *service_faq_lines(heldout),
        "",
        "Everyday requests that are not ours (held-out part of the negative set):",
        "",
        *everyday_lines(heldout),
        "",
    ]
    if classifier_only is not None:
        lines += [
            "## The knowledge-graph router (same model, same held-out split)",
            "",
            "Without it = the services unreachable, so the classifier (and IntentGuard) alone, which",
            "is also how the router degrades; with it = the pipeline as deployed.",
            "",
            "| | classifier only | with KnowledgeRouter |",
            "|---|---|---|",
            f"| intent macro-F1 | {classifier_only.intent_macro_f1:.3f} | {heldout.intent_macro_f1:.3f} |",
            *[f"| {name} F1 | {classifier_only.intent_f1.get(name, 0.0):.3f} | {heldout.intent_f1.get(name, 0.0):.3f} |"
              for name in (*SERVICE_INTENTS, "faq", "out_of_scope")],
            "",
            *router_change_lines(classifier_only, heldout),
            "",
            "Classifier only:",
            "",
            *service_faq_lines(classifier_only),
            *everyday_lines(classifier_only)[1:2],
            "",
            "With KnowledgeRouter:",
            "",
            *service_faq_lines(heldout),
            *everyday_lines(heldout)[1:2],
            "",
        ]
    lines += tuning_lines()
    if folds:
        lines += [
            f"## {len(folds)}-fold cross-validation on nlu_data/train",
            "",
            f"- Intent macro-F1: **{mean_std([s.intent_macro_f1 for s in folds])}**",
            f"- Entity F1 (micro): **{mean_std([s.entity_f1 for s in folds])}**",
            "",
        ]
        cv_intents = {i: mean(s.intent_f1.get(i, 0.0) for s in folds) for i in heldout.intent_f1}
        lines += [*table(cv_intents, "Intent (mean over folds)"), ""]
        cv_confusions = sum((Counter(dict(s.confusions)) for s in folds), Counter())
        lines += ["Top confusions over all folds:", ""]
        lines += [*bullets([f"{g} → {p}: {n}" for (g, p), n in cv_confusions.most_common(8)]), ""]
    lines += ["## Held-out misses", "", *bullets(heldout.errors), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--folds", type=int, default=5, help="0 skips cross-validation")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "nlu.md")
    parser.add_argument("--train-data", default="nlu_data/train", help="training data (e.g. an older copy, to compare)")
    parser.add_argument("--model", default=None, help="evaluate this trained model instead of training one")
    parser.add_argument("--heldout-data", default="nlu_data/heldout",
                        help="held-out data (e.g. an older, smaller copy, to compare with its report)")
    args = parser.parse_args()
    os.chdir(ROOT)  # config.yml names nlu_data/dict relative to the repo
    started = time.monotonic()
    command = "python scripts/eval_nlu.py " + " ".join(sys.argv[1:])
    train_data = load_data(args.train_data)
    heldout_examples = load_data(args.heldout_data).intent_examples
    with tempfile.TemporaryDirectory(prefix="eval-nlu-") as workdir:
        model, train_seconds = (args.model, 0.0) if args.model else train(args.config, args.train_data, workdir)
        unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        classifier_only = evaluate_with_services(model, heldout_examples, unreachable)
        logging.warning("held-out, classifier only: intent F1 %.3f", classifier_only.intent_macro_f1)
        with knowledge_graph_services(Path(workdir)) as services_url:
            heldout = evaluate_with_services(model, heldout_examples, services_url)
            logging.warning("held-out: intent F1 %.3f, entity F1 %.3f",
                            heldout.intent_macro_f1, heldout.entity_f1)
            folds = cross_validate(args.config, train_data, args.folds, Path(workdir)) if args.folds else []
    write_report(
        args.report, command.strip(), train_seconds, heldout, len(heldout_examples),
        len(train_data.intent_examples), folds, time.monotonic() - started, args.train_data,
        classifier_only, args.heldout_data,
    )
    print(args.report.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
