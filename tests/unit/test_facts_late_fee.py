"""The late fee the bot explains is the late fee the billing engine charges."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from knowledge_graph.source import load_corpus
from services.billing import late_fee as engine

CHINESE = {"一": 1, "二": 2, "三": 3}


def explained_rule() -> str:
    return next(fact.text for fact in load_corpus().facts if fact.id == "fee.late_fee")


def test_the_explained_rates_are_the_engines():
    rates = [Decimal(CHINESE[n]) / 1000 for n in re.findall(r"千分之([一二三])", explained_rule())]
    assert rates == [engine.RESIDENTIAL_RATE, engine.OTHER_RATE_SAME_YEAR, engine.OTHER_RATE_LATER_YEARS]
    assert f"不足{engine.MINIMUM_FEE.normalize():f}元的按{engine.MINIMUM_FEE.normalize():f}元" in explained_rule()


def test_the_fee_starts_the_day_after_the_due_date_as_explained():
    assert "缴费截止日的次日起" in explained_rule()
    due = date(2026, 10, 25)
    assert engine.late_fee(Decimal("1000"), due, due, engine.RESIDENTIAL) == Decimal("0.00")
    # the day after: 1,000 x 1‰ x 1 day = 1.00; ten days: 10.00
    assert engine.late_fee(Decimal("1000"), due, date(2026, 10, 26), engine.RESIDENTIAL) == Decimal("1.00")
    assert engine.late_fee(Decimal("1000"), due, date(2026, 11, 4), engine.RESIDENTIAL) == Decimal("10.00")


def test_a_small_fee_is_charged_as_the_minimum():
    due = date(2026, 10, 25)
    assert engine.late_fee(Decimal("50"), due, date(2026, 10, 27), engine.RESIDENTIAL) == Decimal("1.00")


def test_other_customers_pay_more_once_the_arrears_cross_the_year():
    # due 12-21: 10 days in the year at 2‰, then 5 days at 3‰ on 1,000 = 20 + 15 = 35.00
    assert engine.late_fee(Decimal("1000"), date(2026, 12, 21), date(2027, 1, 5), "一般工商业") == Decimal("35.00")
