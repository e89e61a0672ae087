"""The identity check counts wrong answers per account and locks it, longer each time
(SQLite and PostgreSQL, through the HTTP API; concurrency with threads on a real DB)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from services import clock
from services.billing.identity import lock_duration, verify_identity
from services.billing.models import IdentityCheckRow
from services.db import session_scope
from tests.service.test_billing_payments import run_in_threads

BASE = "/billing"
ARREARS, ARREARS_LAST4 = "3300000001", "5678"
LOW_BALANCE, LOW_BALANCE_LAST4 = "3300000002", "1234"
WRONG = ("0000", "1111", "2222")


def answer(client, last4: str, account_no: str = ARREARS) -> dict:
    response = client.post(f"{BASE}/accounts/{account_no}/verify", json={"phone_last4": last4})
    assert response.status_code == 200, response.text
    return response.json()


def lock(client, account_no: str = ARREARS) -> datetime:
    """Three wrong answers; returns the end of the lock they cause."""
    answers = [answer(client, last4, account_no) for last4 in WRONG]
    assert answers[-1]["verified"] is False and answers[-1]["attempts_left"] == 0
    return datetime.fromisoformat(answers[-1]["locked_until"])


def stored(db_url: str, account_no: str = ARREARS) -> tuple | None:
    """(failures, lock_count, locked_until) as stored, or None without a row."""
    with session_scope(db_url) as session:
        row = session.get(IdentityCheckRow, account_no)
        return None if row is None else (row.failures, row.lock_count, row.locked_until)


def test_attempts_left_count_down_and_the_third_wrong_answer_locks(client):
    before = clock.utcnow()
    answers = [answer(client, last4) for last4 in WRONG]
    assert [a["attempts_left"] for a in answers] == [2, 1, 0]
    assert all(a["verified"] is False for a in answers)
    assert [a["locked_until"] is None for a in answers] == [True, True, False]
    until = datetime.fromisoformat(answers[-1]["locked_until"])
    assert until.utcoffset() == timedelta(0)  # ISO-8601 in UTC
    assert before + timedelta(minutes=15) - timedelta(seconds=1) <= until <= clock.utcnow() + timedelta(minutes=15)


def test_right_answer_during_the_lock_is_refused_and_changes_nothing(client, db_url):
    until = lock(client)
    row = stored(db_url)
    refused = answer(client, ARREARS_LAST4)
    assert refused == {"verified": False, "attempts_left": 0, "locked_until": until.isoformat()}
    assert answer(client, "9999") == refused  # a wrong one is refused the same way: nothing to tell apart
    assert stored(db_url) == row and row[:2] == (0, 1)


def test_right_answer_after_the_lock_works_and_resets_everything(client, db_url, move_clock):
    lock(client)
    move_clock(16)
    assert answer(client, ARREARS_LAST4) == {"verified": True, "attempts_left": 3, "locked_until": None}
    assert stored(db_url) == (0, 0, None)


def test_the_second_lock_lasts_twice_as_long(client, move_clock):
    first = lock(client)
    move_clock(16)
    second = lock(client)
    assert second - first >= timedelta(minutes=30)  # 16 minutes later, a 30-minute lock
    move_clock(16 + 16)
    assert answer(client, ARREARS_LAST4)["locked_until"] == second.isoformat()
    move_clock(16 + 31)
    assert answer(client, ARREARS_LAST4)["verified"] is True


def test_a_right_answer_resets_the_failure_count(client):
    assert answer(client, "0000")["attempts_left"] == 2
    assert answer(client, "1111")["attempts_left"] == 1
    assert answer(client, ARREARS_LAST4) == {"verified": True, "attempts_left": 3, "locked_until": None}
    assert answer(client, "2222")["attempts_left"] == 2


def test_malformed_digits_count_nothing_and_each_account_has_its_own_count(client):
    response = client.post(f"{BASE}/accounts/{ARREARS}/verify", json={"phone_last4": "56a8"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_phone_last4"
    unknown = client.post(f"{BASE}/accounts/3399999999/verify", json={"phone_last4": "0000"})
    assert unknown.status_code == 200 and unknown.json()["verified"] is False  # no oracle: like a wrong answer
    lock(client)
    assert answer(client, LOW_BALANCE_LAST4, LOW_BALANCE)["verified"] is True


def test_account_summary_shows_the_lock_while_it_holds(client, db_url, move_clock):
    summary = f"{BASE}/accounts/{ARREARS}"
    assert client.get(summary).json()["identity_locked_until"] is None
    assert stored(db_url) is None  # reading the summary creates no row
    until = lock(client)
    assert client.get(summary).json()["identity_locked_until"] == until.isoformat()
    move_clock(16)
    assert client.get(summary).json()["identity_locked_until"] is None


@pytest.mark.parametrize("earlier_failures", [0, 1], ids=["first-check", "row-exists"])
def test_parallel_wrong_answers_cannot_slip_past_the_limit(db_url, earlier_failures):
    def attempt(_i):
        with session_scope(db_url) as session:
            return verify_identity(session, ARREARS, "0000")

    for _ in range(earlier_failures):
        attempt(0)
    results, errors = run_in_threads(8, attempt)
    assert errors == []
    counted = list(range(2 - earlier_failures, 0, -1))  # attempts left after each counted answer
    assert sorted(r.attempts_left for r in results) == [0] * (8 - len(counted)) + sorted(counted)
    assert len({r.locked_until for r in results if r.attempts_left == 0}) == 1  # one lock, seen by all
    failures, lock_count, locked_until = stored(db_url)
    assert (failures, lock_count) == (0, 1) and locked_until is not None  # 3 counted, one lock
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(IdentityCheckRow)) == 1


def test_lock_duration_doubles_up_to_a_day():
    assert [lock_duration(n, 15.0) for n in range(3)] == [timedelta(minutes=m) for m in (15, 30, 60)]
    assert lock_duration(7, 15.0) == lock_duration(10_000, 15.0) == timedelta(hours=24)


def test_an_unknown_account_is_counted_and_locked_like_a_known_one(client):
    unknown, known = "3399999999", ARREARS
    for account_no in (unknown, known):
        answers = [answer(client, "0000", account_no) for _ in range(4)]
        assert [a["attempts_left"] for a in answers] == [2, 1, 0, 0]
        assert answers[2]["locked_until"] and answers[3]["locked_until"] == answers[2]["locked_until"]


def test_identity_checks_are_rate_limited_per_account_and_per_client(client, monkeypatch):
    from services.settings import get_settings

    monkeypatch.setattr(get_settings(), "identity_checks_per_account_per_hour", 2)
    monkeypatch.setattr(get_settings(), "identity_failures_per_client_per_hour", 3)
    assert answer(client, "0000", LOW_BALANCE)["attempts_left"] == 2
    assert answer(client, "0000", LOW_BALANCE)["attempts_left"] == 1
    refused = client.post(f"{BASE}/accounts/{LOW_BALANCE}/verify", json={"phone_last4": LOW_BALANCE_LAST4})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "identity_rate_limited"
    assert "分钟后再试" in refused.json()["error"]["message_zh"]
    # One client spraying wrong answers over many accounts is stopped after its third.
    headers = {"X-PowerDesk-Client": "ip:attacker"}
    statuses = [client.post(f"{BASE}/accounts/33000000{n:02d}/verify", json={"phone_last4": "0000"},
                            headers=headers).status_code for n in range(10, 15)]
    assert statuses == [200, 200, 200, 429, 429]
    other = client.post(f"{BASE}/accounts/3300000015/verify", json={"phone_last4": "0000"},
                        headers={"X-PowerDesk-Client": "ip:someone-else"})
    assert other.status_code == 200
