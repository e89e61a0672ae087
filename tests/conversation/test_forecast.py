"""Next month's bill through the gateway: the identity check, then the forecasting
service's own figures (kWh, amount and its 80% range) and one saving tip."""
from __future__ import annotations

import httpx
import pytest

from actions.replies import month_zh
from scripts.stack import Stack
from tests.stack import Customer, service_client

pytestmark = pytest.mark.conversation

DEMO_ACCOUNTS = [("3300000001", "5678"), ("3300000002", "1234"), ("3300000003", "2468"), ("1100000001", "9753")]


@pytest.fixture
def forecasts(stack: Stack) -> httpx.Client:
    return service_client(stack, "forecast", timeout=60)


@pytest.mark.parametrize(("account_no", "last4"), DEMO_ACCOUNTS)
def test_a_forecast_for_each_demo_account_matches_the_service(
    customer: Customer, forecasts: httpx.Client, account_no: str, last4: str
) -> None:
    assert "户号" in Customer.text_of(customer.say("预测一下我下个月电费大概多少"))
    assert "后4位" in Customer.text_of(customer.say(account_no))
    text = Customer.text_of(customer.say(last4))
    expected = forecasts.get(f"/{account_no}").json()
    assert f"预计{month_zh(expected['month'])}用电约{expected['kwh']}度" in text
    assert f"电费约{expected['amount']}元" in text
    assert f"{expected['amount_low']}元到{expected['amount_high']}元" in text
    if expected.get("saving_tip"):
        assert "省电小提示" in text


def test_a_stated_figure_is_computed_without_verification(customer: Customer) -> None:
    text = Customer.text_of(customer.say("用了三百度电要交多少钱"))
    assert "户号" not in text and "元" in text
