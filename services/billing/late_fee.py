"""Late fees (电费违约金) on bills not paid by their due date.

Rule used (供电营业规则, 1996, 第九十八条): residential customers pay 1‰ of the amount owed
per day overdue; other customers 2‰ per day for arrears of the current year and 3‰ per
day for arrears carried into a later year; a total under 1 元 is charged as 1 元.
NOTE: this rule is NOT in /work/shared/reference/power-facts.md — verify it against the
current 供电营业规则 (revised 2024) before showing late fees to real customers.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.billing.tariff import round_to_fen

RESIDENTIAL = "居民"
RESIDENTIAL_RATE = Decimal("0.001")
OTHER_RATE_SAME_YEAR = Decimal("0.002")
OTHER_RATE_LATER_YEARS = Decimal("0.003")
MINIMUM_FEE = Decimal("1.00")


def late_fee(owed: Decimal, due_date: date, today: date, segment: str) -> Decimal:
    """The late fee on ``owed`` 元 unpaid since ``due_date``, as of ``today``."""
    days = (today - due_date).days
    if days <= 0 or owed <= 0:
        return Decimal("0.00")
    if segment == RESIDENTIAL:
        fee = owed * RESIDENTIAL_RATE * days
    else:
        days_same_year = min(days, (date(due_date.year, 12, 31) - due_date).days)
        fee = owed * (OTHER_RATE_SAME_YEAR * days_same_year
                      + OTHER_RATE_LATER_YEARS * (days - days_same_year))
    return max(round_to_fen(fee), MINIMUM_FEE)
