"""The cluster (scripts/cluster.py): two gateways, two Rasa servers and two action servers
over one PostgreSQL and one Redis.  A conversation keeps its state whichever processes
its turns land on, a message pushed from one gateway's side reaches a customer connected
to the other exactly once, and the faults lose nothing: every Rasa server restarted,
Redis restarted, a gateway restarted during a handoff, PostgreSQL away for 30 s; each
counted before and after (tests/ledger.py).  Everything is real: Debian's PostgreSQL and
Redis, Rasa, the action servers, Chromium for the widget."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text
from websockets.sync.client import connect

from api import wording
from handoff import agents
from scripts.cluster import Cluster, running_cluster
from scripts.local_servers import PostgresServer, RedisServer, free_port
from services.conversations import store
from services.db import session_scope
from services.outbox import store as outbox
from services.conversations.models import Message
from services.outbox.models import OutboxMessage
from services.settings import REPO_ROOT, get_settings
from tests.browser.conftest import browser  # noqa: F401  (a real Chromium for the widget during the outage)
from tests.conversation.test_money_safety import confirmation_amount
from tests.ledger import ledger
from tests.stack import Customer, throwaway_settings

pytestmark = pytest.mark.conversation
ACCOUNT, LAST4 = "3300000001", "5678"
AGENT_PASSWORD = "cluster-agent-password"
WIDGET_TEXT = "我想交电费，请问怎么交"  # typed in the widget during the database outage


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[tuple[Cluster, PostgresServer, RedisServer]]:
    base = throwaway_settings(tmp_path_factory.mktemp("cluster-var")).model_copy(update={"var_dir": REPO_ROOT / "var"})
    ports = [free_port() for _ in range(2)]
    with running_cluster(base, tmp_path_factory.mktemp("cluster"), ports, n_accounts=20) as running:
        yield running


@pytest.fixture
def services_db(cluster, monkeypatch) -> Iterator[str]:
    """This process reads and writes the cluster's database (as a gateway would)."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", cluster[0].settings.database_url)
    get_settings.cache_clear()
    yield cluster[0].settings.database_url
    get_settings.cache_clear()


def on(customer: Customer, gateway_url: str) -> Customer:
    """The same customer (the same session token) talking to another gateway worker."""
    customer.client.base_url = httpx.URL(gateway_url)
    return customer


def tracker_events(postgres: PostgresServer, conversation_id: str) -> int:
    engine = create_engine(postgres.url("rasa"))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM events WHERE sender_id = :id"),
                                   {"id": conversation_id}).scalar_one()
    engine.dispose()
    return count


def test_a_conversation_keeps_its_state_across_gateways_and_rasa_servers(cluster, services_db) -> None:
    """Turns on both gateways and both Rasa servers; then every Rasa server restarted
    mid-conversation: the customer is asked to send again, and once they are back the
    conversation goes on with its state (the verified 户号 from the tracker in PostgreSQL)."""
    running, postgres, _ = cluster
    customer = Customer(running.gateway_url(0))
    assert "户号" in Customer.text_of(customer.say("我想查一下电费"))
    assert "后4位" in Customer.text_of(on(customer, running.gateway_url(1)).say(ACCOUNT))
    running.kill("rasa-1")  # whichever server had the turns so far, the next must be rasa-2
    bill = Customer.text_of(on(customer, running.gateway_url(0)).say(LAST4))
    assert "330****001" in bill and "电费账单" in bill and "用电量" in bill, bill  # the verified bill
    assert tracker_events(postgres, customer.conversation_id) > 0  # the tracker lives in PostgreSQL
    stored = store.history(customer.conversation_id)
    assert [m.text for m in stored if m.direction == "user"] == ["我想查一下电费", ACCOUNT, LAST4]
    assert all(m.status == "answered" for m in stored if m.direction == "user")

    before = ledger(services_db, customer.conversation_id, ACCOUNT)
    running.kill("rasa-2")  # no Rasa server at all now
    try:
        down = on(customer, running.gateway_url(1)).say("我要交五十块电费")
    finally:
        running.restart("rasa-1", "rasa-2", timeout_s=300)
    assert down["error"] == "bot_unavailable" and Customer.text_of(down) == wording.APOLOGY
    assert ledger(services_db, customer.conversation_id, ACCOUNT) == before.plus(customer_messages=1)

    answered = [customer.say("我要交五十块电费")]  # sent again, as the apology asked
    if "户号" in Customer.text_of(answered[-1]) and confirmation_amount(Customer.text_of(answered[-1])) is None:
        answered.append(customer.say(ACCOUNT))
    asked = Customer.text_of(answered[-1])
    assert confirmation_amount(asked) == "50.00" and "后4位" not in asked, asked  # still verified: no new check
    answered.append(customer.say("确认"))
    assert "缴费成功" in Customer.text_of(answered[-1])
    assert ledger(services_db, customer.conversation_id, ACCOUNT) == before.plus(
        customer_messages=1 + len(answered), bot_messages=replies_in(answered), payments=1)


def test_a_message_from_one_gateways_side_reaches_a_customer_on_the_other_once(cluster, services_db) -> None:
    running, _, _ = cluster
    customer = Customer(running.gateway_url(1))
    customer.say("你好")
    url = running.gateway_url(1).replace("http://", "ws://") + f"/api/v1/ws?token={customer.token}"
    with connect(url, open_timeout=30) as socket:
        message_id = outbox.enqueue(customer.conversation_id, "您好，我是客服小王。", "agent", author="小王")
        frame = json.loads(socket.recv(timeout=15))
        assert (frame["id"], frame["author"], frame["text"]) == (message_id, "小王", "您好，我是客服小王。")
        socket.send(json.dumps({"type": "ack", "id": message_id}))
        time.sleep(3)  # both gateways' delivery loops pass several times
        socket.send(json.dumps({"type": "probe"}))
        assert json.loads(socket.recv(timeout=15))["code"] == "unknown_frame"  # nothing was sent twice


def test_redis_restarted_mid_conversation_loses_nothing(cluster, services_db) -> None:
    running, _, redis = cluster
    customer = Customer(running.gateway_url(0))
    assert "户号" in Customer.text_of(customer.say("帮我查电费"))
    before = ledger(services_db, customer.conversation_id, ACCOUNT)
    redis.restart()
    replies = [customer.say(ACCOUNT)]
    if replies[0].get("error") == "bot_unavailable":  # the lock store reconnecting: an apology, then served
        assert Customer.text_of(replies[0]) == wording.APOLOGY
        replies.append(customer.say(ACCOUNT))
    assert "后4位" in Customer.text_of(replies[-1])
    replies.append(customer.say(LAST4))
    assert "电费账单" in Customer.text_of(replies[-1])
    # Every message the customer sent is kept once; each answered one has its replies; nothing else.
    assert ledger(services_db, customer.conversation_id, ACCOUNT) == before.plus(
        customer_messages=len(replies), bot_messages=replies_in(replies))


def replies_in(answers: list[dict]) -> int:
    """How many bot messages the gateway answered with (an apology is not stored)."""
    return sum(len(a["messages"]) for a in answers if a.get("error") is None)


def frames_until(socket, texts: set[str], timeout_s: float = 30) -> list[dict]:
    """The outbox frames received (each acknowledged) until every text in ``texts`` came."""
    frames: list[dict] = []
    deadline = time.monotonic() + timeout_s
    while not texts <= {f.get("text") for f in frames}:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("type") == "message":
            frames.append(frame)
            socket.send(json.dumps({"type": "ack", "id": frame["id"]}))
    return frames


def assert_nothing_more(socket) -> None:
    """After both gateways' delivery loops passed several times, the next frame is the
    answer to a probe: nothing was pushed twice."""
    time.sleep(3)
    socket.send(json.dumps({"type": "probe"}))
    assert json.loads(socket.recv(timeout=15))["code"] == "unknown_frame"


def test_the_customers_gateway_restarted_during_a_handoff_loses_no_agent_reply(cluster, services_db) -> None:
    """The customer on gateway-2, the agent on gateway-1: the agent's replies written while
    the customer's gateway is down reach the customer exactly once after they reconnect,
    and the handoff stays assigned."""
    running, _, _ = cluster
    username = f"agent{uuid.uuid4().hex[:8]}"
    agents.create_agent(username, "客服小李", "agent", 3, AGENT_PASSWORD)
    agent = httpx.Client(base_url=running.gateway_url(0), timeout=60)
    agent.headers["X-CSRF-Token"] = agent.post("/api/v1/agents/login", json={
        "username": username, "password": AGENT_PASSWORD}).json()["csrf_token"]
    customer = Customer(running.gateway_url(1))
    customer.say("你好")
    assert customer.say("转人工")["state"] == "handoff"
    socket_url = running.gateway_url(1).replace("http://", "ws://") + f"/api/v1/ws?token={customer.token}"
    with connect(socket_url, open_timeout=30) as socket:
        [handoff] = [h for h in agent.get("/api/v1/handoffs").json()["items"]
                     if h["conversation_id"] == customer.conversation_id]
        assert agent.post(f"/api/v1/handoffs/{handoff['id']}/claim").json()["status"] == "assigned"
        # everything so far, the agent's joining notice included, received before the socket
        # closes: a row still unacknowledged would be (rightly) sent again after the restart
        joined = wording.HANDOFF_AGENT_JOINED.format(agent="客服小李")
        frames_until(socket, {f.text for f in outbox_rows(customer.conversation_id)} | {joined}, timeout_s=30)
        wait_all_acked(customer.conversation_id)  # the last ack is stored before the socket closes
    before = ledger(services_db, customer.conversation_id)
    assert before.open_handoffs == 1

    replies = ["您好，我是客服小李。", "您的问题我已经记下了，稍等。"]
    running.kill("gateway-2")
    try:
        for reply in replies:
            assert agent.post(f"/api/v1/handoffs/{handoff['id']}/reply", json={"text": reply}).status_code == 201
        waiting = on(customer, running.gateway_url(0)).say("还在吗")  # meanwhile, on the other gateway
        assert waiting["state"] == "handoff"
    finally:
        running.restart("gateway-2", timeout_s=180)
    with connect(socket_url, open_timeout=30) as socket:
        frames = frames_until(socket, set(replies))
        assert [(f["kind"], f["author"], f["text"]) for f in frames] == [("agent", "客服小李", t) for t in replies]
        assert_nothing_more(socket)
    assert ledger(services_db, customer.conversation_id) == before.plus(
        customer_messages=1, bot_messages=1, agent_messages=2, outbox=2)  # the handoff still open, once


def wait_all_acked(conversation_id: str, timeout_s: float = 30) -> None:
    """Until every outbox row of the conversation is acknowledged by the client."""
    deadline = time.monotonic() + timeout_s
    while (statuses := {r.status for r in outbox_rows(conversation_id)}) != {outbox.ACKED}:
        assert time.monotonic() < deadline, statuses
        time.sleep(0.1)


def outbox_rows(conversation_id: str) -> list:
    with session_scope() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id)).all()
        session.expunge_all()
        return list(rows)


def test_the_database_away_for_30_s_loses_and_doubles_nothing(cluster, services_db, browser) -> None:
    """PostgreSQL (the services' database and Rasa's tracker store) stopped for 30 s.
    Meanwhile a message over HTTP is answered 503 ``storage_unavailable`` with Retry-After
    and a Chinese message, over the widget's socket with that error frame, and the widget
    in a real browser keeps the text and sends it again by itself.  Once the database is
    back every process works again with nothing restarted, and each message is stored once."""
    running, postgres, _ = cluster
    http = Customer(running.gateway_url(0))
    assert "户号" in Customer.text_of(http.say("我想查一下电费"))
    assert "后4位" in Customer.text_of(http.say(ACCOUNT))
    ws = Customer(running.gateway_url(1))
    ws.say("你好")
    page = browser.new_page()
    page.goto(f"{running.gateway_url(1)}/chat")
    expect(page.locator("#status")).to_be_hidden(timeout=60_000)  # connected (the page's CSP forbids eval'd waits)
    before = {c.conversation_id: ledger(services_db, c.conversation_id, ACCOUNT) for c in (http, ws)}
    socket_url = running.gateway_url(1).replace("http://", "ws://") + f"/api/v1/ws?token={ws.token}"
    with connect(socket_url, open_timeout=30) as socket:
        postgres.halt()
        stopped = time.monotonic()
        try:
            refused = http.client.post("/api/v1/chat", json={"text": LAST4})
            socket.send(json.dumps({"type": "message", "text": "停电了怎么办"}))
            frame = json.loads(socket.recv(timeout=30))
            page.fill("#input", WIDGET_TEXT)
            page.press("#input", "Enter")
            page.wait_for_selector(".row.user .state")  # shown as waiting to be sent again
            waiting_note = page.inner_text(".row.user .state")
            time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
        finally:
            postgres.resume()
    assert refused.status_code == 503 and refused.headers["retry-after"].isdigit(), refused.text
    error = refused.json()["error"]
    assert error["code"] == "storage_unavailable" and "没有发送成功" in error["message_zh"]
    assert "Traceback" not in refused.text and "psycopg" not in refused.text
    assert (frame["type"], frame["code"]) == ("error", "storage_unavailable") and frame["message_zh"] == error["message_zh"]
    assert "重新发送" in waiting_note

    http_answers = [http.say(LAST4)]  # sent again: gateway, Rasa's tracker, services all back
    assert "电费账单" in Customer.text_of(http_answers[0]), http_answers
    http_answers.append(http.say("谢谢"))
    ws_answers = [ws.say("停电了怎么办")]
    assert all(a.get("error") is None for a in http_answers + ws_answers)
    # The widget sent it again by itself and drew the answer.
    expect(page.locator(".row.user .state")).to_have_count(0, timeout=60_000)
    expect(page.locator(".row.bot").first).to_be_visible()
    assert ledger(services_db, http.conversation_id, ACCOUNT) == before[http.conversation_id].plus(
        customer_messages=2, bot_messages=replies_in(http_answers))
    assert ledger(services_db, ws.conversation_id, ACCOUNT) == before[ws.conversation_id].plus(
        customer_messages=1, bot_messages=replies_in(ws_answers))
    shown = page.locator(".row.user .bubble").all_inner_texts()
    assert shown == [WIDGET_TEXT] and stored_texts(WIDGET_TEXT) == 1  # sent again once, stored once
    page.close()


def stored_texts(text: str) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Message).where(Message.text == text))
