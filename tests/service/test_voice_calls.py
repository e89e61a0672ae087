"""A call's state in the services' database (services/voice/calls.py), the summary an
agent gets with a transferred call, and the caller lookup on the billing API: on
SQLite and PostgreSQL."""
from __future__ import annotations


import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.conversations import store
from services.db import Base, engine_for, migrate
from services.errors import Conflict, NotFound
from services.voice import calls
from services.voice.summary import call_summary
from tests.service.test_billing_migration import alembic_config, tables


def test_a_call_keeps_its_state_until_it_ends(db: str) -> None:
    call = calls.start_call("fs-1", "13800005678", "95598", ["3300000001"])
    assert call.conversation_id and not call.ended and call.no_input_count == 0
    with pytest.raises(Conflict):
        calls.start_call("fs-1", "13800005678", "95598", [])
    calls.update_call("fs-1", no_input_count=2, pending_chunks=["第二段。", "第三段。"], last_prompt="第一段。",
                      expect={"mode": "speech"}, requested_slot="account_no")
    again = calls.get_call("fs-1")  # as another gateway process reads it
    assert (again.no_input_count, again.pending_chunks, again.last_prompt, again.requested_slot) == \
        (2, ["第二段。", "第三段。"], "第一段。", "account_no")
    assert again.caller_accounts == ["3300000001"] and again.expect == {"mode": "speech"}
    with pytest.raises(ValueError):
        calls.update_call("fs-1", caller="someone else")

    ended = calls.end_call("fs-1", "hangup")
    assert ended.end_reason == "hangup" and ended.pending_chunks == []
    assert store.conversation_state(call.conversation_id) == store.CLOSED
    assert calls.end_call("fs-1", "no_input").end_reason == "hangup"  # ending twice changes nothing
    with pytest.raises(Conflict):
        calls.get_call("fs-1")
    with pytest.raises(NotFound):
        calls.get_call("never-started")


def test_an_event_id_is_claimed_once(db: str) -> None:
    calls.start_call("fs-4", None, None, [])
    assert calls.claim_event("fs-4", "e1") is True
    assert calls.claim_event("fs-4", "e1") is False  # the retry
    assert calls.claim_event("fs-4", "e2") is True and calls.get_call("fs-4").last_event_id == "e2"
    assert calls.claim_event("no-such-call", "e1") is False
    calls.release_event("fs-4", "e2")  # answering e2 failed: its retry is answered anew
    assert calls.claim_event("fs-4", "e2") is True
    calls.update_call("fs-4", last_reply={"speak": None})
    calls.release_event("fs-4", "e2")  # answered: nothing to give up
    assert calls.claim_event("fs-4", "e2") is False


def test_the_summary_masks_who_calls_and_what_they_keyed(db: str) -> None:
    call = calls.start_call("fs-2", "13800005678", "95598", [])
    inbound = store.record_inbound(call.conversation_id, "我想查电费")
    store.record_replies(call.conversation_id, inbound, ["请说出您的10位户号。"])
    store.record_inbound(call.conversation_id, "3300000001")
    inbound = store.record_inbound(call.conversation_id, "我的手机13800005678为什么欠费")
    store.record_replies(call.conversation_id, inbound, ["好的，正在为您转接人工客服，请稍候。"])
    store.link_account(call.conversation_id, "3300000001")

    summary = call_summary(calls.get_call("fs-2"))
    assert summary == ("来电号码138****5678，已核验户号330****001。客户共说了3句，先说“我想查电费”，"
                       "最后说“我的手机138****5678为什么欠费”。此前机器人答复：“请说出您的10位户号”。")
    anonymous = calls.start_call("fs-3", None, None, [])
    assert call_summary(anonymous) == "来电号码未知，未核验户号。"


def test_accounts_registered_to_a_mobile(client) -> None:
    found = client.post("/billing/accounts/by-mobile", json={"mobile": "13800005678"})
    assert found.status_code == 200 and found.json() == {"account_nos": ["3300000001"]}
    assert client.post("/billing/accounts/by-mobile", json={"mobile": "13000000000"}).json() == {"account_nos": []}
    bad = client.post("/billing/accounts/by-mobile", json={"mobile": "0571-1234"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_mobile"
    assert client.post("/billing/accounts/by-mobile", json={"mobile": 13800005678}).status_code == 422
    client.headers.pop("Authorization")
    assert client.post("/billing/accounts/by-mobile", json={"mobile": "13800005678"}).status_code == 401


def test_the_voice_migration_builds_the_model_and_goes_down_alone(db_url: str) -> None:
    def voice_only(obj, name, type_, reflected, compare_to) -> bool:
        return (name if type_ == "table" else getattr(obj, "table", None) is not None and obj.table.name) == "voice_calls"

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": voice_only})
        assert compare_metadata(context, Base.metadata) == []
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0006_outbox")  # the migrations after it go down too
    assert "voice_calls" not in tables(db_url) and {"conversations", "outbox"} <= tables(db_url)
    migrate(db_url)
    assert "voice_calls" in tables(db_url)
