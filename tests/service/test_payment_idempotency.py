"""Idempotency keys as Stripe keeps them (services/billing/payments.py), on SQLite and
PostgreSQL: per account, for 24 hours, 409 while the first request is still running, an
abandoned reservation taken over, and amounts only in ASCII digits."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services import clock
from services.billing import payments
from services.billing.models import Account, IdempotencyKeyRow, Payment
from services.billing.payments import KEY_LIFETIME, RUNNING_TIMEOUT, record_payment
from services.db import session_scope
from services.errors import Conflict, Invalid

ARREARS, LOW_BALANCE = "3300000001", "3300000002"


def pay(db_url: str, key: str, amount: str = "10.00", account_no: str = LOW_BALANCE) -> tuple[dict, bool]:
    with session_scope(db_url) as session:
        return record_payment(session, account_no, amount, "app", key)


def count(db_url: str, key: str) -> int:
    with session_scope(db_url) as session:
        return session.scalar(select(func.count()).select_from(Payment).where(Payment.idempotency_key == key))


def balance(db_url: str, account_no: str = LOW_BALANCE) -> Decimal:
    with session_scope(db_url) as session:
        return session.get(Account, account_no).balance


def test_a_key_is_kept_24_hours_then_forgotten(db_url, move_clock):
    first, _ = pay(db_url, "daily")
    move_clock(KEY_LIFETIME.total_seconds() / 60 - 1)
    assert pay(db_url, "daily") == (first, True)
    move_clock(KEY_LIFETIME.total_seconds() / 60 + 1)
    again, replayed = pay(db_url, "daily")
    assert not replayed and again["payment_id"] != first["payment_id"]
    assert count(db_url, "daily") == 2 and balance(db_url) == Decimal("28.60")


def test_keys_are_scoped_per_account(db_url):
    low, _ = pay(db_url, "shared-key", account_no=LOW_BALANCE)
    arrears, replayed = pay(db_url, "shared-key", account_no=ARREARS)
    assert not replayed and arrears["payment_id"] != low["payment_id"]


def running_reservation(db_url: str, key: str, amount: str = "10.00", age: timedelta = timedelta(0)) -> None:
    """What a request in flight leaves behind: its reservation, no payment yet."""
    request = payments.check_payment_request(LOW_BALANCE, amount, "app", key)
    now = clock.utcnow() - age
    with session_scope(db_url) as session:
        session.add(IdempotencyKeyRow(account_no=LOW_BALANCE, key=key, request_hash=request.fingerprint(),
                                      owner="someone-else", state="running", created_at=now,
                                      expires_at=now + KEY_LIFETIME))


def test_a_second_request_while_the_first_runs_is_a_409(db_url):
    running_reservation(db_url, "in-flight")
    with pytest.raises(Conflict) as conflict:
        pay(db_url, "in-flight")
    assert conflict.value.code == "idempotency_key_in_progress" and "处理中" in conflict.value.message_zh
    assert count(db_url, "in-flight") == 0


def test_a_reservation_abandoned_by_a_dead_request_is_taken_over(db_url):
    running_reservation(db_url, "abandoned", age=RUNNING_TIMEOUT + timedelta(seconds=1))
    answer, replayed = pay(db_url, "abandoned")
    assert not replayed and count(db_url, "abandoned") == 1
    assert pay(db_url, "abandoned") == (answer, True)


def test_a_request_whose_reservation_was_taken_over_commits_nothing(db_url, monkeypatch):
    """The slow request pays only if it still owns the reservation when it commits."""
    real_take = payments._take_payment

    def slow_take(session, request, owner, today):
        with session_scope(db_url) as other:  # meanwhile another request took the key over
            other.query(IdempotencyKeyRow).filter_by(key=request.idempotency_key).update({"owner": "the-other"})
        return real_take(session, request, owner, today)

    monkeypatch.setattr(payments, "_take_payment", slow_take)
    with pytest.raises(Conflict):
        pay(db_url, "taken-over")
    assert count(db_url, "taken-over") == 0 and balance(db_url) == Decimal("8.60")


def test_a_failed_payment_frees_its_key(db_url, monkeypatch):
    def failing_take(*_args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(payments, "_take_payment", failing_take)
    with pytest.raises(RuntimeError):
        pay(db_url, "retry-me")
    monkeypatch.undo()
    answer, replayed = pay(db_url, "retry-me")
    assert not replayed and answer["balance_after"] == "18.60"


def test_threads_racing_on_one_key_charge_once(db_url):
    barrier, outcomes = threading.Barrier(6), []

    def attempt():
        barrier.wait()
        try:
            outcomes.append(pay(db_url, "thread-race", "25.00"))
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    answers = [o for o in outcomes if isinstance(o, tuple)]
    assert len(outcomes) == 6 and set(o for o in outcomes if isinstance(o, str)) <= {"idempotency_key_in_progress"}
    assert sum(not replayed for _, replayed in answers) == 1
    assert count(db_url, "thread-race") == 1 and balance(db_url) == Decimal("33.60")


@pytest.mark.parametrize("amount", ["１００", "١٠٠", " 100", "100 ", "1 00", "100\n", "1e2", "+100", "100.", ".5",
                                    "NaN", "Infinity", "０.５"])
def test_amounts_not_in_ascii_digits_are_refused(db_url, amount):
    with pytest.raises(Invalid) as invalid:
        pay(db_url, f"text-{amount!r}", amount)
    assert invalid.value.code == "malformed_amount" and "阿拉伯数字" in invalid.value.message_zh
    assert balance(db_url) == Decimal("8.60")


@pytest.mark.parametrize(("amount", "code"), [(float("nan"), "amount_out_of_range"), (float("inf"), "amount_out_of_range"),
                                              (1e308, "amount_out_of_range"), (100.001, "amount_precision"),
                                              ("100.123456789", "amount_precision"), (True, "amount_out_of_range")])
def test_numbers_that_are_no_amount_are_refused(db_url, amount, code):
    with pytest.raises(Invalid) as invalid:
        pay(db_url, f"num-{amount!r}", amount)
    assert invalid.value.code == code


def test_the_channel_error_lists_the_payment_channels(db_url):
    with session_scope(db_url) as session, pytest.raises(Invalid) as invalid:
        record_payment(session, LOW_BALANCE, "10.00", "web", "channel-key")
    assert invalid.value.code == "unknown_payment_channel"
    assert "支付宝" in invalid.value.message_zh and "web" not in invalid.value.message
