"""Buttons on the web: the widget sends the button's title as the text and its payload
beside it; the title is stored and shown, the bot (real Rasa and action server) reads
the payload only when the last reply offered it, so a client cannot push the bot into
an intent by inventing one."""
from __future__ import annotations

import pytest

from tests.stack import Customer

pytestmark = pytest.mark.conversation

ASKS_ACCOUNT = "10位户号"


def press(customer: Customer, title: str, payload: str) -> dict:
    response = customer.client.post("/api/v1/chat", json={"text": title, "payload": payload})
    assert response.status_code == 200, response.text
    return response.json()


def user_texts(customer: Customer) -> list[str]:
    record = customer.client.get("/api/v1/conversation").json()
    return [m["text"] for m in record["messages"] if m["direction"] == "user"]


def test_an_offered_button_s_payload_is_what_the_bot_reads(customer: Customer) -> None:
    greeting = customer.say("你好")
    offered = {b["payload"] for m in greeting["messages"] for b in m.get("buttons", [])}
    assert "/query_bill" in offered, greeting
    # A title that means nothing by itself: the bot can only have read the payload.
    reply = press(customer, "第一个按钮", "/query_bill")
    assert ASKS_ACCOUNT in Customer.text_of(reply)
    assert user_texts(customer) == ["你好", "第一个按钮"]  # the text is stored, not the payload
    record = customer.client.get("/api/v1/conversation").json()
    assert "buttons" not in record  # the question for the 户号 offers no choices


def test_a_payload_the_last_reply_did_not_offer_is_ignored_and_the_text_is_read(customer: Customer) -> None:
    customer.say("你好")  # offers 查电费, 交电费, 停电报修; not 转人工
    reply = press(customer, "今天天气不错", "/request_human")
    assert reply["state"] == "bot"  # not handed to a human
    assert ASKS_ACCOUNT not in Customer.text_of(reply)
    # After a form question (no buttons) an old button's payload is not read either:
    # the 户号 typed is, and the form goes on to the identity check.
    assert ASKS_ACCOUNT in Customer.text_of(customer.say("查电费"))
    answer = press(customer, "3300000001", "/top_up")
    assert "后4位" in Customer.text_of(answer)
    assert user_texts(customer) == ["你好", "今天天气不错", "查电费", "3300000001"]
