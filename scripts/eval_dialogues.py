"""How many routine customer conversations PowerDesk completes on its own.

``make eval-dialogues`` (``.venv/bin/python -m scripts.eval_dialogues``) starts a
throw-away stack the way the conversation tests do (tests/stack.py: free
loopback ports, a fresh SQLite database migrated and seeded, the knowledge-graph index
``make kg`` built), plays every conversation of tests/dialogues/routine.yml through the
gateway as a new customer, checks the replies against the conversation's checks and the
billing service's own data, and writes reports/dialogues.md.

Automation rate = conversations whose checks all pass and that never went to a human
(``state == "handoff"``) / conversations counted (those marked ``needs:`` wait for a
capability not built yet: they are played and listed, not counted).

It is a measure, not a test: a low rate still exits 0.  It exits non-zero when it could
not measure: the conversation file is invalid (2), the stack did not start (1), or a
process died during the run (3).  The vocabulary of checks is described at the top of
tests/dialogues/routine.yml; :func:`evaluate` is unit-tested without a stack
(tests/unit/test_eval_dialogues.py).
"""
from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml

from scripts.stack import MODEL_PATH, Stack
from services import clock, months
from services.settings import REPO_ROOT
from tests.stack import SEED_ACCOUNTS, Customer, prepare_throwaway, throwaway_settings

CONVERSATIONS = REPO_ROOT / "tests" / "dialogues" / "routine.yml"
REPORT = REPO_ROOT / "reports" / "dialogues.md"
NEEDS = ("outage", "forecast")
CONVERSATION_KEYS = {"id", "category", "turns", "expect", "expect_any_turn", "forbid", "allow", "facts", "needs"}
ACCOUNT_NO = re.compile(r"\d{10}")
# What "you owe nothing" looks like when an account has no arrears.
NO_ARREARS = re.compile(r"没有(任何)?(欠费|欠缴|逾期|未缴)|无欠费|不欠费|未欠费|无逾期|已缴清|已结清|都已缴|均已缴")
CLAIMS_ARREARS = re.compile(r"(欠费|欠缴|逾期)[^。\n]{0,12}?\d+(\.\d+)?\s*元")


class ConversationError(ValueError):
    """The conversation file is not what the runner can measure with."""


# ---------------------------------------------------------------------------- texts


@dataclass(frozen=True)
class Text:
    """A string a reply must (or must not) contain: literal, or a regex."""

    label: str
    regex: re.Pattern | None = None

    def found_in(self, reply: str) -> bool:
        return bool(self.regex.search(reply)) if self.regex else self.label in reply

    def __str__(self) -> str:
        return f"/{self.label}/" if self.regex else f"“{self.label}”"


def parse_text(item: Any, where: str) -> Text:
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        item = str(item)
    if isinstance(item, str):
        if not item.strip():
            raise ConversationError(f"{where}: an empty string is in every reply")
        return Text(item)
    if isinstance(item, dict) and set(item) == {"re"} and isinstance(item["re"], str):
        try:
            regex = re.compile(item["re"])
        except re.error as exc:
            raise ConversationError(f"{where}: bad regex {item['re']!r}: {exc}") from exc
        if regex.search(""):
            raise ConversationError(f"{where}: regex {item['re']!r} matches an empty reply, so it cannot fail")
        return Text(item["re"], regex)
    raise ConversationError(f"{where}: expected a string or {{re: pattern}}, got {item!r}")


def amount_regex(amount: Any) -> re.Pattern:
    """``12.30`` as a customer may read it: "12.30元", "12.3元", "12.30 元" — not "112.30元"."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    whole, cents = f"{value:.2f}".split(".")
    if cents == "00":
        fraction = r"(\.00?)?"
    elif cents.endswith("0"):
        fraction = rf"\.{cents[0]}0?"
    else:
        fraction = rf"\.{cents}"
    return re.compile(rf"(?<![\d.]){re.escape(whole)}{fraction}(?!\d)\s*元")


def price_regex(price: str) -> re.Pattern:
    return re.compile(rf"(?<![\d.]){re.escape(price)}(?!\d)")


def month_regex(period: str) -> re.Pattern:
    """The month of a period named in a reply ("10月", "2026年10月"), not a due date ("10月25日")."""
    month = int(period.split("-")[1])
    return re.compile(rf"(?<!\d){month}月(?!\d{{1,2}}日)")


# ---------------------------------------------------------------------------- facts

FACT_KINDS = ("bill_total_of", "bill_of_month", "balance_of", "arrears_of", "owed_of", "payment_of",
              "estimate", "tariff_prices_of", "tou_prices_of")


def _account(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ACCOUNT_NO.fullmatch(value):
        raise ConversationError(f"{where}: a 户号 is 10 digits as a quoted string, got {value!r}")
    return value


def _province(value: Any, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]+", value):
        raise ConversationError(f"{where}: a province is a tariff table name such as zhejiang, got {value!r}")
    return value


def _params(value: Any, where: str, required: set[str], optional: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise ConversationError(f"{where}: expected a mapping, got {value!r}")
    missing, unknown = required - value.keys(), value.keys() - required - optional
    if missing or unknown:
        raise ConversationError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    return value


def parse_fact(item: Any, where: str) -> tuple[str, Any]:
    """One ``{kind: argument}`` of a conversation's facts, checked; returns (kind, argument)."""
    if not isinstance(item, dict) or len(item) != 1:
        raise ConversationError(f"{where}: a fact is one {{kind: argument}}, got {item!r}")
    (kind, arg), = item.items()
    where = f"{where} {kind}"
    if kind in ("bill_total_of", "balance_of", "arrears_of", "owed_of"):
        return kind, _account(arg, where)
    if kind in ("tariff_prices_of", "tou_prices_of"):
        return kind, _province(arg, where)
    if kind == "bill_of_month":
        arg = _params(arg, where, {"account"}, {"months_ago", "month"})
        _account(arg["account"], where)
        if ("months_ago" in arg) == ("month" in arg):
            raise ConversationError(f"{where}: give months_ago or month, not both or neither")
        if "months_ago" in arg and not (isinstance(arg["months_ago"], int) and 0 <= arg["months_ago"] <= 23):
            raise ConversationError(f"{where}: months_ago is 0-23")
        if "month" in arg and not (isinstance(arg["month"], int) and 1 <= arg["month"] <= 12):
            raise ConversationError(f"{where}: month is a calendar month 1-12")
        return kind, arg
    if kind == "payment_of":
        arg = _params(arg, where, {"account", "amount"})
        _account(arg["account"], where)
        try:
            amount = Decimal(str(arg["amount"]))
        except InvalidOperation as exc:
            raise ConversationError(f"{where}: amount {arg['amount']!r} is no number") from exc
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ConversationError(f"{where}: amount is a positive number of 元 with at most 2 decimals")
        return kind, {**arg, "amount": amount}
    if kind == "estimate":
        arg = _params(arg, where, {"province", "kwh"}, {"account"})
        _province(arg["province"], where)
        if not (isinstance(arg["kwh"], int) and not isinstance(arg["kwh"], bool) and arg["kwh"] > 0):
            raise ConversationError(f"{where}: kwh is a positive whole number")
        if "account" in arg:
            _account(arg["account"], where)
        return kind, arg
    raise ConversationError(f"{where}: unknown fact (known: {', '.join(FACT_KINDS)})")


class Facts(Protocol):
    """The services' own data, as the billing API gives it (a fake in the unit test)."""

    def account(self, account_no: str) -> dict: ...
    def bill(self, account_no: str, month: str) -> dict: ...
    def payments(self, account_no: str) -> list[dict]: ...
    def estimate(self, province: str, kwh: int, month: str, account_no: str | None) -> dict: ...
    def tariff(self, province: str) -> dict: ...


class FactMissing(Exception):
    """The data a check needs is not there (no such bill, service error)."""


class BillingFacts:
    """:class:`Facts` from the billing API on the services' internal port, with the service token."""

    def __init__(self, services_url: str, token: str):
        self.client = httpx.Client(base_url=f"{services_url}/billing",
                                   headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def _get(self, path: str, **params: Any) -> dict:
        try:
            response = self.client.get(path, params={k: v for k, v in params.items() if v is not None})
        except httpx.HTTPError as exc:
            raise FactMissing(f"GET {path}: {exc}") from exc
        if response.status_code != 200:
            raise FactMissing(f"GET {path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def account(self, account_no: str) -> dict:
        return self._get(f"/accounts/{account_no}")

    def bill(self, account_no: str, month: str) -> dict:
        return self._get(f"/accounts/{account_no}/bills", month=month)["bills"][0]

    def payments(self, account_no: str) -> list[dict]:
        return self._get(f"/accounts/{account_no}/payments")["payments"]

    def estimate(self, province: str, kwh: int, month: str, account_no: str | None) -> dict:
        return self._get(f"/tariffs/{province}/estimate", kwh=kwh, month=month, account_no=account_no)

    def tariff(self, province: str) -> dict:
        return self._get(f"/tariffs/{province}")

    def close(self) -> None:
        self.client.close()


# ---------------------------------------------------------------------------- conversations


@dataclass
class Conversation:
    id: str
    category: str
    turns: list[str]
    expect: list[Text] = field(default_factory=list)
    expect_any_turn: list[Text] = field(default_factory=list)
    forbid: list[Text] = field(default_factory=list)  # defaults included, minus `allow`
    facts: list[tuple[str, Any]] = field(default_factory=list)
    needs: str | None = None

    @property
    def counted(self) -> bool:
        return self.needs is None


def _list(raw: dict, key: str, where: str) -> list:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ConversationError(f"{where}: {key} is a list")
    return value


def parse_conversation(raw: Any, default_forbid: list[Text]) -> Conversation:
    if not isinstance(raw, dict):
        raise ConversationError(f"a conversation is a mapping, got {raw!r}")
    cid = raw.get("id")
    if not isinstance(cid, str) or not cid:
        raise ConversationError(f"a conversation without an id: {raw!r}")
    unknown = raw.keys() - CONVERSATION_KEYS
    if unknown:
        raise ConversationError(f"{cid}: unknown keys {sorted(unknown)}")
    if not isinstance(raw.get("category"), str) or not raw["category"]:
        raise ConversationError(f"{cid}: no category")
    turns = _list(raw, "turns", cid)
    if not turns or not all(isinstance(t, str) and 1 <= len(t.strip()) and len(t) <= 1000 for t in turns):
        raise ConversationError(f"{cid}: turns are 1-1000 character strings, at least one")
    needs = raw.get("needs")
    if needs is not None and needs not in NEEDS:
        raise ConversationError(f"{cid}: needs is one of {NEEDS}")
    allow = [parse_text(a, f"{cid} allow") for a in _list(raw, "allow", cid)]
    not_default = [a for a in allow if a not in default_forbid]
    if not_default:
        raise ConversationError(f"{cid}: allow {not_default[0]} is not in defaults.forbid")
    conversation = Conversation(
        id=cid, category=raw["category"], turns=list(turns),
        expect=[parse_text(t, f"{cid} expect") for t in _list(raw, "expect", cid)],
        expect_any_turn=[parse_text(t, f"{cid} expect_any_turn") for t in _list(raw, "expect_any_turn", cid)],
        forbid=[t for t in default_forbid if t not in allow]
        + [parse_text(t, f"{cid} forbid") for t in _list(raw, "forbid", cid)],
        facts=[parse_fact(f, f"{cid} facts") for f in _list(raw, "facts", cid)],
        needs=needs,
    )
    if not (conversation.expect or conversation.expect_any_turn or conversation.facts):
        raise ConversationError(f"{cid}: nothing shows the customer got what they asked for "
                                "(give expect, expect_any_turn or facts)")
    return conversation


def load(path: Path = CONVERSATIONS) -> list[Conversation]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    defaults = data.get("defaults") or {}
    default_forbid = [parse_text(t, "defaults.forbid") for t in defaults.get("forbid") or []]
    raw = data.get("conversations")
    if not isinstance(raw, list) or not raw:
        raise ConversationError(f"{path}: no conversations")
    conversations = [parse_conversation(c, default_forbid) for c in raw]
    twice = [cid for cid, n in Counter(c.id for c in conversations).items() if n > 1]
    if twice:
        raise ConversationError(f"{path}: ids used twice: {twice}")
    return conversations


# ---------------------------------------------------------------------------- evaluation


@dataclass
class Turn:
    said: str
    reply: str
    state: str = "bot"
    error: str | None = None  # the gateway's error field (bot_unavailable), or an HTTP failure
    buttons: list[str] = field(default_factory=list)  # shown in the report, never checked

    @classmethod
    def of(cls, said: str, reply: dict) -> "Turn":
        messages = reply.get("messages") or []
        text = Customer.text_of({"messages": [{"text": m.get("text") or ""} for m in messages]})
        buttons = [b.get("title", "") for m in messages for b in m.get("buttons") or []]
        return cls(said, text, reply.get("state", "bot"), reply.get("error"), buttons)


@dataclass
class Outcome:
    conversation: Conversation
    turns: list[Turn]
    failures: list[str]

    @property
    def handed_off(self) -> bool:
        return any(t.state == "handoff" for t in self.turns)

    @property
    def automated(self) -> bool:
        return not self.failures and not self.handed_off


def snapshot(conversation: Conversation, facts: Facts) -> dict[str, set[str]]:
    """Before the conversation: the payment ids of every account it should pay into."""
    before: dict[str, set[str]] = {}
    for kind, arg in conversation.facts:
        if kind == "payment_of":
            try:
                before[arg["account"]] = {p["payment_id"] for p in facts.payments(arg["account"])}
            except FactMissing:
                before[arg["account"]] = set()  # the check after the conversation reports it
    return before


def resolve_month(arg: dict, today: date) -> str:
    """The YYYY-MM a bill_of_month fact means: N months ago, or the latest past month M."""
    this_month = months.month_of(today)
    if "months_ago" in arg:
        return months.shift(this_month, -arg["months_ago"])
    for back in range(1, 13):
        period = months.shift(this_month, -back)
        if int(period.split("-")[1]) == arg["month"]:
            return period
    raise AssertionError("unreachable: every calendar month occurs in the last 12")


def check_fact(kind: str, arg: Any, last: str, facts: Facts, before: dict[str, set[str]], today: date) -> str | None:
    """None when the fact holds, else why not.  Raises FactMissing when the data is not there."""
    def must_have(regex: re.Pattern, what: str) -> str | None:
        return None if regex.search(last) else f"the last reply does not give {what}"

    if kind == "bill_total_of":
        bill = facts.account(arg).get("latest_bill")
        if not bill:
            raise FactMissing(f"{arg} has no bill")
        return must_have(amount_regex(bill["total_amount"]), f"the latest bill's total {bill['total_amount']}元 ({bill['period']})")
    if kind == "bill_of_month":
        period = resolve_month(arg, today)
        bill = facts.bill(arg["account"], period)
        return (must_have(amount_regex(bill["total_amount"]), f"the {period} bill's total {bill['total_amount']}元")
                or must_have(month_regex(period), f"the month {int(period[5:])}月 of the bill asked for"))
    if kind == "balance_of":
        balance = facts.account(arg)["balance"]
        return must_have(amount_regex(balance), f"the balance {balance}元")
    if kind == "arrears_of":
        arrears = facts.account(arg)["arrears_total"]
        if Decimal(arrears) > 0:
            return must_have(amount_regex(arrears), f"the arrears {arrears}元")
        if CLAIMS_ARREARS.search(last):
            return f"the last reply claims arrears ({CLAIMS_ARREARS.search(last).group()}) but the account owes nothing overdue"
        return must_have(NO_ARREARS, "that the account has no arrears")
    if kind == "owed_of":
        owed = facts.account(arg)["unpaid_total"]
        if Decimal(owed) > 0:
            return must_have(amount_regex(owed), f"the unpaid total {owed}元")
        return must_have(NO_ARREARS, "that nothing is unpaid")
    if kind == "payment_of":
        account, amount = arg["account"], arg["amount"]
        new = [p for p in facts.payments(account) if p["payment_id"] not in before.get(account, set())]
        if not new:
            return f"no payment was recorded on {account}"
        if len(new) > 1:
            return f"{len(new)} payments were recorded on {account} ({', '.join(p['amount'] for p in new)}), not one"
        if Decimal(str(new[0]["amount"])) != amount:
            return f"the payment recorded on {account} is {new[0]['amount']}, not {amount:.2f}"
        return None
    if kind == "estimate":
        estimate = facts.estimate(arg["province"], arg["kwh"], months.month_of(today), arg.get("account"))
        return must_have(amount_regex(estimate["total_amount"]),
                         f"the estimate {estimate['total_amount']}元 for {arg['kwh']}度 in {arg['province']}")
    if kind == "tariff_prices_of":
        table = facts.tariff(arg)
        plan = next((p for p in table["plans"] if p["code"] == table["default_plan"]), None)
        if plan is None:
            raise FactMissing(f"{arg} has no default plan")
        missing = [t["price"] for t in plan["tiers"] if not price_regex(t["price"]).search(last)]
        return f"the last reply lacks the tier prices {', '.join(missing)} of {plan['code']}" if missing else None
    if kind == "tou_prices_of":
        table = facts.tariff(arg)
        plan = next((p for p in table["plans"] if p.get("time_of_use")), None)
        if plan is None:
            raise FactMissing(f"{arg} has no time-of-use plan")
        prices = plan["tiers"][0].get("tou_prices") or {}
        wanted = [prices[p] for p in ("peak", "valley") if p in prices]
        if not wanted:
            raise FactMissing(f"{plan['code']} gives no peak/valley prices")
        missing = [p for p in wanted if not price_regex(p).search(last)]
        return f"the last reply lacks the peak/valley prices {', '.join(missing)} of {plan['code']}" if missing else None
    raise ConversationError(f"unknown fact {kind}")


def fact_label(kind: str, arg: Any) -> str:
    if isinstance(arg, dict):
        return f"{kind}({', '.join(f'{k}={v}' for k, v in arg.items())})"
    return f"{kind}({arg})"


def evaluate(conversation: Conversation, turns: list[Turn], facts: Facts,
             before: dict[str, set[str]] | None = None, today: date | None = None) -> list[str]:
    """Every check of ``conversation`` that the replies in ``turns`` fail, as sentences."""
    today = today or clock.today()
    failures: list[str] = []
    for n, turn in enumerate(turns, 1):
        if turn.error:
            failures.append(f"turn {n}: error {turn.error}")
        if turn.state == "handoff":
            failures.append(f"turn {n}: handed to a human (state handoff)")
            break  # later replies come from the agents' queue, not the bot
    if len(turns) < len(conversation.turns):
        failures.append(f"only {len(turns)} of {len(conversation.turns)} turns were answered")
    last = turns[-1].reply if turns else ""
    for text in conversation.expect:
        if not text.found_in(last):
            failures.append(f"expect: the last reply lacks {text}")
    for text in conversation.expect_any_turn:
        if not any(text.found_in(t.reply) for t in turns):
            failures.append(f"expect_any_turn: no reply has {text}")
    for text in conversation.forbid:
        hits = [n for n, t in enumerate(turns, 1) if text.found_in(t.reply)]
        if hits:
            failures.append(f"forbid: reply {', '.join(map(str, hits))} has {text}")
    for kind, arg in conversation.facts:
        try:
            failure = check_fact(kind, arg, last, facts, before or {}, today)
        except FactMissing as exc:
            failure = f"no data to check against: {exc}"
        if failure:
            failures.append(f"fact {fact_label(kind, arg)}: {failure}")
    return failures


def play(conversation: Conversation, gateway_url: str, facts: Facts) -> Outcome:
    """One conversation through the gateway as a new customer, then its checks."""
    before = snapshot(conversation, facts)
    customer = Customer(gateway_url)
    turns: list[Turn] = []
    try:
        for said in conversation.turns:
            try:
                turns.append(Turn.of(said, customer.say(said)))
            except (AssertionError, httpx.HTTPError) as exc:  # Customer.say asserts a 200
                turns.append(Turn(said, "", "bot", f"gateway: {str(exc)[:200]}"))
                break
    finally:
        customer.client.close()
    return Outcome(conversation, turns, evaluate(conversation, turns, facts, before))


# ---------------------------------------------------------------------------- the report


def rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def summary(outcomes: list[Outcome]) -> dict[str, tuple[int, int, int]]:
    """category -> (counted, automated, handed off), in the order categories first appear."""
    table: dict[str, list[int]] = {}
    for o in outcomes:
        if o.conversation.counted:
            row = table.setdefault(o.conversation.category, [0, 0, 0])
            row[0] += 1
            row[1] += o.automated
            row[2] += o.handed_off
    return {k: tuple(v) for k, v in table.items()}


def transcript(outcome: Outcome) -> list[str]:
    lines = ["```text"]
    for n, turn in enumerate(outcome.turns, 1):
        lines.append(f"[{n}] 客户: {turn.said}")
        reply = turn.reply.replace("\n", "\n         ") if turn.reply else "(no text)"
        flags = "".join(f" [{f}]" for f in (turn.state if turn.state != "bot" else None, turn.error) if f)
        lines.append(f"    小电: {reply}{flags}")
        if turn.buttons:
            lines.append(f"         [buttons: {' | '.join(turn.buttons)}]")
    for said in outcome.conversation.turns[len(outcome.turns):]:
        lines.append(f"[-] 客户: {said}   (not sent)")
    lines.append("```")
    return lines


def render(outcomes: list[Outcome], context: dict[str, str], all_transcripts: bool = False) -> str:
    counted = [o for o in outcomes if o.conversation.counted]
    automated = sum(o.automated for o in counted)
    lines = [
        "# Routine conversations — automation rate",
        "",
        f"`make eval-dialogues` on {context['today']} (China), {context['seconds']} s: the scripted customer "
        f"conversations of `tests/dialogues/routine.yml` played through the gateway of a throw-away stack "
        f"(real Rasa server, action server and billing service; a fresh SQLite database seeded with "
        f"{SEED_ACCOUNTS} accounts), one new customer per conversation.",
        f"Model `var/models/powerdesk.tar.gz` (fingerprint {context['model']}), code {context['code']}.",
        "",
        f"**Automation rate: {automated} / {len(counted)} = {rate(automated, len(counted))}** — conversations "
        "whose checks all pass and that never went to a human, of those counted.",
        "",
        "| category | counted | automated | rate | handed off |",
        "|---|---:|---:|---:|---:|",
    ]
    table = summary(outcomes)
    for category, (n, ok, handed) in table.items():
        lines.append(f"| {category} | {n} | {ok} | {rate(ok, n)} | {handed} |")
    lines.append(f"| **all** | **{len(counted)}** | **{automated}** | **{rate(automated, len(counted))}** | "
                 f"**{sum(o.handed_off for o in counted)}** |")
    waiting = [o for o in outcomes if not o.conversation.counted]
    if waiting:
        lines += ["", "Not counted — they need a capability not built yet:"]
        lines += [f"- `{o.conversation.id}` (needs {o.conversation.needs}): "
                  f"{'would pass' if o.automated else 'fails: ' + '; '.join(o.failures)}" for o in waiting]
    misses = [o for o in counted if not o.automated]
    lines += ["", f"## Misses ({len(misses)})", ""]
    if not misses:
        lines.append("None.")
    for o in misses:
        lines += [f"### `{o.conversation.id}` ({o.conversation.category})", ""]
        lines += [f"- {failure}" for failure in o.failures]
        lines += ["", *transcript(o), ""]
    lines += ["## Automated", ""]
    for category in table:
        ids = [o.conversation.id for o in counted if o.automated and o.conversation.category == category]
        lines.append(f"- {category}: {', '.join(f'`{i}`' for i in ids) if ids else '—'}")
    if all_transcripts:
        lines += ["", "## Every other transcript", ""]
        for o in outcomes:
            if o not in misses:
                lines += [f"### `{o.conversation.id}` ({o.conversation.category}"
                          f"{', needs ' + o.conversation.needs if o.conversation.needs else ''})", ""]
                lines += [f"- {failure}" for failure in o.failures]
                lines += ["", *transcript(o), ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- the stack


def code_version() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"`{head}`" + (" with uncommitted changes" if dirty else "")


def model_fingerprint() -> str:
    path = REPO_ROOT / "var" / "models" / "powerdesk.sha256"
    return f"`{path.read_text().strip()[:12]}`" if path.exists() else "unknown"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the same way Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--only", help="play only conversations whose id contains this")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away var dir (logs, databases)")
    parser.add_argument("--all-transcripts", action="store_true", help="also show the conversations that passed")
    args = parser.parse_args(argv)

    try:
        conversations = load(args.conversations)
    except (ConversationError, OSError, yaml.YAMLError) as exc:
        print(f"eval-dialogues: {exc}", file=sys.stderr)
        return 2
    if args.only:
        conversations = [c for c in conversations if args.only in c.id]
    if not (REPO_ROOT / MODEL_PATH).exists():
        print("eval-dialogues: no trained Rasa model: run `make model`", file=sys.stderr)
        return 1

    signal.signal(signal.SIGTERM, _interrupt)
    var_dir = Path(tempfile.mkdtemp(prefix="powerdesk-eval-"))
    settings = throwaway_settings(var_dir, "eval")
    stack = Stack(settings)
    started = time.monotonic()
    died: list[str] = []
    try:
        try:
            prepare_throwaway(settings)
            print(f"eval-dialogues: starting a throw-away stack under {var_dir} (Rasa takes about a minute) …", flush=True)
            stack.start()
        except Exception as exc:  # noqa: BLE001 - whatever stopped it, there is nothing to measure
            print(f"eval-dialogues: the stack did not start: {exc!r}", file=sys.stderr)
            args.keep = True
            return 1
        gateway_url = f"http://127.0.0.1:{settings.gateway_port}"
        facts = BillingFacts(settings.services_url, settings.service_token)
        outcomes = []
        try:
            for conversation in conversations:
                outcome = play(conversation, gateway_url, facts)
                outcomes.append(outcome)
                print(f"  {'ok  ' if outcome.automated else 'MISS'} {conversation.id}"
                      + ("" if conversation.counted else f"  (needs {conversation.needs}, not counted)"), flush=True)
        finally:
            facts.close()
        died = [p.name for p in stack.processes if p.popen is None or p.popen.poll() is not None]
    except KeyboardInterrupt:
        print("eval-dialogues: interrupted", file=sys.stderr)
        return 130
    finally:
        stack.stop()
        if args.keep:
            print(f"eval-dialogues: kept {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    context = {"today": clock.today().isoformat(), "seconds": f"{time.monotonic() - started:.0f}",
               "model": model_fingerprint(), "code": code_version()}
    report = render(outcomes, context, args.all_transcripts)
    if died:
        report += f"\n**Invalid run:** {', '.join(died)} stopped during the run.\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    counted = [o for o in outcomes if o.conversation.counted]
    automated = sum(o.automated for o in counted)
    print(f"automation rate {automated}/{len(counted)} = {rate(automated, len(counted))} → {args.report}")
    if died:
        print(f"eval-dialogues: {', '.join(died)} stopped during the run; the figures are not valid", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
