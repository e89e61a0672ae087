"""Tariff computations from a stated usage, for the province asked about (through the
gateway, real Rasa and action server, figures checked against the billing API)."""
from __future__ import annotations

import httpx
import pytest

from tests.stack import Customer
from tests.dates import months_ago

pytestmark = pytest.mark.conversation


def estimate(billing: httpx.Client, province: str, kwh: int, **params) -> dict:
    response = billing.get(f"/tariffs/{province}/estimate", params={"kwh": kwh, "month": months_ago(0), **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("question", ["北京用两百度电多少钱", "在北京 一个月用200度电费多少"])
def test_a_named_province_is_priced_with_its_own_table(customer: Customer, billing: httpx.Client,
                                                       question: str) -> None:
    text = Customer.text_of(customer.say(question))
    expected = estimate(billing, "beijing", 200)
    assert f"{expected['total_amount']}元" in text and "北京" in text
    assert estimate(billing, "zhejiang", 200)["total_amount"] + "元" not in text


def test_a_province_without_a_table_is_said_to_be_unknown(customer: Customer) -> None:
    text = Customer.text_of(customer.say("上海用两百度电要多少钱"))
    assert "还没有上海的居民电价表" in text and "元" not in text.replace("95598", "")


def test_usage_stated_for_the_year_places_the_tier(customer: Customer, billing: httpx.Client) -> None:
    text = Customer.text_of(customer.say("今年已经用了三千度了 再用三百度要交多少钱"))
    expected = estimate(billing, "zhejiang", 300, used_before_kwh=3000)
    assert expected["total_amount"] == "176.40"  # all of it in tier 2: 300 x 0.588
    assert "176.40元" in text and "3000度" in text


@pytest.mark.parametrize("question", ["用了三百度要交多少", "三百度电多少钱", "这个月要是用三百度得交多少"])
def test_a_usage_figure_is_computed_not_forecast(customer: Customer, billing: httpx.Client, question: str) -> None:
    text = Customer.text_of(customer.say(question))
    assert "即将上线" not in text
    assert f"{estimate(billing, 'zhejiang', 300)['total_amount']}元" in text and "浙江" in text


@pytest.mark.parametrize("question", ["光伏余电上网电价是多少", "我家光伏发的电卖给电网多少钱一度"])
def test_the_solar_feed_in_price_is_not_answered_with_the_consumption_table(customer: Customer, question: str) -> None:
    text = Customer.text_of(customer.say(question))
    assert "上网电价" in text and "没有经核实的价格" in text and "第一档" not in text  # no consumption table


@pytest.mark.parametrize("question", ["这个月如果用到350度 大概得交多少钱", "那我这个月用个350度要交多少"])
def test_a_usage_figure_after_the_bill_is_computed_on_the_verified_account(
    customer: Customer, billing: httpx.Client, question: str
) -> None:
    """这个月 and a bill just shown make it sound like a bill request: a kWh figure asked
    the price of is still a computation, on the verified account's own plan and tier."""
    customer.say("查一下我家的电费")
    customer.say("1100000001")
    assert "电费账单" in Customer.text_of(customer.say("9753"))
    text = Customer.text_of(customer.say(question))
    expected = estimate(billing, "beijing", 350, account_no="1100000001")
    assert f"{expected['total_amount']}元" in text and "北京" in text
    assert "电费账单" not in text and "还没有账单" not in text  # not the bill again
