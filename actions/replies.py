"""The values the actions put into the domain's responses.

Every sentence a customer reads lives in bot/domain.yml: an action chooses a response
and passes values (``dispatcher.utter_message(response="utter_…", **values)``), and
Rasa fills the template, picking the variant for the conversation's channel.  Where the
data decides how many pieces a reply has (a bill's tiers, a tariff's plans) or whether
an optional sentence is said, the pieces are responses too, named ``utter_part_*`` and
never said on their own: :func:`part` formats one for the channel the way Rasa formats a
whole response, and the action passes the result as a value.

What stays in Python is what is computed: numbers, dates and money written the way a
Chinese customer reads them (年/月/日, 元 and 度 rather than ISO dates and symbols, which
the voice channel then speaks), and the joining of pieces.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import yaml

from services import clock
from services.settings import REPO_ROOT

DOMAIN = REPO_ROOT / "bot" / "domain.yml"
TIER_NAMES = {1: "第一档", 2: "第二档", 3: "第三档"}


@lru_cache(maxsize=1)
def _responses() -> dict[str, list[dict]]:
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def _for_channel(variant: dict, channel: str | None) -> bool:
    """Whether a conditional variant is the one for ``channel`` (conditions on the
    ``channel`` slot are the only ones the domain uses)."""
    conditions = variant.get("condition") or []
    return bool(conditions) and all(c.get("name") == "channel" and c.get("value") == channel for c in conditions)


def part(name: str, channel: str | None = None, **values: Any) -> str:
    """The response ``name`` filled with ``values``: its variant for ``channel``, else its
    default (the variant without a condition), as Rasa chooses."""
    variants = _responses()[name]
    chosen = next((v for v in variants if _for_channel(v, channel)), None) \
        or next(v for v in variants if not v.get("condition"))
    return chosen["text"].format(**values)


def button(title: str, intent: str, entities: dict[str, str] | None = None, channel: str | None = None,
           **values: Any) -> dict[str, str]:
    """A button titled by the part ``title`` (utter_part_button_* …) whose payload starts
    ``intent`` with ``entities``, so the form it opens does not ask for them again."""
    payload = f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")
    return {"title": part(title, channel, **values), "payload": payload}


HANDOFF_BUTTON = button("utter_part_button_handoff", "request_human")


def tier_name(tier: int) -> str:
    return TIER_NAMES.get(tier) or f"第{tier}档"


def month_zh(period: str) -> str:
    """"2026-10" -> "2026年10月"."""
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def date_zh(iso_date: str) -> str:
    """"2026-11-25" -> "2026年11月25日"."""
    year, month, day = iso_date[:10].split("-")
    return f"{year}年{int(month)}月{int(day)}日"


def time_zh(moment: datetime) -> str:
    """An instant as a customer in China reads it: "12月1日21:40"."""
    local = moment.astimezone(clock.CHINA)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def days_zh(first_day: date, last_day: date, named: bool) -> str:
    """The days a listing covers, as said to the customer: "12月4日", "12月7日至12月13日",
    or "近期" when the customer named no days (the service's default window)."""
    if not named:
        return "近期"
    if first_day == last_day:
        return f"{first_day.month}月{first_day.day}日"
    return f"{first_day.month}月{first_day.day}日至{last_day.month}月{last_day.day}日"


def yuan(amount: Any) -> str:
    return f"{amount}元"


def kwh(value: Any) -> str:
    return f"{value}度"


def joined(pieces: list[str]) -> str:
    """Pieces of one sentence, as a list is written in Chinese: "甲；乙"."""
    return "；".join(pieces)
