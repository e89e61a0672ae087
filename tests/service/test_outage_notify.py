"""Restoration notices (services/outage/notify.py) and the account's contact offered in the
outage form (contact.py), through the outage API on SQLite and PostgreSQL: a subscription
is stored once with the conversation's channel, the operator's "power is back" enqueues
one outbox notice per subscription and never a second, and the migration builds the table
the model describes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import select

from services import clock
from services.billing.models import Account, Customer
from services.conversations.models import Conversation
from services.db import Base, engine_for, migrate, session_scope
from services.outage.models import RestoreNotice
from services.outbox.models import OutboxMessage
from tests.service.test_billing_migration import alembic_config, tables

BASE = "/outage"
COVERED_NOW, FAULT, UNCOVERED = "3300000001", "3300000003", "1100000001"
MOBILE = "13812345678"


@pytest.fixture
def client(outage_client: TestClient) -> TestClient:
    """The outage routes on the test's fresh database (tests/service/conftest.py)."""
    return outage_client


def conversation(db_url: str, channel: str = "web", user: str = "widget-user-1") -> str:
    """A conversation as the gateway opens one (its id is what Rasa's sender id is)."""
    with session_scope(db_url) as session:
        row = Conversation(id=f"conv-{channel}-{user}", channel=channel, channel_user_id=user, state="bot",
                           created_at=clock.utcnow(), last_activity_at=clock.utcnow())
        session.add(row)
        return row.id


def notices(db_url: str) -> list[RestoreNotice]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(RestoreNotice).order_by(RestoreNotice.id)).all()
        session.expunge_all()
        return rows


def outbox_for(db_url: str, conversation_id: str) -> list[OutboxMessage]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id)).all()
        session.expunge_all()
        return rows


def covered_by(client: TestClient, address: str) -> dict:
    return client.get(f"{BASE}/reports/check", params={"address": address, "kind": "area"}).json()


def test_a_subscription_is_stored_once_with_the_conversations_channel(client, db_url, demo):
    conversation_id = conversation(db_url, channel="wechat", user="openid-abc")
    planned_id = covered_by(client, demo[COVERED_NOW])["planned_outage"]["id"]
    body = {"conversation_id": conversation_id, "planned_outage_id": planned_id, "contact_mobile": MOBILE}
    first = client.post(f"{BASE}/restore-notices", json=body)
    again = client.post(f"{BASE}/restore-notices", json=body)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json() == {"id": first.json()["id"], "conversation_id": conversation_id, "channel": "wechat",
                            "subject": planned_id, "contact_mobile": "138****5678", "notified": False}
    [row] = notices(db_url)
    assert (row.channel, row.channel_user_id, row.contact_masked) == ("wechat", "openid-abc", "138****5678")
    assert row.planned_outage_id is not None and row.ticket_id is None and row.notified_at is None


def test_ending_the_planned_outage_enqueues_one_notice_per_subscription_once(client, db_url, demo):
    planned = covered_by(client, demo[COVERED_NOW])["planned_outage"]
    web, wechat = conversation(db_url, "web", "w1"), conversation(db_url, "wechat", "o1")
    for conversation_id in (web, wechat):
        client.post(f"{BASE}/restore-notices", json={"conversation_id": conversation_id,
                                                      "planned_outage_id": planned["id"]})
    ended = client.post(f"{BASE}/planned/{planned['id']}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert client.post(f"{BASE}/planned/{planned['id']}/end").status_code == 200  # said twice
    for conversation_id, channel in ((web, "web"), (wechat, "wechat")):
        [message] = outbox_for(db_url, conversation_id)
        assert message.kind == "notice" and message.channel == channel
        assert "供电已恢复" in message.text and planned["reason"] in message.text
    assert all(n.notified_at is not None and n.outbox_message_id for n in notices(db_url))
    # power is back: nothing left to wait for, and no longer a cover for a report
    late = client.post(f"{BASE}/restore-notices", json={"conversation_id": web, "planned_outage_id": planned["id"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "power_restored"
    assert covered_by(client, demo[COVERED_NOW])["case"] != "planned_outage"


def test_a_fault_restored_by_the_crew_notifies_its_subscribers(client, db_url, demo):
    fault = covered_by(client, demo[FAULT])["fault"]
    conversation_id = conversation(db_url)
    client.post(f"{BASE}/restore-notices", json={"conversation_id": conversation_id, "ticket_id": fault["id"]})
    assert client.post(f"{BASE}/tickets/{fault['id']}/status", json={"status": "on_site"}).status_code == 200
    assert outbox_for(db_url, conversation_id) == []  # on site is not restored
    restored = client.post(f"{BASE}/tickets/{fault['id']}/status", json={"status": "restored", "note": "已修复"})
    assert restored.status_code == 200
    [message] = outbox_for(db_url, conversation_id)
    assert fault["area"] in message.text and "已经修复" in message.text


def test_an_upcoming_outage_cannot_be_ended_and_bad_subscriptions_are_4xx(client, db_url, demo):
    day = clock.today() + timedelta(days=3)
    upcoming = client.post(f"{BASE}/planned", json={
        "area": "杭州市滨江区", "streets": [{"street": "浦沿路"}], "starts_at": f"{day}T08:00:00",
        "ends_at": f"{day}T16:00:00", "reason": "10千伏线路检修"}).json()
    assert client.post(f"{BASE}/planned/{upcoming['id']}/end").status_code == 409
    conversation_id = conversation(db_url)
    both = {"conversation_id": conversation_id, "planned_outage_id": upcoming["id"], "ticket_id": "QX20261123-0001"}
    assert client.post(f"{BASE}/restore-notices", json=both).status_code == 422
    assert client.post(f"{BASE}/restore-notices", json={"conversation_id": conversation_id}).status_code == 422
    unknown = {"conversation_id": "no-such-conversation", "planned_outage_id": upcoming["id"]}
    assert client.post(f"{BASE}/restore-notices", json=unknown).status_code == 404
    missing = {"conversation_id": conversation_id, "planned_outage_id": "JH20000101-0001"}
    assert client.post(f"{BASE}/restore-notices", json=missing).status_code == 404
    assert notices(db_url) == []


def test_the_accounts_contact_is_offered_masked_and_a_report_can_take_its_mobile(client, db_url, demo):
    with session_scope(db_url) as session:
        address, mobile = session.execute(select(Customer.address, Customer.mobile).join(
            Account, Account.customer_id == Customer.id).where(Account.account_no == UNCOVERED)).one()
    offered = client.get(f"{BASE}/accounts/{UNCOVERED}/contact").json()
    assert offered["address"] == address and offered["mobile_last4"] == mobile[-4:]
    assert mobile not in offered["mobile"] and offered["mobile"].endswith(mobile[-4:])
    assert client.get(f"{BASE}/accounts/0000000000/contact").status_code == 404
    assert client.get(f"{BASE}/accounts/12ab/contact").status_code == 422
    report = {"address": demo[UNCOVERED], "kind": "household", "conversation_id": "api-contact",
              "account_no": UNCOVERED, "contact_from_account": True}
    created = client.post(f"{BASE}/reports", json=report)
    assert created.status_code == 201 and created.json()["ticket"]["contact_mobile"] == offered["mobile"]
    no_contact = {**report, "contact_from_account": False, "conversation_id": "api-contact-2"}
    assert client.post(f"{BASE}/reports", json=no_contact).status_code == 422


def test_migration_0011_builds_the_table_the_model_describes_and_goes_down_cleanly(db_url):
    def notices_only(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table == "outage_restore_notices"

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": notices_only})
        assert compare_metadata(context, Base.metadata) == []
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0010_voice")
    assert "outage_restore_notices" not in tables(db_url)
    migrate(db_url)
    assert "outage_restore_notices" in tables(db_url)
