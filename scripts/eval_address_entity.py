"""The address entity on the held-out split, by where the lines came from (reports/address.md).

Usage: ``PYTHONPATH=. .venv-rasa/bin/python scripts/eval_address_entity.py var/models/powerdesk.tar.gz``

``scripts/eval_nlu.py`` gives the address F1 over the whole held-out split; this splits it
into the lines held out before the address grammar was written (``nlu_data/heldout/<intent>.yml``,
never read while writing it) and the lines dealt with the new address examples
(``*_address.yml``: their author saw them while writing the grammar, so they flatter it).
Scored like eval_nlu: (entity, normalized value) pairs after the whole pipeline.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.core.agent import Agent  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402

from scripts.eval_nlu import f1, gold_entities  # noqa: E402

HELDOUT = ROOT / "nlu_data" / "heldout"


def score(agent: Agent, files: list[Path]) -> tuple[int, int, int]:
    """(right, predicted, gold) address pairs over the examples of ``files``."""
    right = predicted = gold = 0
    for path in files:
        for example in load_data(str(path)).intent_examples:
            parsed = asyncio.run(agent.parse_message(example.get("text")))
            wanted = {pair for pair in gold_entities(example) if pair[0] == "address"}
            found = {(e["entity"], str(e["value"])) for e in parsed["entities"] if e["entity"] == "address"}
            right, predicted, gold = right + len(wanted & found), predicted + len(found), gold + len(wanted)
    return right, predicted, gold


def main() -> None:
    agent = Agent.load(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "var" / "models" / "powerdesk.tar.gz"))
    for label, files in (("held out before", [p for p in sorted(HELDOUT.glob("*.yml")) if "_address" not in p.name]),
                         ("new (*_address.yml)", sorted(HELDOUT.glob("*_address.yml")))):
        right, predicted, gold = score(agent, files)
        print(f"{label}: gold {gold}, predicted {predicted}, right {right}, F1 {f1(right, predicted, gold):.3f}")


if __name__ == "__main__":
    main()
