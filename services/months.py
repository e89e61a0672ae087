"""Billing months as "YYYY-MM" strings, and the arithmetic on them.

One home for month arithmetic (the seed's 24-month window, the NLU's 上个月, the due
date of a period, the tests' "last month"), so none of them can drift.  Standard library
only: the Rasa process imports it through ``services.textnorm``.
"""
from __future__ import annotations

from datetime import date


def month_of(day: date) -> str:
    """The month ``day`` falls in, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def _index(month: str) -> int:
    year, mon = (int(part) for part in month.split("-"))
    return year * 12 + mon - 1


def _from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shift(month: str, months: int) -> str:
    """The month ``months`` after ``month`` (negative: before)."""
    return _from_index(_index(month) + months)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``last`` < ``first``)."""
    return [_from_index(i) for i in range(_index(first), _index(last) + 1)]


def first_day(month: str) -> date:
    year, mon = (int(part) for part in month.split("-"))
    return date(year, mon, 1)
