"""Outage reports and their progress through the gateway, real Rasa, action server and
outage service: danger first, the meter decides who repairs, a planned outage or a
known fault answers instead of a ticket, a report twice is one ticket, and the
customer sees the crew's status."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from scripts.stack import Stack
from services import clock
from services.billing.models import Account, Customer as CustomerRow
from services.db import session_scope
from tests.stack import Customer
from tests.unit.test_outage_triage import DANGER_WORDINGS

pytestmark = pytest.mark.conversation
SAFETY = "请注意安全"
MOBILE = "13912345678"


def address_of(stack: Stack, account_no: str) -> str:
    with session_scope(stack.settings.database_url) as session:
        return session.scalar(select(CustomerRow.address).join(Account, Account.customer_id == CustomerRow.id)
                              .where(Account.account_no == account_no))


def tickets_of(outage: httpx.Client, customer: Customer) -> list[dict]:
    return outage.get("/tickets", params={"conversation_id": customer.conversation_id}).json()["tickets"]


def buttons(reply: dict) -> list[str]:
    return [b["title"] for m in reply["messages"] for b in m.get("buttons") or []]


def test_every_danger_wording_is_an_outage_report(gateway_url: str) -> None:
    for text in DANGER_WORDINGS:
        parsed = httpx.post(f"{gateway_url}/api/v1/nlu/parse", json={"text": text}).json()
        assert parsed["intent"]["name"] == "report_outage", text


@pytest.mark.parametrize("text", DANGER_WORDINGS[::5])
def test_danger_gets_the_safety_advice_first_and_a_human_at_once(customer: Customer, text: str) -> None:
    reply = customer.say(text)
    assert reply["messages"][0]["text"].startswith(SAFETY), text
    assert "119" in reply["messages"][0]["text"] and "转人工" in buttons(reply)


def test_a_danger_report_becomes_an_urgent_ticket(customer: Customer, outage: httpx.Client) -> None:
    first = customer.say("楼下电线掉下来了还在打火")
    assert first["messages"][0]["text"].startswith(SAFETY) and "地址" in first["messages"][-1]["text"]
    reply = customer.say("西湖区文三路301号")
    assert "手机号" in Customer.text_of(reply)
    text = Customer.text_of(customer.say(MOBILE))
    [ticket] = tickets_of(outage, customer)
    assert ticket["priority"] == "urgent" and ticket["kind"] == "danger"
    assert ticket["id"] in text and "平均" in text and MOBILE not in ticket["contact_mobile"]


def test_a_lit_meter_means_the_fault_is_behind_it_and_no_ticket(customer: Customer, outage: httpx.Client) -> None:
    assert "地址" in Customer.text_of(customer.say("我家停电了 邻居家有电"))
    assert "空气开关" in Customer.text_of(customer.say("上城区清泰街88号"))  # the self-check first
    text = Customer.text_of(customer.say("电表有显示"))
    assert "产权" in text and "室内线路" in text
    assert tickets_of(outage, customer) == []


def test_a_dark_meter_opens_a_ticket_and_a_second_report_returns_it(customer: Customer, outage: httpx.Client) -> None:
    customer.say("家里突然没电了 只有我家")
    customer.say("拱墅区湖墅南路120号")
    assert "手机号" in Customer.text_of(customer.say("电表黑屏"))
    text = Customer.text_of(customer.say(MOBILE))
    [ticket] = tickets_of(outage, customer)
    assert ticket["kind"] == "household" and ticket["id"] in text
    assert "45分钟" in text and "一般" in text  # urban, an average
    customer.say("我家又停电了 只有我家")  # the same conversation reports again
    customer.say("拱墅区湖墅南路120号")
    customer.say("电表黑屏")
    again = Customer.text_of(customer.say(MOBILE))
    assert ticket["id"] in again and "不用重复报修" in again
    assert len(tickets_of(outage, customer)) == 1


def test_the_form_takes_what_a_customer_types_instead_of_the_buttons(customer: Customer, outage: httpx.Client) -> None:
    customer.say("家里没电了 就我们一家")  # the reach told up front: not asked again
    assert "电表" in Customer.text_of(customer.say("拱墅区湖墅南路177号"))
    assert "手机号" in Customer.text_of(customer.say("空开没跳 电表也黑了"))  # typed, not the 电表黑屏 button
    text = Customer.text_of(customer.say(MOBILE))
    [ticket] = tickets_of(outage, customer)
    assert ticket["kind"] == "household" and ticket["id"] in text
    progress = Customer.text_of(customer.say("现在修到哪了"))
    assert ticket["id"] in progress and "已受理" in progress


def test_how_far_it_reaches_told_at_the_address_prompt_is_not_the_address(
    customer: Customer, outage: httpx.Client
) -> None:
    customer.say("我家停电了")
    again = Customer.text_of(customer.say("整栋楼都停了"))  # the reach, not where
    assert "地址" in again and "手机号" not in again
    assert "手机号" in Customer.text_of(customer.say("西湖区文三路199号"))  # the reach is not asked
    customer.say(MOBILE)
    [ticket] = tickets_of(outage, customer)
    assert ticket["kind"] == "building" and "文三路199号" in ticket["address"]["text"]


def test_a_building_under_a_planned_outage_gets_it_and_no_ticket(
    stack: Stack, customer: Customer, outage: httpx.Client
) -> None:
    address = address_of(stack, "3300000001")  # the seed puts a planned outage on it now
    customer.say("我们整栋楼都停电了")
    text = Customer.text_of(customer.say(address))
    assert "计划停电" in text and "不需要报修" in text
    assert tickets_of(outage, customer) == []


def test_the_customer_sees_the_crews_status_by_ticket_id(customer: Customer, outage: httpx.Client) -> None:
    customer.say("只有我家没电了")
    customer.say("滨江区江南大道588号")
    customer.say("电表黑屏了")
    customer.say(MOBILE)
    [ticket] = tickets_of(outage, customer)
    updated = outage.post(f"/tickets/{ticket['id']}/status", json={"status": "dispatched", "note": "抢修班组已出发"})
    assert updated.status_code == 200
    other = Customer(str(customer.client.base_url))
    text = Customer.text_of(other.say(f"{ticket['id']}的进度怎么样了"))
    assert ticket["id"] in text and "已派单" in text and "抢修班组已出发" in text


def test_planned_outages_by_address_and_day(stack: Stack, customer: Customer, outage: httpx.Client) -> None:
    """The seed plans an outage on the 2nd demo account's street tomorrow, none today."""
    address = address_of(stack, "3300000002")
    tomorrow = clock.today() + timedelta(days=1)
    planned = outage.get("/planned", params={"address": address, "when": "明天"}).json()["planned_outages"]
    text = Customer.text_of(customer.say(f"{address}明天会停电吗"))
    assert f"{tomorrow.month}月{tomorrow.day}日的计划停电" in text, text
    assert planned[0]["reason"] in text
    today = clock.today()
    other = Customer(str(customer.client.base_url))
    text = Customer.text_of(other.say(f"{address}今天有没有计划停电"))
    assert f"{today.month}月{today.day}日没有计划停电安排" in text, text
    assert tickets_of(outage, customer) == [] and tickets_of(outage, other) == []
