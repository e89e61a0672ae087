"""The web widget's server side without Rasa: the page and its security headers,
GET /api/v1/conversation (what a reload shows again), and which button payloads the
bot may read (in-process gateway on SQLite and PostgreSQL; Rasa is not reachable, so
every turn ends in the stored apology)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.turns import Inbound, bot_text
from services.conversations import store as conversations
from services.outbox import store as outbox
from services.settings import get_settings
from tests.postgres import free_port


@pytest.fixture
def gateway(db_url: str, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("POWERDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("POWERDESK_RASA_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("POWERDESK_WIDGET_FRAME_ANCESTORS", "'self' https://www.example.com")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings()), raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def new_session(client: TestClient) -> dict:
    response = client.post("/api/v1/sessions", json={"channel": "web"})
    assert response.status_code == 201
    return response.json()


def test_the_page_is_served_with_a_policy_that_forbids_inline_script_and_foreign_frames(gateway: TestClient) -> None:
    page = gateway.get("/chat")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert policy.endswith("frame-ancestors 'self' https://www.example.com")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script" in page.text and "<script>" not in page.text  # only src= scripts
    assert gateway.get("/chat/embed.js").headers["content-type"].startswith("text/javascript")
    assert gateway.get("/chat/index.html").status_code == 404  # only the listed assets
    assert gateway.get("/chat/..%2Fapp.py").status_code == 404


def test_the_conversation_needs_a_session_and_shows_only_its_own(gateway: TestClient) -> None:
    assert gateway.get("/api/v1/conversation").json()["error"]["code"] == "session_required"
    mine = new_session(gateway)
    assert gateway.get("/api/v1/conversation").json() == {
        "conversation_id": mine["conversation_id"], "state": "bot", "messages": []}
    gateway.post("/api/v1/chat", json={"text": "我想查电费"})

    other = TestClient(gateway.app)
    theirs = new_session(other)
    other.post("/api/v1/chat", json={"text": "别人的消息"})
    seen = gateway.get("/api/v1/conversation").json()
    assert seen["conversation_id"] == mine["conversation_id"] != theirs["conversation_id"]
    assert [m["text"] for m in seen["messages"]] == ["我想查电费"]
    # A conversation id in the query or a foreign token's body changes nothing.
    by_bearer = gateway.get(f"/api/v1/conversation?conversation_id={theirs['conversation_id']}",
                            headers={"Authorization": f"Bearer {theirs['token']}"}).json()
    assert [m["text"] for m in by_bearer["messages"]] == ["别人的消息"]


def test_the_record_merges_messages_and_outbox_in_order_with_the_ids_the_socket_carries(gateway: TestClient) -> None:
    session = new_session(gateway)
    gateway.post("/api/v1/chat", json={"text": "转人工"})
    agent_id = outbox.enqueue(session["conversation_id"], "您好，我是客服小王。<b>请问</b>", "agent", author="小王")
    csat_buttons = [{"title": f"{n}分", "payload": str(n)} for n in range(1, 6)]
    csat_id = outbox.enqueue(session["conversation_id"], "请为本次服务打分", "csat", buttons=csat_buttons)
    messages = gateway.get("/api/v1/conversation").json()["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [
        ("user", "转人工"), ("agent", "您好，我是客服小王。<b>请问</b>"), ("bot", "请为本次服务打分")]
    assert messages[1]["outbox_id"] == agent_id and messages[1]["author"] == "小王"
    assert messages[2]["outbox_id"] == csat_id and messages[2]["kind"] == "csat"
    assert messages[2]["buttons"] == csat_buttons
    assert "pending" not in messages[0]  # the bot was down: stored as failed, not waiting


def test_a_conversation_idle_past_the_timeout_is_not_shown_again(gateway: TestClient, move_clock) -> None:
    new_session(gateway)
    gateway.post("/api/v1/chat", json={"text": "你好"})
    assert len(gateway.get("/api/v1/conversation").json()["messages"]) == 1
    move_clock(get_settings().conversation_timeout_min + 1)
    assert gateway.get("/api/v1/conversation").json() == {"state": "bot", "messages": []}


def test_a_payload_is_read_only_when_the_last_reply_offered_it(gateway: TestClient) -> None:
    offered = [{"title": "查电费", "payload": "/query_bill"}, {"title": "交电费", "payload": "/top_up"}]
    conversation = conversations.OpenConversation("c1", "bot", 0.0, last_buttons=offered, has_messages=True)
    assert bot_text(Inbound("web", "u", "交电费", payload="/top_up"), conversation) == "/top_up"
    assert bot_text(Inbound("web", "u", "转人工", payload="/request_human"), conversation) == "转人工"
    without_choices = conversations.OpenConversation("c1", "bot", 0.0, has_messages=True)
    assert bot_text(Inbound("web", "u", "查电费", payload="/query_bill"), without_choices) == "查电费"
    # On the web a bare digit stays text; a numbered choice is WeChat's and voice's.
    assert bot_text(Inbound("web", "u", "1"), conversation) == "1"


@pytest.mark.parametrize("body", [{"text": "查电费", "payload": "x" * 201}, {"text": "查电费", "payload": 3},
                                  {"text": "", "payload": "/query_bill"}])
def test_a_malformed_payload_is_a_clear_422(gateway: TestClient, body: dict) -> None:
    new_session(gateway)
    response = gateway.post("/api/v1/chat", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["message_zh"]


def test_the_socket_takes_a_payload_and_refuses_a_malformed_one(gateway: TestClient) -> None:
    new_session(gateway)
    with gateway.websocket_connect("/api/v1/ws") as socket:
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}
        socket.send_json({"type": "message", "text": "查电费", "payload": ["/query_bill"]})
        assert socket.receive_json()["code"] == "invalid_request"
        socket.send_json({"type": "message", "text": "查电费", "payload": "/query_bill"})
        reply = socket.receive_json()
        assert reply["type"] == "reply" and reply["error"] == "bot_unavailable"
    # What is stored and shown is the title, never the payload.
    assert [m["text"] for m in gateway.get("/api/v1/conversation").json()["messages"]] == ["查电费"]
