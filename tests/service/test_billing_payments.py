"""Payments: idempotency, validation, allocation, and real concurrency (threads, real DB)."""
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.billing.models import Account, Payment
from services.billing.payments import record_payment
from services.db import session_scope
from services.errors import Conflict
from tests.dates import is_due, months_ago

BASE = "/billing"
ARREARS, LOW_BALANCE = "3300000001", "3300000002"


def pay(client, account_no, amount, key, channel="wechat"):
    return client.post(f"{BASE}/accounts/{account_no}/payments", json={"amount": amount, "channel": channel},
                       headers={"Idempotency-Key": key})


def payment_count(db_url, key):
    with session_scope(db_url) as session:
        return session.scalar(select(func.count()).select_from(Payment).where(Payment.idempotency_key == key))


def test_same_key_twice_is_one_payment_and_the_same_answer(client, db_url):
    first = pay(client, LOW_BALANCE, "20.00", "key-1")
    second = pay(client, LOW_BALANCE, 20, "key-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.headers["Idempotent-Replayed"] == "false" and second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["balance_after"] == "28.60"  # 8.60 + 20.00
    assert payment_count(db_url, "key-1") == 1
    assert client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()["balance"] == "28.60"
    listed = client.get(f"{BASE}/accounts/{LOW_BALANCE}/payments").json()["payments"]
    assert listed[0] == first.json()


def test_same_key_with_another_body_is_a_conflict(client):
    assert pay(client, LOW_BALANCE, "20.00", "key-2").status_code == 200
    for amount, channel in (("21.00", "wechat"), ("20.00", "alipay")):
        response = pay(client, LOW_BALANCE, amount, "key-2", channel)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "idempotency_key_reused"
    # Keys are scoped per account: another account's payment with the same key is its own.
    other = pay(client, ARREARS, "20.00", "key-2")
    assert other.status_code == 200 and other.headers["Idempotent-Replayed"] == "false"


@pytest.mark.parametrize("amount", ["0", "0.00", "-5", "5000.01", "0.001", "abc", 1e9])
def test_amount_outside_limits_is_a_clear_422(client, amount):
    response = pay(client, LOW_BALANCE, amount, f"bad-{amount}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] in {"amount_out_of_range", "amount_precision", "malformed_amount"}
    assert response.json()["error"]["message_zh"]


def test_amount_limits_are_inclusive(client):
    assert pay(client, LOW_BALANCE, "0.01", "min").json()["balance_after"] == "8.61"
    assert pay(client, LOW_BALANCE, 5000, "max").json()["balance_after"] == "5008.61"


def test_missing_key_unknown_channel_unknown_account(client):
    response = client.post(f"{BASE}/accounts/{LOW_BALANCE}/payments", json={"amount": 10, "channel": "wechat"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "idempotency_key_required"
    assert pay(client, LOW_BALANCE, 10, "k-chan", channel="cash-in-envelope").status_code == 422
    assert pay(client, "3399999999", 10, "k-404").status_code == 404


def test_postpaid_payment_settles_oldest_bill_first(client):
    summary = client.get(f"{BASE}/accounts/{ARREARS}").json()
    oldest, latest = months_ago(2), months_ago(1)
    bill = client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": oldest}).json()["bills"][0]
    due = bill["amount_due"]  # principal + late fee as of today
    answer = pay(client, ARREARS, due, "settle-oldest").json()
    assert answer["applied_to"] == [{"period": oldest, "amount": due}]
    assert answer["balance_after"] == "0.00"
    bill = client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": oldest}).json()["bills"][0]
    assert bill["status"] == "paid" and bill["amount_due"] == "0.00"
    after = client.get(f"{BASE}/accounts/{ARREARS}").json()
    assert after["unpaid_bills"] == summary["unpaid_bills"] - 1
    if not is_due(latest):  # last month's bill falls due on the 25th
        assert after["arrears_total"] == "0.00"
    else:
        assert Decimal(after["arrears_total"]) > 0


def test_postpaid_overpayment_becomes_credit(client):
    unpaid = Decimal(client.get(f"{BASE}/accounts/{ARREARS}").json()["unpaid_total"])
    answer = pay(client, ARREARS, str(unpaid + Decimal("10.00")), "overpay").json()
    assert [a["period"] for a in answer["applied_to"]] == [months_ago(2), months_ago(1)]
    assert sum(Decimal(a["amount"]) for a in answer["applied_to"]) == unpaid
    assert answer["balance_after"] == "10.00"
    assert client.get(f"{BASE}/accounts/{ARREARS}").json()["unpaid_bills"] == 0


def run_in_threads(n, target):
    """Start ``n`` threads that all call ``target(i)`` at the same moment; return results."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results, errors


def test_concurrent_requests_with_one_key_charge_once(db_url):
    def attempt(_i):
        with session_scope(db_url) as session:
            return record_payment(session, LOW_BALANCE, "50.00", "wechat", "race-key")

    results, errors = run_in_threads(8, attempt)
    # While the first is running a request with its key gets 409 (in progress); once it
    # is done, the same answer.  Either way: one payment.
    assert all(isinstance(e, Conflict) and e.code == "idempotency_key_in_progress" for e in errors)
    answers = [r[0] for r in results if r is not None]
    assert answers and all(answer == answers[0] for answer in answers)
    assert sum(1 for r in results if r is not None and not r[1]) == 1
    assert payment_count(db_url, "race-key") == 1
    with session_scope(db_url) as session:
        assert session.get(Account, LOW_BALANCE).balance == Decimal("58.60")


def test_concurrent_http_requests_with_one_key_charge_once(app, db_url):
    from fastapi.testclient import TestClient
    from services.settings import get_settings

    def attempt(_i):
        with TestClient(app) as c:  # one client per thread: real concurrent requests
            c.headers["Authorization"] = f"Bearer {get_settings().service_token}"
            response = pay(c, LOW_BALANCE, "30.00", "http-race", channel="app")
            assert response.status_code in (200, 409), response.text
            return response.json()

    results, errors = run_in_threads(6, attempt)
    assert errors == []
    paid = [r for r in results if "payment_id" in r]
    assert all(r["error"]["code"] == "idempotency_key_in_progress" for r in results if r not in paid)
    assert paid and all(r == paid[0] for r in paid) and paid[0]["balance_after"] == "38.60"
    assert payment_count(db_url, "http-race") == 1


def test_concurrent_payments_with_different_keys_all_count(db_url):
    def attempt(i):
        with session_scope(db_url) as session:
            return record_payment(session, LOW_BALANCE, "10.00", "app", f"many-{i}")

    results, errors = run_in_threads(8, attempt)
    assert errors == []
    with session_scope(db_url) as session:
        assert session.get(Account, LOW_BALANCE).balance == Decimal("88.60")  # 8.60 + 8 x 10
    assert sorted(a["balance_after"] for a, _ in results)[-1] == "88.60"


def test_conflicting_key_raises_in_the_service_layer(db_url):
    with session_scope(db_url) as session:
        record_payment(session, LOW_BALANCE, "10.00", "app", "svc-key")
    with session_scope(db_url) as session, pytest.raises(Conflict):
        record_payment(session, LOW_BALANCE, "11.00", "app", "svc-key")
