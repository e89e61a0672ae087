"""Property-based tests of the billing API on the services' port (SQLite and PostgreSQL):
SQL meta-characters and path tricks in 户号 and months, NaN/Infinity/huge/over-precise
amounts and odd idempotency keys never give a 5xx, a leak, or money taken wrongly."""
from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.service.test_fuzz_gateway import LEAKS

FUZZ = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BASE = "/billing"
LOW_BALANCE = "3300000002"

ACCOUNT = st.one_of(st.text(max_size=20), st.sampled_from([
    "3300000001'--", "3300000001 OR 1=1", "3300000001\n", "330000000１", "..", "%2e%2e", "3300000001/../3300000002",
    "3300000001%00", "\\x00", "' UNION SELECT mobile FROM customers --", "9" * 400,
]))
MONTH = st.one_of(st.text(max_size=10), st.sampled_from(["0000-01", "9999-12", "2026-00", "2026-13", "2026-1", "-1-01",
                                                         "2026-01'--", "２０２６-０１"]))


def assert_clean(response, allowed=(200, 404, 409, 422)) -> None:
    assert response.status_code in allowed, response.text
    assert not any(leak in response.text for leak in LEAKS), response.text[:300]
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"] and error["message_zh"]


@FUZZ
@given(account_no=ACCOUNT, month=MONTH)
def test_account_and_month_tricks_are_refused_cleanly(readonly_client, account_no: str, month: str):
    path = quote(account_no.encode("utf-8", "surrogatepass"), safe="")
    assert_clean(readonly_client.get(f"{BASE}/accounts/{path}"))
    assert_clean(readonly_client.get(f"{BASE}/accounts/{path}/bills", params={"month": month.encode("utf-8", "surrogatepass")}))
    assert_clean(readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate",
                                     params={"kwh": 100, "month": month.encode("utf-8", "surrogatepass")}))


AMOUNT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**30, max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str), st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(max_size=12), st.sampled_from(["NaN", "Infinity", "-0", "1e3", "0x10", "１００", "١٠٠", "1 00", "100.001"]),
    st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
)


@FUZZ
@given(amount=AMOUNT, key=st.text(min_size=0, max_size=200))
def test_amounts_and_keys_never_take_money_wrongly(client, amount, key: str):
    before = Decimal(client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()["balance"])
    body = json.dumps({"amount": amount, "channel": "app"}, allow_nan=True, default=str)
    response = client.post(f"{BASE}/accounts/{LOW_BALANCE}/payments", content=body,
                           headers={"content-type": "application/json",
                                    "Idempotency-Key": key.encode("utf-8", "surrogatepass")})
    assert_clean(response)
    after = Decimal(client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()["balance"])
    if response.status_code == 200:
        paid = Decimal(response.json()["amount"])
        assert Decimal("0.01") <= paid <= Decimal("5000") and paid == paid.quantize(Decimal("0.01"))
        assert after - before in (paid, Decimal(0))  # a replay takes nothing more
    else:
        assert after == before
