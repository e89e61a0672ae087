"""A conversation belongs to the session the gateway issued, a verification ends with
inactivity, and the internal processes answer only each other (through the gateway,
real Rasa and action server)."""
from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from websockets.sync.client import connect

from scripts.stack import Stack
from services import clock
from services.conversations.models import Conversation
from services.db import session_scope
from tests.stack import Customer

pytestmark = pytest.mark.conversation

ACCOUNT, LAST4 = "3300000002", "1234"


def verify(customer: Customer, question: str = "查余额") -> str:
    customer.say(question)
    customer.say(ACCOUNT)
    return Customer.text_of(customer.say(LAST4))


def idle_for(stack: Stack, conversation_id: str, minutes: float) -> None:
    """As if the conversation's last message were ``minutes`` old."""
    with session_scope(stack.settings.database_url) as session:
        conversation = session.get(Conversation, conversation_id)
        conversation.last_activity_at = clock.utcnow() - timedelta(minutes=minutes)


def test_another_client_with_the_same_id_but_no_token_sees_nothing(
    stack: Stack, customer: Customer, gateway_url: str
) -> None:
    assert "余额" in verify(customer)
    with session_scope(stack.settings.database_url) as session:  # agents will see who it is
        assert session.get(Conversation, customer.conversation_id).account_no == ACCOUNT
    intruder = httpx.Client(base_url=gateway_url, timeout=60)
    for body in ({"text": "查余额", "sender_id": customer.conversation_id},
                 {"text": "查余额", "sender_id": customer.conversation_id, "channel": "wechat"}):
        response = intruder.post("/api/v1/chat", json=body)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "session_required" and "余额" not in response.text
    # With a session of its own, the intruder is a new customer: asked for the 户号.
    other = Customer(gateway_url)
    assert other.conversation_id != customer.conversation_id
    assert "户号" in Customer.text_of(other.say("查余额"))


def test_a_verification_expires_after_ten_minutes_without_a_message(stack: Stack, customer: Customer) -> None:
    assert "余额" in verify(customer)
    assert "余额" in Customer.text_of(customer.say("余额还有多少"))  # still verified
    idle_for(stack, customer.conversation_id, 11)
    text = Customer.text_of(customer.say("余额还有多少"))
    assert "后4位" in text and "余额" not in text
    assert "余额" in Customer.text_of(customer.say(LAST4))  # verified again


def test_after_thirty_idle_minutes_a_new_conversation_starts(stack: Stack, customer: Customer) -> None:
    assert "余额" in verify(customer)
    first = customer.conversation_id
    idle_for(stack, first, 31)
    text = Customer.text_of(customer.say("查余额"))
    assert customer.conversation_id != first
    assert "户号" in text  # nothing carried over, not even the 户号
    with session_scope(stack.settings.database_url) as session:
        ended = session.get(Conversation, first)
        assert ended.state == "closed" and ended.end_reason == "inactivity" and ended.ended_at is not None


def test_rasa_http_api_and_action_server_refuse_unauthenticated_calls(stack: Stack, customer: Customer) -> None:
    verify(customer)
    forged = [{"event": "slot", "name": "verified_account", "value": "3300000001"}]
    rasa = stack.settings.rasa_url
    response = httpx.post(f"{rasa}/conversations/{customer.conversation_id}/tracker/events", json=forged)
    assert response.status_code == 401
    assert httpx.post(f"{rasa}/model/parse", json={"text": "查电费"}).status_code == 401
    call = {"next_action": "action_query_bill", "sender_id": customer.conversation_id, "version": "3.6.21",
            "tracker": {"sender_id": customer.conversation_id, "slots": {"verified_account": "3300000001",
                        "account_no": "3300000001"}, "latest_message": {}, "events": []}, "domain": {}}
    response = httpx.post(f"{stack.settings.action_server_url}/webhook", json=call)
    assert response.status_code == 401 and "3300000001" not in response.text


def test_billing_is_not_served_on_the_public_port(stack: Stack, gateway_url: str) -> None:
    headers = {"Authorization": f"Bearer {stack.settings.service_token}"}
    response = httpx.get(f"{gateway_url}/api/v1/billing/accounts/{ACCOUNT}", headers=headers)
    assert response.status_code == 404
    assert httpx.get(f"{stack.settings.services_url}/billing/accounts/{ACCOUNT}", headers=headers).status_code == 200


def test_no_account_number_or_customer_text_in_the_access_logs(stack: Stack, customer: Customer) -> None:
    verify(customer, "帮我查一下电费 手机13800001234")
    customer.say("过户需要什么材料")
    socket_url = str(customer.client.base_url).replace("http://", "ws://") + f"/api/v1/ws?token={customer.token}"
    with connect(socket_url, open_timeout=30):  # uvicorn logs the handshake with its query string
        pass
    time.sleep(0.5)
    logs = "".join(path.read_text(encoding="utf-8", errors="replace") for path in stack.log_dir.glob("*.log"))
    access = [line for line in logs.splitlines() if '" 200' in line or "HTTP/1.1" in line]
    assert access, "no access-log lines to check"
    assert not [line for line in access if ACCOUNT in line or "13800001234" in line or "q=" in line]
    assert "过户" not in "\n".join(access) and "%E8%BF%87" not in "\n".join(access)
    assert "WebSocket /api/v1/ws" in logs and customer.token not in logs  # the session token stays out
