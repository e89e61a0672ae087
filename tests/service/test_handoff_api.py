"""The agents' API in process (SQLite; Rasa is down, so the gateway's own routing is
what is tested): log-in, 401/403, CSRF, the queue surviving a new app on the same
database, the bot silent while assigned, replies in the customer's outbox, resolve →
csat → a stored score, unmask and its audit, the no-agent and out-of-hours paths with a
callback.  Conversation-level triggers through the real stack: tests/conversation/test_handoff.py."""
from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from handoff import agents, queue
from handoff.models import CallbackTask, Handoff, UnmaskAudit
from services import clock
from services.conversations import store
from services.db import migrate, session_scope
from services.outbox.models import OutboxMessage
from services.settings import get_settings
from tests.postgres import free_port

PASSWORD = "correct-horse-battery"


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setenv("POWERDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'gateway.db'}")
    monkeypatch.setenv("POWERDESK_RASA_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("POWERDESK_HANDOFF_HOURS", "00:00-23:59")
    get_settings.cache_clear()
    migrate()
    with TestClient(create_app(get_settings()), raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def new_app_client() -> TestClient:
    return TestClient(create_app(get_settings()), raise_server_exceptions=False)


def make_agent(username: str, role: str = "agent", capacity: int = 3) -> int:
    agent, _ = agents.create_agent(username, f"客服{username}", role, capacity, PASSWORD)
    return agent.id


def login(client: TestClient, username: str) -> dict:
    response = client.post("/api/v1/agents/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


def customer_in_handoff(client: TestClient, reason: str = "request_human") -> tuple[dict, int]:
    """A web customer whose conversation the bot handed over (as api/handoff_flow.begin does)."""
    session = client.post("/api/v1/sessions", json={"channel": "web"}).json()
    conversation_id = session["conversation_id"]
    store.record_inbound(conversation_id, "转人工")
    queued = queue.start(conversation_id, reason, {"task": "query_bill", "text": "转人工", "slots": {}})
    store.set_state(conversation_id, store.HANDOFF)
    return session, queued.handoff_id


def say(client: TestClient, session: dict, text: str) -> dict:
    response = client.post("/api/v1/chat", json={"text": text}, cookies={},
                           headers={"Authorization": f"Bearer {session['token']}"})
    assert response.status_code == 200, response.text
    return response.json()


def outbox_of(conversation_id: str) -> list[OutboxMessage]:
    with session_scope() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id)
                               .order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return list(rows)


def test_without_a_session_every_route_is_401(gateway: TestClient) -> None:
    for method, path in [("GET", "/api/v1/handoffs"), ("GET", "/api/v1/handoffs/1"), ("POST", "/api/v1/handoffs/1/claim"),
                         ("GET", "/api/v1/agents/me"), ("GET", "/api/v1/agents"), ("GET", "/api/v1/handoffs/stream")]:
        response = gateway.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "agent_session_required"


def test_a_wrong_password_is_401_and_five_lock_the_login(gateway: TestClient) -> None:
    make_agent("wang")
    for _ in range(get_settings().agent_login_max_failures):
        response = gateway.post("/api/v1/agents/login", json={"username": "wang", "password": "wrong-password"})
        assert response.status_code == 401 and response.json()["error"]["code"] == "bad_credentials"
    locked = gateway.post("/api/v1/agents/login", json={"username": "wang", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    unknown = gateway.post("/api/v1/agents/login", json={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401


def test_login_sets_a_httponly_session_and_state_changes_need_the_csrf_token(gateway: TestClient) -> None:
    make_agent("lili")
    body = login(gateway, "lili")
    cookie = next(c for c in gateway.cookies.jar if c.name == "powerdesk_agent")
    assert cookie.has_nonstandard_attr("HttpOnly") and body["agent"]["online"] is True
    _, handoff_id = customer_in_handoff(gateway)
    token = gateway.headers.pop("X-CSRF-Token")
    refused = gateway.post(f"/api/v1/handoffs/{handoff_id}/claim")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    forged = gateway.post(f"/api/v1/handoffs/{handoff_id}/claim", headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert gateway.post(f"/api/v1/handoffs/{handoff_id}/claim", headers={"X-CSRF-Token": token}).status_code == 200
    gateway.headers["X-CSRF-Token"] = token
    assert gateway.post("/api/v1/agents/logout").status_code == 204
    assert gateway.get("/api/v1/agents/me").status_code == 401


def test_an_agent_gets_403_on_supervisor_routes_and_cannot_unmask(gateway: TestClient) -> None:
    make_agent("zhao")
    login(gateway, "zhao")
    _, handoff_id = customer_in_handoff(gateway)
    assert gateway.get("/api/v1/agents").json()["error"]["code"] == "forbidden_role"
    assert gateway.post("/api/v1/handoffs/canned", json={"title": "t", "text": "x"}).status_code == 403
    response = gateway.post(f"/api/v1/handoffs/{handoff_id}/unmask", json={"field": "name", "reason": "客户要求核对姓名"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden_role"
    with session_scope() as session:
        assert session.scalars(select(UnmaskAudit)).all() == []


def test_the_queue_survives_a_new_gateway_on_the_same_database(gateway: TestClient) -> None:
    make_agent("qian")
    urgent_session, urgent = customer_in_handoff(gateway, "complain")
    _, normal = customer_in_handoff(gateway)
    with new_app_client() as restarted:  # every process restarted: only the database remains
        login(restarted, "qian")
        items = restarted.get("/api/v1/handoffs").json()["items"]
        assert [i["id"] for i in items[:2]] == [urgent, normal]  # a complaint first
        assert items[0]["priority"] == 0 and items[0]["reason_zh"] == "客户投诉"
        assert restarted.post(f"/api/v1/handoffs/{urgent}/claim").json()["status"] == "assigned"
        # The customer's conversation is still with the human: the bot stays silent.
        reply = say(restarted, urgent_session, "你好，还在吗")
        assert reply["state"] == "handoff"


def test_the_bot_is_silent_while_assigned_and_the_agent_reply_reaches_the_outbox(gateway: TestClient) -> None:
    make_agent("sun")
    login(gateway, "sun")
    session, handoff_id = customer_in_handoff(gateway)
    gateway.post(f"/api/v1/handoffs/{handoff_id}/claim")
    for text in ("我的电费怎么这么高", "查电费"):  # Rasa is down here: any bot answer would be an apology
        reply = say(gateway, session, text)
        assert reply["state"] == "handoff" and "error" not in reply
    sent = gateway.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"text": "您好，我来帮您核对一下电费。"})
    assert sent.status_code == 201
    rows = outbox_of(session["conversation_id"])
    agent_rows = [r for r in rows if r.kind == "agent"]
    assert [(r.text, r.author) for r in agent_rows] == [("您好，我来帮您核对一下电费。", "客服sun")]
    assert any(r.kind == "notice" and "客服sun" in r.text for r in rows)  # "joined"
    detail = gateway.get(f"/api/v1/handoffs/{handoff_id}").json()
    authors = [(h["author"], h["text"]) for h in detail["history"]]
    assert ("customer", "查电费") in authors and ("agent", "您好，我来帮您核对一下电费。") in authors
    assert detail["first_reply_at"] and detail["summary"].startswith("客户在查询电费的过程中")
    assert [m.status for m in store.history(session["conversation_id"]) if m.direction == "user"][-1] == "answered"


def test_resolve_asks_for_a_score_and_the_next_digit_is_stored(gateway: TestClient) -> None:
    make_agent("zhou")
    login(gateway, "zhou")
    session, handoff_id = customer_in_handoff(gateway)
    gateway.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"text": "已为您处理好了。"})
    resolved = gateway.post(f"/api/v1/handoffs/{handoff_id}/resolve", json={"csat": True})
    assert resolved.json()["status"] == "resolved"
    [csat] = [r for r in outbox_of(session["conversation_id"]) if r.kind == "csat"]
    assert [b["payload"] for b in csat.buttons] == ["1", "2", "3", "4", "5"] and csat.buttons[4]["title"] == "5分"
    thanks = say(gateway, session, "五星")
    assert thanks["state"] == "bot" and "5分" in thanks["messages"][0]["text"]
    with session_scope() as db:
        row = db.get(Handoff, handoff_id)
        assert (row.csat_score, row.csat_awaiting) == (5, False)
    # The question is answered: a digit now goes to the bot (down here: the apology).
    assert say(gateway, session, "3")["error"] == "bot_unavailable"


def test_a_message_that_is_no_score_goes_to_the_bot_and_ends_the_question(gateway: TestClient) -> None:
    make_agent("wuwu")
    login(gateway, "wuwu")
    session, handoff_id = customer_in_handoff(gateway)
    gateway.post(f"/api/v1/handoffs/{handoff_id}/resolve", json={"csat": True})
    assert say(gateway, session, "我还想查电费")["error"] == "bot_unavailable"  # to the bot
    with session_scope() as db:
        assert db.get(Handoff, handoff_id).csat_score is None and not db.get(Handoff, handoff_id).csat_awaiting


def test_resolve_without_csat_and_transfer_to_another_agent(gateway: TestClient) -> None:
    make_agent("zheng")
    other = make_agent("feng", capacity=1)
    login(gateway, "zheng")
    session, handoff_id = customer_in_handoff(gateway)
    gateway.post(f"/api/v1/handoffs/{handoff_id}/claim")
    moved = gateway.post(f"/api/v1/handoffs/{handoff_id}/transfer", json={"to": "agent", "agent_id": other})
    assert moved.json()["agent"]["id"] == other
    _, second = customer_in_handoff(gateway)
    gateway.post(f"/api/v1/handoffs/{second}/claim")
    full = gateway.post(f"/api/v1/handoffs/{second}/transfer", json={"to": "agent", "agent_id": other})
    assert full.status_code == 409 and full.json()["error"]["code"] == "capacity_full"
    to_bot = gateway.post(f"/api/v1/handoffs/{second}/transfer", json={"to": "bot"})
    assert to_bot.json()["status"] == "resolved"
    assert not [r for r in outbox_of(to_bot.json()["conversation_id"]) if r.kind == "csat"]


def test_a_supervisor_unmasks_with_a_reason_and_the_audit_shows_it(gateway: TestClient) -> None:
    make_agent("boss", "supervisor")
    login(gateway, "boss")
    session, handoff_id = customer_in_handoff(gateway)
    store.link_account(session["conversation_id"], "3300000001")  # no billing data in this database
    response = gateway.post(f"/api/v1/handoffs/{handoff_id}/unmask", json={"field": "mobile", "reason": "客户要求回电核实"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_verified"  # no account row here
    assert gateway.post(f"/api/v1/handoffs/{handoff_id}/unmask", json={"field": "mobile", "reason": ""}).status_code == 422


def test_two_agents_cannot_both_claim(gateway: TestClient) -> None:
    make_agent("aa1")
    make_agent("aa2")
    _, handoff_id = customer_in_handoff(gateway)
    login(gateway, "aa1")
    assert gateway.post(f"/api/v1/handoffs/{handoff_id}/claim").status_code == 200
    with new_app_client() as second:
        login(second, "aa2")
        taken = second.post(f"/api/v1/handoffs/{handoff_id}/claim")
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_assigned"
        other = second.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"text": "我来"})
        assert other.status_code == 403 and other.json()["error"]["code"] == "not_your_handoff"


def test_with_nobody_online_a_callback_is_booked_and_nothing_is_lost(gateway: TestClient) -> None:
    make_agent("offline")  # exists, never logged in
    session, handoff_id = customer_in_handoff(gateway)
    assert queue.get(handoff_id)["callback_offered"] is True
    reminder = say(gateway, session, "我家电表好像坏了")
    assert reminder["state"] == "handoff" and "手机号" in reminder["messages"][0]["text"]
    booked = say(gateway, session, "13800005678 明天上午")
    assert booked["state"] == "bot" and "138****5678" in booked["messages"][0]["text"]
    with session_scope() as db:
        [task] = db.scalars(select(CallbackTask)).all()
        assert (task.mobile, task.window, task.status, task.handoff_id) == ("13800005678", "明天上午", "open", handoff_id)
    assert queue.get(handoff_id)["status"] == "callback"
    texts = [m.text for m in store.history(session["conversation_id"]) if m.direction == "user"]
    assert "我家电表好像坏了" in texts  # kept for the agent who calls back
    make_agent("cbk")
    login(gateway, "cbk")
    items = gateway.get("/api/v1/handoffs/callbacks?status=open").json()["items"]
    assert items[0]["mobile"] == "138****5678"


def test_out_of_hours_the_customer_is_told_the_hours_and_offered_a_callback(gateway: TestClient, monkeypatch) -> None:
    make_agent("night")
    login(gateway, "night")  # online, but the hours are over
    monkeypatch.setenv("POWERDESK_HANDOFF_HOURS", "08:00-20:00")
    monkeypatch.setenv(clock.OFFSET_ENV, str(clock.offset_to(datetime(2026, 12, 3, 22, 30))))
    get_settings.cache_clear()
    session = gateway.post("/api/v1/sessions", json={"channel": "web"}).json()
    store.record_inbound(session["conversation_id"], "转人工")
    queued = queue.start(session["conversation_id"], "request_human", None)
    assert queued.callback_offered and not queued.in_hours
    from api.handoff_flow import _notice_for
    notice = _notice_for(queued)
    assert "8:00至20:00" in notice and "95598" in notice and "24小时" in notice
    store.set_state(session["conversation_id"], store.HANDOFF)
    cancelled = say(gateway, session, "取消")
    assert cancelled["state"] == "bot" and queue.get(queued.handoff_id)["status"] == "abandoned"


def test_supervisors_manage_agents_and_canned_replies(gateway: TestClient) -> None:
    make_agent("chief", "supervisor")
    login(gateway, "chief")
    created = gateway.post("/api/v1/agents", json={"username": "new.agent", "display_name": "小新"})
    assert created.status_code == 201 and len(created.json()["password"]) >= 10
    new_id = created.json()["agent"]["id"]
    assert gateway.post("/api/v1/agents", json={"username": "new.agent", "display_name": "x"}).status_code == 409
    assert gateway.patch(f"/api/v1/agents/{new_id}", json={"capacity": 5}).json()["capacity"] == 5
    canned = gateway.post("/api/v1/handoffs/canned", json={"title": "问候", "text": "您好，请问有什么可以帮您？"}).json()
    assert gateway.get("/api/v1/handoffs/canned").json()["items"][0]["id"] == canned["id"]
    assert gateway.delete(f"/api/v1/handoffs/canned/{canned['id']}").status_code == 204
    listed = {a["username"]: a for a in gateway.get("/api/v1/agents").json()["items"]}
    assert listed["chief"]["load"] == 0 and listed["new.agent"]["role"] == "agent"
    assert gateway.delete(f"/api/v1/agents/{new_id}").status_code == 204
    relog = gateway.post("/api/v1/agents/login", json={"username": "new.agent", "password": created.json()["password"]})
    assert relog.status_code == 401


def test_the_first_supervisor_is_written_once_with_mode_0600(gateway: TestClient, tmp_path) -> None:
    path = tmp_path / "initial-agent.json"
    record = agents.ensure_initial_supervisor(path)
    assert record and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["password"] == record["password"]
    assert agents.ensure_initial_supervisor(path) is None  # agents exist: nothing new
    login_body = gateway.post("/api/v1/agents/login", json={"username": "admin", "password": record["password"]})
    assert login_body.json()["agent"]["role"] == "supervisor"


def test_the_stream_replays_events_after_last_event_id(gateway: TestClient) -> None:
    make_agent("sse")
    login(gateway, "sse")
    _, handoff_id = customer_in_handoff(gateway)
    with gateway.stream("GET", "/api/v1/handoffs/stream", headers={"Last-Event-ID": "0"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        seen = ""
        for line in response.iter_lines():
            seen += line + "\n"
            if "event: handoff.queued" in seen and "data:" in seen.split("event: handoff.queued", 1)[1]:
                break
    data = json.loads(seen.split("event: handoff.queued", 1)[1].split("data: ", 1)[1].split("\n", 1)[0])
    assert data["id"] == handoff_id and data["status"] == "pending"


def test_auto_assignment_gives_a_new_handoff_to_an_online_agent_and_tells_the_customer(
        gateway: TestClient, monkeypatch) -> None:
    import asyncio

    from api.handoff_flow import begin
    from api.rasa_client import RasaClient

    monkeypatch.setenv("POWERDESK_HANDOFF_AUTO_ASSIGN", "true")
    get_settings.cache_clear()
    make_agent("auto")
    login(gateway, "auto")
    session = gateway.post("/api/v1/sessions", json={"channel": "web"}).json()
    store.record_inbound(session["conversation_id"], "转人工")

    async def hand_over():
        rasa = RasaClient(get_settings().rasa_url, 2, "t")  # down: the tracker is best effort
        try:
            return await begin(session["conversation_id"], "request_human", "转人工", rasa)
        finally:
            await rasa.close()

    queued = asyncio.run(hand_over())
    assert queue.get(queued.handoff_id)["agent"]["display_name"] == "客服auto"
    [notice] = [r for r in outbox_of(session["conversation_id"]) if r.kind == "notice"]
    assert "客服auto" in notice.text and "接入" in notice.text
    assert say(gateway, session, "你好")["state"] == "handoff"
