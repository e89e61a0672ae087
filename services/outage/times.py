"""Outage times: stored in UTC, shown in China time, and given by operators in China time.

A planned outage is announced as 08:00-17:00 local time, and the customer asks about
明天 in China; the views therefore carry China-time ISO strings (+08:00), and a time an
operator sends without an offset is read as China time.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from services import clock
from services.errors import Invalid


def in_china(moment: datetime | None) -> datetime | None:
    """``moment`` in China time (+08:00), or None."""
    return None if moment is None else moment.astimezone(clock.CHINA)


def from_operator(moment: datetime) -> datetime:
    """A time as an operator gave it, in UTC; without an offset it is China time.
    Invalid (422) for one at the very edge of the calendar (year 1 or 9999)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.CHINA)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise Invalid("bad_time", "The time is out of range", "时间无效。") from None


def start_of_day(day: date) -> datetime:
    """Midnight at the start of ``day`` in China."""
    return datetime.combine(day, time.min, tzinfo=clock.CHINA)


def china_day(moment: datetime) -> date:
    """The China date of ``moment`` (an id's date)."""
    return moment.astimezone(clock.CHINA).date()
