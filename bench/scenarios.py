"""The customer conversations the load generator plays, read from bench/scenarios.yml.

A scenario is a list of turns; a turn has a type (the row of the per-type table), the
customer's text with placeholders filled per conversation from a generated account
(``{account_no}``, ``{last4}``, ``{address}``, ``{mobile}``) and, optionally, a piece of
text the reply must contain (``expect``) so that an answer that is not the script's
(an apology, a misunderstanding under load) is counted.  Pure: no I/O but the file read.
"""
from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

SCENARIOS_FILE = Path(__file__).with_name("scenarios.yml")
PLACEHOLDERS = frozenset({"account_no", "last4", "address", "mobile"})
ACCOUNT_KINDS = frozenset({"any", "postpaid", "prepaid"})


class ScenarioError(ValueError):
    """scenarios.yml says something the generator cannot play."""


@dataclass(frozen=True)
class Turn:
    kind: str
    text: str  # may hold placeholders
    expect: str | None = None

    def filled(self, account: dict[str, str]) -> str:
        return self.text.format_map(account)


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: int
    account: str  # which generated account it needs: any, postpaid, prepaid
    turns: tuple[Turn, ...]


def parse_turn(item: object, where: str) -> Turn:
    """``{kind: text}`` or ``{kind: text, expect: words}``."""
    if not isinstance(item, dict):
        raise ScenarioError(f"{where}: a turn is `type: text`, got {item!r}")
    expect = item.get("expect")
    kinds = [key for key in item if key != "expect"]
    if len(kinds) != 1 or not isinstance(item[kinds[0]], (str, int)):
        raise ScenarioError(f"{where}: a turn needs exactly one `type: text`, got {item!r}")
    text = str(item[kinds[0]])
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if not used <= PLACEHOLDERS:
        raise ScenarioError(f"{where}: unknown placeholder(s) {sorted(used - PLACEHOLDERS)}; "
                            f"known: {sorted(PLACEHOLDERS)}")
    if not text.strip():
        raise ScenarioError(f"{where}: empty text")
    return Turn(str(kinds[0]), text, None if expect is None else str(expect))


def parse_scenarios(document: str) -> list[Scenario]:
    """The scenarios of a YAML document (see bench/scenarios.yml), in file order."""
    data = yaml.safe_load(document)
    if not isinstance(data, dict) or not data:
        raise ScenarioError("scenarios: a mapping of scenario names is expected")
    scenarios = []
    for name, body in data.items():
        if not isinstance(body, dict) or not isinstance(body.get("turns"), list) or not body["turns"]:
            raise ScenarioError(f"{name}: needs a non-empty `turns` list")
        weight, account = body.get("weight", 1), body.get("account", "any")
        if not isinstance(weight, int) or weight < 1:
            raise ScenarioError(f"{name}: weight must be a positive integer, got {weight!r}")
        if account not in ACCOUNT_KINDS:
            raise ScenarioError(f"{name}: account must be one of {sorted(ACCOUNT_KINDS)}, got {account!r}")
        turns = tuple(parse_turn(item, f"{name} turn {i + 1}") for i, item in enumerate(body["turns"]))
        scenarios.append(Scenario(str(name), weight, account, turns))
    return scenarios


def load_scenarios(path: Path = SCENARIOS_FILE) -> list[Scenario]:
    return parse_scenarios(path.read_text(encoding="utf-8"))


def rotation(scenarios: list[Scenario]) -> Iterator[Scenario]:
    """Scenarios forever, each as often as its weight, interleaved (a, b, a, c, a, b …
    rather than a, a, a, b …) so that a short run still plays every kind."""
    slots = [(i / s.weight + order * 1e-6, s) for order, s in enumerate(scenarios) for i in range(s.weight)]
    return itertools.cycle([s for _, s in sorted(slots, key=lambda slot: slot[0])])


def turn_kinds(scenarios: list[Scenario]) -> list[str]:
    """Every turn type, in order of first appearance."""
    return list(dict.fromkeys(turn.kind for s in scenarios for turn in s.turns))
