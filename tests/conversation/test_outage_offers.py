"""What the outage dialogue offers, through the gateway, real Rasa, action server and
services: a notice when power is back after a report a planned outage answers (stored
once, sent once through the outbox to the widget when the operator ends the outage), and
a verified customer's own address and mobile as buttons in the outage form.  With the
dialogue checklist's cases: a stray 好的, a flow switch at the offer, danger first, a
digit at the address prompt."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from api.rasa_client import RasaClient
from api.render import render_wechat
from scripts.stack import Stack
from services import clock
from services.billing.models import Account, Customer as CustomerRow
from services.db import session_scope
from services.outage.models import RestoreNotice
from services.outbox.models import OutboxMessage
from tests.conversation.test_channels import pipeline, turn  # noqa: F401  (the fixture and its helper)
from tests.stack import Customer, take_spare

pytestmark = pytest.mark.conversation
OFFER = "要登记来电提醒吗"
STORED = "已为您登记来电提醒"
SAFETY = "请注意安全"


@pytest.fixture
def planned_now(outage: httpx.Client) -> dict:
    """A planned outage in progress now on a street of its own (no other test's)."""
    now = clock.utcnow() + timedelta(hours=8)  # China time, as operators write it
    announced = outage.post("/planned", json={
        "area": "杭州市西湖区", "streets": [{"street": "百家园路"}], "reason": "配电线路检修",
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "ends_at": (now + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%S")})
    assert announced.status_code == 201, announced.text
    return announced.json()


def notices_of(stack: Stack, customer: Customer) -> list[RestoreNotice]:
    with session_scope(stack.settings.database_url) as session:
        rows = session.scalars(select(RestoreNotice).where(RestoreNotice.conversation_id == customer.conversation_id)).all()
        session.expunge_all()
        return rows


def outbox_of(stack: Stack, customer: Customer) -> list[OutboxMessage]:
    with session_scope(stack.settings.database_url) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == customer.conversation_id)).all()
        session.expunge_all()
        return rows


def buttons(reply: dict) -> list[dict]:
    return [b for m in reply["messages"] for b in m.get("buttons") or []]


def press(customer: Customer, button: dict) -> dict:
    """A button press as the widget sends it: the title as text, the payload beside it."""
    response = customer.client.post("/api/v1/chat", json={"text": button["title"], "payload": button["payload"]})
    assert response.status_code == 200, response.text
    return response.json()


def report_under(customer: Customer) -> dict:
    """An area outage at an address the planned outage covers, up to the offer."""
    assert "地址" in Customer.text_of(customer.say("我们整个小区都停电了"))
    reply = customer.say("西湖区百家园路12号")
    text = Customer.text_of(reply)
    assert "计划停电" in text and "配电线路检修" in text and OFFER in text, text
    return reply


def test_a_notice_is_offered_stored_once_and_reaches_the_widget_when_power_is_back(
    stack: Stack, customer: Customer, outage: httpx.Client, planned_now: dict
) -> None:
    reply = report_under(customer)
    assert [b["title"] for b in buttons(reply)] == ["需要，来电提醒我", "不用了"]
    assert STORED in Customer.text_of(press(customer, buttons(reply)[0]))
    [notice] = notices_of(stack, customer)
    assert notice.channel == "web" and notice.notified_at is None
    assert customer.say("好的")["messages"][0]["text"].startswith("好的。还有什么")  # a stray yes: nothing more
    assert len(notices_of(stack, customer)) == 1

    assert outage.post(f"/planned/{planned_now['id']}/end").json()["status"] == "ended"
    assert outage.post(f"/planned/{planned_now['id']}/end").status_code == 200  # said twice, sent once
    [message] = outbox_of(stack, customer)
    assert message.kind == "notice" and "供电已恢复" in message.text
    socket_url = str(customer.client.base_url).replace("http://", "ws://") + f"/api/v1/ws?token={customer.token}"
    with connect(socket_url, open_timeout=30) as socket:
        frame = json.loads(socket.recv(timeout=30))
        socket.send(json.dumps({"type": "ack", "id": frame["id"]}))
    assert frame["type"] == "message" and frame["id"] == message.id and "配电线路检修" in frame["text"]


def test_no_thanks_and_a_new_request_at_the_offer_store_nothing(
    stack: Stack, customer: Customer, outage: httpx.Client, planned_now: dict
) -> None:
    report_under(customer)
    assert "不登记来电提醒" in Customer.text_of(customer.say("不用了"))
    assert notices_of(stack, customer) == []
    assert customer.say("好的")["messages"][0]["text"].startswith("好的。还有什么")  # said to nothing
    other = Customer(str(customer.client.base_url))
    report_under(other)
    assert "户号" in Customer.text_of(other.say("帮我查一下电费"))  # a flow switch, not a yes
    assert "户号" in Customer.text_of(other.say("好的"))  # the bill lookup goes on, the offer is over
    assert notices_of(stack, other) == []


def verified(customer: Customer, stack: Stack) -> tuple[str, str, str]:
    """A spare account verified in this conversation: (户号, its address, its mobile)."""
    account_no, last4 = take_spare(stack)
    customer.say("查电费")
    customer.say(account_no)
    customer.say(last4)
    with session_scope(stack.settings.database_url) as session:
        address, mobile = session.execute(select(CustomerRow.address, CustomerRow.mobile).join(
            Account, Account.customer_id == CustomerRow.id).where(Account.account_no == account_no)).one()
    return account_no, address, mobile


def test_a_verified_customer_is_offered_the_accounts_address_and_mobile(
    stack: Stack, customer: Customer, outage: httpx.Client
) -> None:
    account_no, address, mobile = verified(customer, stack)
    ask_address = customer.say("家里停电了 只有我家没电")
    [offered] = buttons(ask_address)
    assert offered["title"] == address and "地址" in Customer.text_of(ask_address)
    assert "空气开关" in Customer.text_of(press(customer, offered))
    ask_mobile = customer.say("电表黑屏了")
    [mine] = buttons(ask_mobile)
    assert mine["title"] == f"用尾号{mobile[-4:]}的手机" and mobile not in json.dumps(ask_mobile, ensure_ascii=False)
    text = Customer.text_of(press(customer, mine))
    [ticket] = outage.get("/tickets", params={"conversation_id": customer.conversation_id}).json()["tickets"]
    assert ticket["id"] in text and ticket["account_no"] == account_no
    assert ticket["contact_mobile"].endswith(mobile[-4:]) and mobile not in ticket["contact_mobile"]


def test_a_verified_customer_may_type_another_address_and_a_digit_is_no_address(
    stack: Stack, customer: Customer, outage: httpx.Client
) -> None:
    verified(customer, stack)
    customer.say("我家停电了 就我一家")
    again = customer.say("13912345678")  # a mobile at the address prompt is not an address …
    assert "地址" in Customer.text_of(again) and buttons(again)
    assert "空气开关" in Customer.text_of(customer.say("滨江区江南大道1288号"))
    text = Customer.text_of(customer.say("电表黑屏了"))  # … but it is the contact: not asked again
    [ticket] = outage.get("/tickets", params={"conversation_id": customer.conversation_id}).json()["tickets"]
    assert ticket["id"] in text and ticket["address"]["street"] == "江南大道" and ticket["contact_mobile"] == "139****5678"


def test_danger_comes_before_the_offered_address_and_unverified_customers_get_no_buttons(
    stack: Stack, customer: Customer
) -> None:
    verified(customer, stack)
    reply = customer.say("楼下电线掉下来了还在冒火花")
    assert reply["messages"][0]["text"].startswith(SAFETY)
    assert any("地址" in m["text"] and m.get("buttons") for m in reply["messages"][1:])
    stranger = Customer(str(customer.client.base_url))
    ask = stranger.say("我们整栋楼都停电了")
    assert "地址" in Customer.text_of(ask) and buttons(ask) == []


async def test_on_wechat_the_offer_is_a_numbered_choice_and_1_takes_it(
    stack: Stack, pipeline: RasaClient, planned_now: dict  # noqa: F811
) -> None:
    user = f"openid-{uuid.uuid4().hex}"
    await turn(pipeline, "wechat", user, "我们整个小区都停电了")
    offer = render_wechat((await turn(pipeline, "wechat", user, "西湖区百家园路12号")).messages)
    assert "回复1：需要，来电提醒我" in offer and "回复2：不用了" in offer, offer
    assert STORED in render_wechat((await turn(pipeline, "wechat", user, "1")).messages)
    with session_scope(stack.settings.database_url) as session:
        [notice] = session.scalars(select(RestoreNotice).where(RestoreNotice.channel_user_id == user)).all()
        assert notice.channel == "wechat"


@pytest.mark.parametrize("text, address", [
    ("我家百家园路12号停电了", "百家园路12号"),
    ("地址是杭州市西湖区百家园路12号3幢2单元501 没电了", "杭州市西湖区百家园路12号3幢2单元501"),
    ("听说周六翠苑三区要停电", "翠苑三区"),
])
def test_the_nlu_tags_the_whole_address(gateway_url: str, text: str, address: str) -> None:
    """The address grammar is in the deployed pipeline (bot/address_entity.py)."""
    parsed = httpx.post(f"{gateway_url}/api/v1/nlu/parse", json={"text": text}).json()
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "address"] == [address]
