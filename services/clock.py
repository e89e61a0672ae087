"""The one clock: every "now" and "today" in the services, the actions, the NLU and the seed.

Why one clock: a bill is overdue, a month is "上个月" and a verification expires relative
to the same instant in every process, and a test can move that instant (a year ahead, to
the last day of a month) for all of them at once.

Today is the calendar date in China (UTC+8), where the customers are, whatever the
machine's time zone.  Stored timestamps are UTC (``utcnow``).

Moving the clock: the environment variable ``POWERDESK_CLOCK_OFFSET_S`` (seconds, may be
negative or fractional) is added to the real time.  It is read on every call, so the
gateway, Rasa, the action server and the test process all agree when they are started
with the same environment, and time still advances (timestamps keep their order).
Standard library only: the Rasa process (Python 3.10, pydantic 1) imports it too.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
OFFSET_ENV = "POWERDESK_CLOCK_OFFSET_S"


def offset() -> timedelta:
    """How far this deployment's clock is moved from the real time (zero in production)."""
    raw = os.environ.get(OFFSET_ENV, "").strip()
    if not raw:
        return timedelta(0)
    try:
        return timedelta(seconds=float(raw))
    except ValueError as exc:
        raise RuntimeError(f"{OFFSET_ENV} must be a number of seconds, got {raw!r}") from exc


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (what the database stores)."""
    return datetime.now(timezone.utc) + offset()


def now() -> datetime:
    """The current instant in China time (what a customer's "now" means)."""
    return utcnow().astimezone(CHINA)


def today() -> date:
    """Today's date in China."""
    return now().date()


def offset_to(target: datetime) -> float:
    """The ``POWERDESK_CLOCK_OFFSET_S`` value that makes the clock read ``target`` now."""
    if target.tzinfo is None:
        target = target.replace(tzinfo=CHINA)
    return (target - datetime.now(timezone.utc)).total_seconds()
