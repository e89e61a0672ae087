"""Deal newly written NLU examples into the training and held-out sets.

Usage: ``python scripts/split_nlu_examples.py nlu_data/staging``

New examples are written into a staging directory (Rasa YAML, one file per
intent, same format as ``nlu_data/train``).  This appends every 5th example of
each intent, in the order written, to ``nlu_data/heldout/<intent>.yml`` and the
others to ``nlu_data/train/<intent>.yml``, then removes the staging files.  An
example whose text (annotations stripped) is already in either set, under any intent,
or earlier in the staging files, is dropped: a copy in the held-out set of a sentence
trained on would score itself.  The
held-out set keeps growing with the data and is never trained on; deciding the
split before anyone looks at predictions is what keeps ``make eval-nlu`` honest.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_EVERY = 5
_INTENT = re.compile(r"^- intent: (\w+)\s*$")
_EXAMPLE = re.compile(r"^    - (.+)$")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def read_examples(path: Path) -> dict[str, list[str]]:
    """Example lines (annotations kept) per intent, in file order."""
    examples: dict[str, list[str]] = {}
    intent = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := _INTENT.match(line):
            intent = match.group(1)
            examples.setdefault(intent, [])
        elif (match := _EXAMPLE.match(line)) and intent:
            examples[intent].append(match.group(1))
    return examples


def append_examples(path: Path, intent: str, lines: list[str]) -> None:
    """Append to the intent's block, creating the file if the intent is new."""
    if not lines:
        return
    if not path.exists():
        path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n', encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    if read_examples(path).keys() != {intent}:
        raise SystemExit(f"{path} must hold exactly one intent block ({intent})")
    text = text.rstrip("\n") + "\n" + "".join(f"    - {line}\n" for line in lines)
    path.write_text(text, encoding="utf-8")


def plain_text(line: str) -> str:
    """The example as a customer would type it: annotations stripped, no spaces."""
    return "".join(_ANNOTATION.sub(r"\1", line).split())


def known_texts() -> set[str]:
    """Plain texts of every example already in the training and held-out sets."""
    return {plain_text(line)
            for part in ("train", "heldout") for path in (ROOT / "nlu_data" / part).glob("*.yml")
            for lines in read_examples(path).values() for line in lines}


def split(staging: Path) -> dict[str, tuple[int, int, int]]:
    """Deal every staging file; returns (train, held-out, dropped as known) per intent."""
    counts = {}
    known = known_texts()
    for path in sorted(staging.glob("*.yml")):
        for intent, written in read_examples(path).items():
            lines = []
            for line in written:
                if plain_text(line) not in known:
                    known.add(plain_text(line))
                    lines.append(line)
            heldout = [line for i, line in enumerate(lines, start=1) if i % HELDOUT_EVERY == 0]
            train = [line for i, line in enumerate(lines, start=1) if i % HELDOUT_EVERY != 0]
            append_examples(ROOT / "nlu_data" / "train" / f"{intent}.yml", intent, train)
            append_examples(ROOT / "nlu_data" / "heldout" / f"{intent}.yml", intent, heldout)
            counts[intent] = (len(train), len(heldout), len(written) - len(lines))
        path.unlink()
    return counts


def main() -> None:
    staging = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "nlu_data" / "staging"
    for intent, (train, heldout, dropped) in split(staging).items():
        print(f"{intent}: +{train} train, +{heldout} held-out, {dropped} already known")


if __name__ == "__main__":
    main()
