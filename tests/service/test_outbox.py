"""The outbox through the gateway: a pushed message reaches a widget that was away,
exactly as often as it is unacknowledged, and a failing channel is retried, never
dropped (in-process gateway, SQLite; Rasa is not needed)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.delivery import RecordingSender
from services.conversations import store as conversations
from services.db import migrate, session_scope
from services.outbox import store as outbox
from services.outbox.models import OutboxMessage
from services.settings import get_settings
from tests.gateway import offline_gateway


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[TestClient]:
    with offline_gateway(tmp_path, monkeypatch) as client:
        yield client


def row(message_id: int) -> OutboxMessage:
    with session_scope() as session:
        found = session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
        session.expunge(found)
        return found


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def nothing_more(socket) -> None:
    """The next frame is the answer to a probe: nothing was queued before it."""
    socket.send_json({"type": "probe"})
    assert socket.receive_json()["code"] == "unknown_frame"


def test_a_message_sent_while_away_reaches_the_widget_until_acknowledged(gateway: TestClient) -> None:
    session = gateway.post("/api/v1/sessions", json={"channel": "web"}).json()
    message_id = outbox.enqueue(session["conversation_id"], "您好，我是客服小王，已看到您的问题。", "agent", author="小王")
    time.sleep(1.0)  # two delivery passes with nobody connected
    assert row(message_id).status == "pending"

    with gateway.websocket_connect("/api/v1/ws") as socket:  # the session cookie authenticates
        frame = socket.receive_json()
        assert (frame["id"], frame["author"], frame["kind"]) == (message_id, "小王", "agent")
        nothing_more(socket)
    assert row(message_id).status == "sent"

    with gateway.websocket_connect(f"/api/v1/ws?token={session['token']}") as socket:  # not acked: again
        assert socket.receive_json()["id"] == message_id
        socket.send_json({"type": "ack", "id": message_id})
        nothing_more(socket)
    assert row(message_id).status == "acked"

    with gateway.websocket_connect("/api/v1/ws") as socket:  # acknowledged: never again
        nothing_more(socket)
        live = outbox.enqueue(session["conversation_id"], "还有其他问题吗？", "agent", author="小王")
        gateway.app.state.outbox_wake.set()
        assert socket.receive_json()["id"] == live  # pushed while connected


def test_a_failing_channel_is_retried_with_backoff_and_nothing_is_lost(gateway: TestClient) -> None:
    class FailsOnce(RecordingSender):
        async def deliver(self, message) -> bool:
            if not hasattr(self, "failed"):
                self.failed = True
                raise RuntimeError("WeChat API 45015")
            return await super().deliver(message)

    sender = FailsOnce()
    gateway.app.state.senders["wechat"] = sender
    conversation = conversations.open_conversation("wechat", "openid-retry")
    message_id = outbox.enqueue(conversation.id, "您的停电报修已受理。", "notice")
    gateway.app.state.outbox_wake.set()
    wait_for(lambda: row(message_id).attempts >= 1)
    assert "45015" in row(message_id).last_error and row(message_id).status == "pending"
    wait_for(lambda: row(message_id).status == "sent")  # the retry, about a second later
    assert [m.id for m in sender.sent] == [message_id]
    assert (row(message_id).status, row(message_id).attempts) == ("sent", 2)


def test_a_widget_cannot_acknowledge_or_receive_another_customers_messages(gateway: TestClient) -> None:
    victim = conversations.open_conversation("web", "web-victim")
    message_id = outbox.enqueue(victim.id, "账户余额8.60元", "notice")
    gateway.post("/api/v1/sessions", json={"channel": "web"})
    with gateway.websocket_connect("/api/v1/ws") as socket:
        socket.send_json({"type": "ack", "id": message_id})
        nothing_more(socket)
    assert row(message_id).status == "pending"
    assert outbox.mark_acked(message_id, "web", "web-intruder") is False


def test_a_socket_without_a_valid_session_is_closed(gateway: TestClient) -> None:
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed:
        with gateway.websocket_connect("/api/v1/ws?token=v1.forged.token") as socket:
            socket.receive_json()
    assert closed.value.code == 1008


def test_two_gateway_processes_never_hold_the_same_message(tmp_path, monkeypatch, move_clock) -> None:
    """Every gateway process runs the delivery loop on one table: a due message is
    claimed by one of them; given back (it could not be sent after all) it is due again
    at once, without an attempt counted."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'outbox.db'}")
    get_settings.cache_clear()
    try:
        migrate()
        conversation = conversations.open_conversation("wechat", "openid-claims")
        message_id = outbox.enqueue(conversation.id, "您的工单已派单。", "notice")
        first, second = outbox.claim_due(), outbox.claim_due()
        assert [m.id for m in first] == [message_id] and second == []
        outbox.release(message_id)
        again = outbox.claim_due()
        assert [m.id for m in again] == [message_id] and row(message_id).attempts == 0
        move_clock(outbox.CLAIM_S / 60 + 1)  # a process that died holding it: offered again
        assert [m.id for m in outbox.claim_due()] == [message_id]

        web = conversations.open_conversation("web", "web-here")
        web_id = outbox.enqueue(web.id, "客服已回复您。", "agent", author="小王")
        elsewhere = {"web": {"web-someone-else"}}
        assert web_id not in [m.id for m in outbox.claim_due(held_here=elsewhere)]  # their socket is not here
        assert [m.id for m in outbox.claim_due(held_here={"web": {"web-here"}})] == [web_id]
    finally:
        get_settings.cache_clear()


def test_an_acknowledgement_before_the_delivery_is_recorded_stays(gateway: TestClient) -> None:
    """The client can acknowledge a frame before the delivery loop marks it sent (the frame
    is on its socket already); the late mark must not turn the message back into one to
    send again on the next reconnect."""
    conversation = conversations.open_conversation("web", "web-quick-reader")
    message_id = outbox.enqueue(conversation.id, "人工客服已为您接入", "notice")
    assert outbox.mark_acked(message_id, "web", "web-quick-reader") is True
    outbox.mark_sent(message_id)
    assert row(message_id).status == "acked"
    assert outbox.unacknowledged("web", "web-quick-reader") == []
