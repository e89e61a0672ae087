"""How the bot writes numbers, dates and money for a Chinese customer.

Replies are read on a phone and spoken by the voice channel, so they use 年/月/日,
元 and 度 rather than ISO dates and symbols.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services import clock

TIER_NAMES = {1: "第一档", 2: "第二档", 3: "第三档"}
TOU_NAMES = {"peak": "峰时段", "flat": "平时段", "valley": "谷时段"}
HANDOFF_BUTTON = {"title": "转人工", "payload": "/request_human"}


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


def days_zh(first: str, last: str, named: bool) -> str:
    """The days a listing covers, as said to the customer: "12月4日", "12月7日至12月13日",
    or "近期" when the customer named no days (the service's default window)."""
    if not named:
        return "近期"
    first_day, last_day = (datetime.fromisoformat(d) for d in (first, last))
    if first_day == last_day:
        return f"{first_day.month}月{first_day.day}日"
    return f"{first_day.month}月{first_day.day}日至{last_day.month}月{last_day.day}日"


def yuan(amount: Any) -> str:
    return f"{amount}元"


def kwh(value: Any) -> str:
    return f"{value}度"


def tier_lines(tiers: list[dict]) -> str:
    """Only the tiers that were used: "第一档 200度 107.60元；第二档 12度 7.06元"."""
    used = [t for t in tiers if int(t.get("kwh") or 0) > 0]
    return "；".join(f"{TIER_NAMES.get(t['tier'], t['tier'])} {kwh(t['kwh'])} {yuan(t['amount'])}" for t in used)
