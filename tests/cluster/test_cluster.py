"""The cluster (scripts/cluster.py): two gateways, two Rasa servers and two action servers
over one PostgreSQL and one Redis.  A conversation keeps its state whichever processes
its turns land on, a message pushed from one gateway's side reaches a customer connected
to the other exactly once, and a Rasa server or Redis going away mid-conversation loses
nothing.  Everything is real: Debian's PostgreSQL and Redis, Rasa, the action servers."""
from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from websockets.sync.client import connect

from scripts.cluster import Cluster, running_cluster
from scripts.local_servers import PostgresServer, RedisServer, free_port
from services.conversations import store
from services.outbox import store as outbox
from services.settings import REPO_ROOT, get_settings
from tests.stack import Customer, throwaway_settings

pytestmark = pytest.mark.conversation
ACCOUNT, LAST4 = "3300000001", "5678"


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
    running, postgres, _ = cluster
    customer = Customer(running.gateway_url(0))
    assert "户号" in Customer.text_of(customer.say("我想查一下电费"))
    assert "后4位" in Customer.text_of(on(customer, running.gateway_url(1)).say(ACCOUNT))
    running.kill("rasa-1")  # whichever server had the turns so far, the next must be rasa-2
    try:
        bill = Customer.text_of(on(customer, running.gateway_url(0)).say(LAST4))
    finally:
        running.restart("rasa-1", timeout_s=300)
    assert "330****001" in bill and "电费账单" in bill and "用电量" in bill, bill  # the verified bill
    assert tracker_events(postgres, customer.conversation_id) > 0  # the tracker lives in PostgreSQL
    stored = store.history(customer.conversation_id)
    assert [m.text for m in stored if m.direction == "user"] == ["我想查一下电费", ACCOUNT, LAST4]
    assert all(m.status == "answered" for m in stored if m.direction == "user")


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
    redis.restart()
    replies = [customer.say(ACCOUNT)]
    if replies[0].get("error") == "bot_unavailable":  # the lock store reconnecting: an apology, then served
        assert "抱歉" in Customer.text_of(replies[0])
        replies.append(customer.say(ACCOUNT))
    assert "后4位" in Customer.text_of(replies[-1])
    stored = [m for m in store.history(customer.conversation_id) if m.direction == "user"]
    assert len(stored) == 1 + len(replies)  # every message the customer sent is kept
