"""Late fees (电费违约金) on bills not paid by their due date.

The rule is national; only the due date is local (services/billing/cycle.py).  From the
day after the due date to the day of payment, residential customers pay 1‰ of the
amount owed per day; other customers 2‰ per day for arrears of the current year and 3‰
per day for arrears carried into a later year; a total under 1 元 is charged as 1 元.
Basis: 《供电营业规则》 (revised, in force from 2024-06-01; the figures are those of the
1996 text's article on late fees, whose number in the revised text is not checked, so
none is cited) and 《电力供应与使用条例》 (1‰–3‰ a day).  The knowledge graph explains
the same rule to customers (fact ``fee.late_fee`` in knowledge_graph/data/facts.yaml);
tests/unit/test_facts_late_fee.py keeps the two in step.
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
