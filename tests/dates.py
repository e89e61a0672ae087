"""Months relative to the one clock, as the seeded data and the tests see them.

The seed's 24 months end with the month before the clock's today, so tests name months
this way and pass on any date (``make test`` also runs them with the clock moved)."""
from __future__ import annotations

from services import clock, months
from services.billing.cycle import due_date


def months_ago(n: int) -> str:
    """The month ``n`` months before the clock's current month (1 = last month)."""
    return months.shift(months.month_of(clock.today()), -n)


def is_due(period: str) -> bool:
    """Whether the bill of ``period`` is past its due date today."""
    return clock.today() > due_date(period)
