"""WeChat pushes processed once (services/wechat/store.py) and the outbox claim that
keeps two gateway processes from sending one message twice, on SQLite and PostgreSQL."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from services import clock
from services.conversations import store as conversations
from services.db import Base, engine_for, migrate, session_scope
from services.outbox import store as outbox
from services.outbox.models import OutboxMessage
from services.settings import get_settings
from services.wechat import store as pushes
from tests.service.test_billing_migration import alembic_config, tables


def test_a_push_is_claimed_once_even_when_retries_race(db: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        claims = list(pool.map(lambda _: pushes.claim("24000000000000001", "oUser1"), range(4)))
    assert sorted(claims) == [False, False, False, True]
    assert pushes.outcome("24000000000000001") == pushes.Outcome(pushes.RUNNING, None, None)
    assert pushes.outcome("no-such-push") is None


def test_a_reply_ready_in_time_is_passive_for_the_push_and_its_retries(db: str) -> None:
    pushes.claim("k1", "oUser1")
    assert pushes.finish("k1", "您好，请问有什么可以帮您？") == pushes.PASSIVE
    assert pushes.hand_to_outbox("k1") is False  # decided once
    assert pushes.outcome("k1") == pushes.Outcome(pushes.DONE, pushes.PASSIVE, "您好，请问有什么可以帮您？")


def test_a_late_reply_goes_through_the_outbox(db: str) -> None:
    pushes.claim("k2", "oUser1")
    assert pushes.hand_to_outbox("k2") is True
    assert pushes.hand_to_outbox("k2") is False
    assert pushes.finish("k2", "您的电费是125.50元。") == pushes.OUTBOX
    assert pushes.outcome("k2") == pushes.Outcome(pushes.DONE, pushes.OUTBOX, "您的电费是125.50元。")


def test_only_a_claim_abandoned_mid_answer_is_taken_over_by_a_retry(db: str, move_clock) -> None:
    pushes.claim("k5", "oUser1")  # a gateway claims it, then dies before deciding
    pushes.claim("k6", "oUser1")
    pushes.finish("k6", "已为您查询。")  # answered in time
    assert pushes.reclaim_abandoned("k5") is False  # young: its gateway may still answer
    move_clock(pushes.ABANDONED_AFTER_S / 60 + 0.1)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert sorted(pool.map(lambda _: pushes.reclaim_abandoned("k5"), range(3))) == [False, False, True]
    assert pushes.reclaim_abandoned("k6") is False  # decided: never taken over


def test_the_window_starts_at_the_users_last_push(db: str, move_clock) -> None:
    assert pushes.last_push_at("oUser9") is None
    pushes.claim("k3", "oUser9")
    first = pushes.last_push_at("oUser9")
    move_clock(60)
    pushes.claim("k4", "oUser9")
    later = pushes.last_push_at("oUser9")
    assert later - first >= timedelta(minutes=59) and later.tzinfo is not None
    assert abs(later - clock.utcnow()) < timedelta(seconds=5)


def test_an_outbox_message_is_claimed_by_one_process_and_expiry_is_final(db: str) -> None:
    conversation = conversations.open_conversation("wechat", "oUser1")
    message_id = outbox.enqueue(conversation.id, "您的电费是125.50元。", "bot")
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert sorted(pool.map(lambda _: outbox.claim(message_id), range(3))) == [False, False, True]
    assert [m.id for m in outbox.due()] == []  # held while one process delivers it
    outbox.release(message_id)
    assert [m.id for m in outbox.due()] == [message_id]
    outbox.mark_expired(message_id, "outside WeChat's 48-hour customer-service window")
    with session_scope() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
        assert (row.status, row.last_error) == ("expired", "outside WeChat's 48-hour customer-service window")
    assert outbox.due() == [] and outbox.claim(message_id) is False


def test_the_migration_goes_down_and_up_and_matches_the_model(db_url: str) -> None:
    assert "wechat_pushes" in tables(db_url)
    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0006_outbox")
    assert "wechat_pushes" not in tables(db_url) and "outbox" in tables(db_url)
    migrate(db_url)
    assert "wechat_pushes" in tables(db_url)

    def wechat_only(obj, name, type_, reflected, compare_to) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table == "wechat_pushes"

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": wechat_only})
        assert compare_metadata(context, Base.metadata) == []


def test_pushes_older_than_the_retention_are_pruned_as_new_ones_arrive(db: str, move_clock, monkeypatch) -> None:
    monkeypatch.setattr(pushes, "PRUNE_EVERY", 1)  # prune on every claim (200 in production)
    pushes.claim("old-1", "oUserOld")
    pushes.claim("old-2", "oUserKept")
    pushes.finish("old-2", "已为您查询。")
    move_clock(71 * 60)  # the default keeps 72 h
    pushes.claim("new-1", "oUserKept")
    assert pushes.outcome("old-1") is not None and pushes.outcome("old-2") is not None
    move_clock(72 * 60 + 1)
    pushes.claim("new-2", "oUserNew")  # the claim prunes what is older than 72 h
    assert pushes.outcome("old-1") is None and pushes.outcome("old-2") is None
    assert pushes.outcome("new-1") is not None and pushes.outcome("new-2") is not None
    assert pushes.last_push_at("oUserOld") is None  # outside the 48-hour window either way
    assert clock.utcnow() - pushes.last_push_at("oUserKept") < timedelta(hours=2)


def test_the_retention_is_a_setting_but_never_shorter_than_the_48_hour_window(db: str, move_clock,
                                                                                monkeypatch) -> None:
    monkeypatch.setenv("POWERDESK_WECHAT_PUSH_KEEP_H", "1")  # too short: users inside the window would be refused
    get_settings.cache_clear()
    try:
        assert pushes.kept_for() == pushes.CUSTOMER_SERVICE_WINDOW
        pushes.claim("k-window", "oUserW")
        move_clock(47 * 60)
        assert pushes.prune() == 0 and pushes.last_push_at("oUserW") is not None
        move_clock(48 * 60 + 1)
        assert pushes.prune() == 1 and pushes.last_push_at("oUserW") is None
        monkeypatch.setenv("POWERDESK_WECHAT_PUSH_KEEP_H", "240")
        get_settings.cache_clear()
        assert pushes.kept_for() == timedelta(hours=240)
    finally:
        get_settings.cache_clear()
