"""Train the Rasa model only when what it is made from has changed.

The fingerprint is a SHA-256 over the config, the domain, the rules, the training data
and the code of the trained custom components (tokenizer, intent classifier); it is
stored next to the model.  Runs on the app venv's Python (stdlib only) and calls the
Rasa venv's `rasa train`.

Rasa caches each trained component (.rasa/), so a change to the rules or responses
alone retrains the dialogue part in about a minute instead of the whole NLU.  Rasa's
cache keys do not cover code, so when that code changed (the tokenizer shapes every
feature, the intent classifier is itself trained) the training is forced; the other
custom components run at inference only.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "var" / "models"
MODEL = MODEL_DIR / "powerdesk.tar.gz"
FINGERPRINT = MODEL_DIR / "powerdesk.sha256"
TRAINING_DATA = [REPO / "nlu_data" / "train", REPO / "bot" / "rules.yml"]
# Code that changes what the model learns (the tokenizer, the intent classifier): Rasa's
# cache cannot see a code change, so a change here retrains with --force.  The other
# components (bot/nlu_components.py, bot/knowledge_router.py) run at inference only.
CODE = [REPO / "bot" / "tokenizer.py", REPO / "bot" / "intent_classifier.py"]
INPUTS = [REPO / "config.yml", REPO / "bot" / "domain.yml", *TRAINING_DATA, REPO / "nlu_data" / "dict", *CODE]


def fingerprint(inputs: list[Path] = INPUTS) -> str:
    digest = hashlib.sha256()
    for root in inputs:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def train(force: bool) -> None:
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    command = [
        str(REPO / ".venv-rasa" / "bin" / "rasa"), "train",
        "--config", "config.yml", "--domain", "bot/domain.yml",
        "--data", *[str(p.relative_to(REPO)) for p in TRAINING_DATA],
        "--out", str(MODEL_DIR.relative_to(REPO)), "--fixed-model-name", "powerdesk",
        *(["--force"] if force else []),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(command, cwd=REPO, env=env, check=True)


def main() -> int:
    wanted = f"{fingerprint()} {fingerprint(CODE)}"
    stored = FINGERPRINT.read_text().split() if FINGERPRINT.exists() else []
    if MODEL.exists() and stored == wanted.split():
        print("Rasa model is up to date")
        return 0
    started = time.monotonic()
    train(force=len(stored) != 2 or stored[1] != wanted.split()[1])
    FINGERPRINT.write_text(wanted)
    print(f"Rasa model trained in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
