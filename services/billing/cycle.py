"""The billing calendar: when a month's bill is issued and when it falls due.

One home for both dates, used by the seed (which writes bills) and the service (which
tells a customer when this month's bill will come).  These are the demo utility's
conventions, not national rules: the due date is set locally (power-facts.md, "only the
due date is local"); a real deployment takes both from its billing system.
"""
from __future__ import annotations

from datetime import date

from services import months

ISSUE_DAY = 1   # a month's bill is issued on this day of the next month, after the reading
DUE_DAY = 25    # ... and falls due on this day of the next month


def issue_date(period: str) -> date:
    """When the bill of ``period`` (YYYY-MM) is issued."""
    return months.first_day(months.shift(period, 1)).replace(day=ISSUE_DAY)


def due_date(period: str) -> date:
    """When the bill of ``period`` falls due."""
    return months.first_day(months.shift(period, 1)).replace(day=DUE_DAY)
