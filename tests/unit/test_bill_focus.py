"""What a bill request is about, and usage stated for the year (actions' small parsers)."""
from decimal import Decimal

import pytest

from actions.bill import named_first, question_focus
from actions.tariff import stated_usage_this_year
from services.billing.schemas import OwedBill


@pytest.mark.parametrize("text,focus", [
    ("还剩多少钱", "balance"), ("我的余额多少", "balance"), ("电费还够用几天", "balance"),
    ("有没有欠费", "arrears"), ("我欠了多少电费", "arrears"), ("还要交多少钱才能交清", "arrears"),
    ("查一下上个月的电费", "bill"), ("我想查电费", "bill"),
    # follow-ups about what was just shown
    ("欠的189是怎么回事", "arrears"), ("现在还欠吗", "arrears"), ("这点钱够用几天", "balance"),
    # when the money runs out is the balance question too (not a forecast)
    ("我充了三百块 大概能用到什么时候", "balance"), ("账户里的钱还能撑几天", "balance"), ("照这么用几号会用完", "balance"),
    ("大概哪天会欠费", "balance"), ("我家多久要充值一次", "balance"),
])
def test_question_focus(text: str, focus: str) -> None:
    assert question_focus(text) == focus


def test_usage_stated_for_the_year() -> None:
    assert stated_usage_this_year("今年已经用了三千度 再用三百度要交多少", Decimal("300")) == 3000
    assert stated_usage_this_year("今年用了2800度了，这个月用400度多少钱", Decimal("400")) == 2800
    assert stated_usage_this_year("用了三百度要交多少", Decimal("300")) is None


def test_the_bill_whose_amount_the_customer_named_comes_first() -> None:
    bills = [OwedBill(period="2026-09", amount_due="50.20", total_amount="48.00", late_fee="2.20", due_date="2026-10-25"),
             OwedBill(period="2026-10", amount_due="189.30", total_amount="180.00", late_fee="9.30", due_date="2026-11-25")]
    assert [b.period for b in named_first(bills, "欠的189是怎么回事")] == ["2026-10", "2026-09"]
    assert [b.period for b in named_first(bills, "欠多少")] == ["2026-09", "2026-10"]
