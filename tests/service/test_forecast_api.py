"""The forecast route on a seeded database (SQLite and PostgreSQL), checked against the
billing API's own bills and the tariff engine."""
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from services import clock, months
from services.billing.models import Account, Customer, MeterReading
from services.billing.tariff import Usage, compute_bill, find_plan
from services.db import session_scope
from services.forecasting import service
from services.forecasting.api import router
from services.forecasting.cache import forecasts
from tests.dates import months_ago
from tests.service.conftest import authorized_client, make_app

BASE, BILLING = "/forecast", "/billing"  # where the services process mounts them
DEMO = ["3300000001", "3300000002", "3300000003", "1100000001"]
FIELDS = {"account_no", "month", "kwh", "kwh_low", "kwh_high", "amount", "amount_low", "amount_high", "method",
          "history_months", "compared_to_last_year", "saving_tip"}


def _client(db_url: str) -> Iterator[TestClient]:
    app = make_app(db_url)  # billing, and the session override the forecast route shares
    app.include_router(router, prefix=BASE)
    yield from authorized_client(app)


@pytest.fixture(scope="session")
def reader(shared_db_url: str) -> Iterator[TestClient]:
    yield from _client(shared_db_url)


@pytest.fixture
def writer(db_url: str) -> Iterator[TestClient]:
    yield from _client(db_url)


def bills(client: TestClient, account_no: str) -> dict[str, dict]:
    """The account's 24 seeded bills by month, from the billing API."""
    return {m: client.get(f"{BILLING}/accounts/{account_no}/bills", params={"month": m}).json()["bills"][0]
            for m in (months_ago(n) for n in range(24, 0, -1))}


def engine_bill(plan_code: str, history: dict[str, dict], month: str, kwh: int, used_before: int) -> Decimal:
    """The tariff engine's bill for ``kwh``, split like the account's last 12 months."""
    plan = find_plan(plan_code)
    usage = Usage(flat=kwh)
    if plan.time_of_use:
        last_year = list(history.values())[-12:]
        peak = sum(b["kwh"]["peak"] for b in last_year)
        share = Decimal(peak) / sum(b["kwh"]["peak"] + b["kwh"]["valley"] for b in last_year)
        peak_kwh = int((share * kwh).to_integral_value(ROUND_HALF_UP))
        usage = Usage(peak=peak_kwh, valley=kwh - peak_kwh)
    return compute_bill(plan, usage, used_before).total


@pytest.mark.parametrize("account_no", DEMO)
def test_each_demo_account_gets_a_forecast_billed_by_the_tariff_engine(reader, account_no):
    response = reader.get(f"{BASE}/{account_no}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS and body["account_no"] == account_no
    assert body["month"] == months_ago(0)  # the next bill's period: this month
    assert body["method"] == "harmonic_regression" and body["history_months"] == 24
    assert body["kwh_low"] <= body["kwh"] <= body["kwh_high"]
    assert Decimal(body["amount_low"]) <= Decimal(body["amount"]) <= Decimal(body["amount_high"])
    plan = reader.get(f"{BILLING}/accounts/{account_no}").json()["tariff_plan"]["code"]
    history = bills(reader, account_no)
    used_before = sum(history[m]["kwh_total"] for m in find_plan(plan).months_before_in_cycle(body["month"])
                      if m in history)
    for kwh, amount in (("kwh", "amount"), ("kwh_low", "amount_low"), ("kwh_high", "amount_high")):
        assert Decimal(body[amount]) == engine_bill(plan, history, body["month"], body[kwh], used_before)


@pytest.mark.parametrize("account_no", DEMO)
def test_the_comparison_is_with_the_same_month_last_year(reader, account_no):
    body = reader.get(f"{BASE}/{account_no}").json()
    last_year = bills(reader, account_no)[months_ago(12)]
    compared = body["compared_to_last_year"]
    assert compared["month"] == months_ago(12)
    assert (compared["kwh"], compared["amount"]) == (last_year["kwh_total"], last_year["total_amount"])
    change = (Decimal(body["kwh"]) - last_year["kwh_total"]) * 100 / last_year["kwh_total"]
    assert compared["kwh_change_percent"] == float(change.quantize(Decimal("0.1")))


def test_a_flat_annual_account_matches_the_estimate_route(reader):
    body = reader.get(f"{BASE}/3300000001").json()
    params = {"kwh": body["kwh"], "month": body["month"], "account_no": "3300000001"}
    estimate = reader.get(f"{BILLING}/tariffs/zhejiang/estimate", params=params).json()
    assert estimate["total_amount"] == body["amount"]


def test_the_annual_tier_tip_counts_the_tier_year_so_far(reader):
    body = reader.get(f"{BASE}/3300000001").json()
    tip = body["saving_tip"]
    history = bills(reader, "3300000001")
    used = sum(history[m]["kwh_total"] for m in find_plan("zhejiang-annual").months_before_in_cycle(body["month"]))
    assert tip["kind"] == "annual_tier" and tip["used_before_kwh"] == used
    assert tip["kwh_to_next_tier"] == tip["next_tier_from_kwh"] - 1 - used > 0
    assert tip["forecast_reaches_next_tier"] is (used + body["kwh"] >= tip["next_tier_from_kwh"])


def test_the_time_of_use_tip_sums_the_last_twelve_bills(reader):
    tip = reader.get(f"{BASE}/3300000003").json()["saving_tip"]
    history = bills(reader, "3300000003")
    last_year = [history[months_ago(n)] for n in range(12, 0, -1)]
    assert tip["kind"] == "time_of_use" and tip["compared_plan"] == "zhejiang-annual"
    assert Decimal(tip["amount_with_time_of_use"]) == sum(Decimal(b["total_amount"]) for b in last_year)
    assert tip["valley_kwh"] == sum(b["kwh"]["valley"] for b in last_year)
    assert Decimal(tip["saving_with_time_of_use"]) == (Decimal(tip["amount_without_time_of_use"])
                                                        - Decimal(tip["amount_with_time_of_use"]))


def test_monthly_tiers_without_a_split_get_no_tip(reader):
    assert reader.get(f"{BASE}/1100000001").json()["saving_tip"] is None


def test_the_second_ask_comes_from_the_cache(reader, monkeypatch):
    forecasts.clear()
    first = reader.get(f"{BASE}/3300000002").json()

    def refuse(*_args, **_kwargs):
        raise AssertionError("the model was fitted again")

    monkeypatch.setattr(service.model, "forecast", refuse)
    assert reader.get(f"{BASE}/3300000002").json() == first
    assert (forecasts.hits, forecasts.misses) == (1, 1)


def test_unknown_malformed_and_unauthorized(reader):
    response = reader.get(f"{BASE}/3399999999")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "account_not_found" and error["message"] == "No account 339****999" and error["message_zh"]  # masked (PII)
    for bad in ("12345", "33000000ab", "33000000012"):
        response = reader.get(f"{BASE}/{bad}")
        assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_account_no"
    assert reader.get(f"{BASE}/3300000001", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_a_months_later_clock_forecasts_the_bill_it_reaches(reader, move_clock):
    move_clock(70 * 24 * 60)  # 70 days on: two months or more with no reading yet
    body = reader.get(f"{BASE}/3300000001").json()
    assert body["month"] == months.month_of(clock.today())
    tip = body["saving_tip"]  # its used_before_kwh counts the unread months at their forecast
    plan = find_plan("zhejiang-annual")
    assert Decimal(body["amount"]) == compute_bill(plan, body["kwh"], tip["used_before_kwh"]).total
    assert body["kwh_low"] <= body["kwh"] <= body["kwh_high"]


def test_an_account_without_readings_has_no_forecast(writer, db_url):
    with session_scope(db_url) as session:
        customer = Customer(name="新户", mobile="13500000000", id_number_masked="330***********0000",
                            address="浙江省杭州市西湖区文三路1号", segment="居民")
        session.add(customer)
        session.flush()
        session.add(Account(account_no="3300009999", customer_id=customer.id, province="zhejiang",
                            tariff_plan="zhejiang-annual", billing_mode="postpaid", opened_on=date(2026, 1, 1)))
    response = writer.get(f"{BASE}/3300009999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_usage_history"


def test_a_changed_reading_is_forecast_afresh(writer, db_url, monkeypatch):
    calls = []
    fit = service.model.forecast

    def counted(*args, **kwargs):
        calls.append(args)
        return fit(*args, **kwargs)

    monkeypatch.setattr(service.model, "forecast", counted)
    before = writer.get(f"{BASE}/3300000002").json()
    fitted = len(calls)  # 0 if an earlier test left this history's forecast in the cache
    with session_scope(db_url) as session:
        session.execute(update(MeterReading).where(MeterReading.account_no == "3300000002",
                                                   MeterReading.period == months_ago(1))
                        .values(flat_kwh=MeterReading.flat_kwh * 3))
    after = writer.get(f"{BASE}/3300000002").json()
    assert len(calls) == fitted + 1  # the cached forecast was for the old history
    assert after["kwh"] > before["kwh"]  # a month of triple usage raises the level
    with session_scope(db_url) as session:  # a reading for this month: the forecast moves on
        session.add(MeterReading(account_no="3300000002", period=months_ago(0), flat_kwh=150))
    moved = writer.get(f"{BASE}/3300000002").json()
    assert moved["month"] == months_ago(-1) and moved["history_months"] == 25
