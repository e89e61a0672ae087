"""Which days a customer asks about (明天, 下周, 这两天, 12月5号 …), as China dates.

Planned outages are listed for the days the customer names.  jionlp's time extractor
reads the Chinese time expressions (dates, weekdays, 本周/下周, parts of a day, relative
to a given "today"); it does not read the vague spans customers also use (这两天, 这几天,
最近, 近期), which are given fixed widths here.  No time named: None, and the service's
default window applies (today and the week after).  House numbers look like years to
the extractor (…2103室): a date more than ``MAX_DAYS_AWAY`` from today is not taken as
one, and callers remove the address from the text first.
"""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import jionlp

MAX_DAYS_AWAY = 62  # about two months: planned outages are announced days ahead, not years
# Vague spans, as days from today (inclusive): 这两天 = today and tomorrow.
VAGUE_SPANS = {"这两天": 2, "这几天": 7, "近几天": 7, "最近": 7, "近期": 7}
_VAGUE = re.compile("|".join(VAGUE_SPANS))
_SPAN_DAYS = re.compile(r"(?:这|近|未来)?([两二三四五六七八九十几\d]+)天")
_DAY_WORDS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "几": 7}


def days_asked(text: str, today: date, address: str | None = None) -> tuple[date, date] | None:
    """The first and last China date the text asks about, or None if it names no time;
    ``address``, when given, is taken out of the text first."""
    if address:
        text = text.replace(address, " ")
    vague = _VAGUE.search(text)
    if vague:
        return today, today + timedelta(days=VAGUE_SPANS[vague.group()] - 1)
    base = time.mktime(datetime.combine(today, datetime.min.time()).timetuple())
    for found in jionlp.ner.extract_time(text, time_base=base, with_parsing=True):
        span = (found.get("detail") or {}).get("time")
        if isinstance(span, list) and len(span) == 2:
            first, last = (datetime.strptime(s[:10], "%Y-%m-%d").date() for s in span)
            if abs((first - today).days) <= MAX_DAYS_AWAY:
                return (first, last) if first <= last else (first, first)
        days = _span_days(found.get("text", ""))
        if days:
            return today, today + timedelta(days=days - 1)
    return None


def _span_days(expression: str) -> int | None:
    """"两天" / "三天" / "5天" (a span from today) -> its number of days."""
    match = _SPAN_DAYS.fullmatch(expression)
    if not match:
        return None
    count = match.group(1)
    return int(count) if count.isdigit() else _DAY_WORDS.get(count)
