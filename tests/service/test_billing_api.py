"""The billing HTTP API on a seeded database (SQLite and PostgreSQL); read-only routes.

Payments (which write) are in test_billing_payments.py."""
from decimal import Decimal

from services.billing.tariff import Usage, compute_bill, find_plan

BASE = "/api/v1/billing"
ARREARS, LOW_BALANCE, TOU, BEIJING = "3300000001", "3300000002", "3300000003", "1100000001"


def test_every_route_needs_the_service_token(readonly_client):
    for path in (f"{BASE}/accounts/{ARREARS}", f"{BASE}/tariffs/zhejiang"):
        assert readonly_client.get(path, headers={"Authorization": ""}).status_code == 401
        response = readonly_client.get(path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    assert readonly_client.post(f"{BASE}/accounts/{ARREARS}/verify", json={"phone_last4": "5678"},
                       headers={"Authorization": ""}).status_code == 401


def test_account_summary_is_masked_and_shows_arrears(readonly_client):
    body = readonly_client.get(f"{BASE}/accounts/{ARREARS}").json()
    assert body["customer_name"] == "张*明"
    assert body["mobile"] == "138****5678"
    assert body["segment"] == "居民" and body["billing_mode"] == "postpaid"
    assert body["tariff_plan"]["code"] == "zhejiang-annual"
    assert body["unpaid_bills"] == 2
    # the 2026-09 bill was due 2026-10-25: overdue, so it carries a late fee
    assert Decimal(body["arrears_total"]) > 0
    assert Decimal(body["unpaid_total"]) > Decimal(body["arrears_total"])
    assert body["latest_bill"]["period"] == "2026-10"
    assert "张小明" not in str(body) and "13800005678" not in str(body)


def test_prepaid_low_balance(readonly_client):
    body = readonly_client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()
    assert body["billing_mode"] == "prepaid"
    assert body["balance"] == "8.60"
    assert body["arrears_total"] == "0.00"


def test_overdue_bill_has_late_fee_included_in_amount_due(readonly_client):
    bill = readonly_client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": "2026-09"}).json()["bills"][0]
    assert bill["status"] == "overdue" and bill["paid"] is False
    assert Decimal(bill["late_fee"]) >= Decimal("1.00")
    assert Decimal(bill["amount_due"]) == Decimal(bill["total_amount"]) + Decimal(bill["late_fee"])


def test_time_of_use_bill_adds_up_and_matches_the_tariff_engine(readonly_client):
    bills = readonly_client.get(f"{BASE}/accounts/{TOU}/bills").json()["bills"]
    assert [b["period"] for b in bills] == ["2026-10", "2026-09", "2026-08", "2026-07", "2026-06", "2026-05"]
    august = bills[2]
    assert set(august["time_of_use"]) == {"peak", "valley"}
    total = Decimal(august["total_amount"])
    assert sum(Decimal(a) for a in august["time_of_use"].values()) == total
    assert sum(Decimal(t["amount"]) for t in august["tiers"]) == total
    # recompute from the readings: January..July of 2026 were used before August
    used_before = 0
    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"):
        b = readonly_client.get(f"{BASE}/accounts/{TOU}/bills", params={"month": month}).json()["bills"][0]
        used_before += b["kwh_total"]
    usage = Usage(peak=august["kwh"]["peak"], valley=august["kwh"]["valley"])
    expected = compute_bill(find_plan("zhejiang-annual-tou"), usage, used_before)
    assert expected.total == total
    # this demo household crosses from tier 1 into tier 2 in August 2026
    assert august["tiers"][0]["kwh"] > 0 and august["tiers"][1]["kwh"] > 0


def test_unknown_and_malformed_accounts(readonly_client):
    response = readonly_client.get(f"{BASE}/accounts/3399999999")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "account_not_found" and error["message"] and error["message_zh"]
    response = readonly_client.get(f"{BASE}/accounts/12345")
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_account_no"
    assert readonly_client.get(f"{BASE}/accounts/33000000ab/bills").status_code == 422
    assert readonly_client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": "2026-13"}).status_code == 422
    response = readonly_client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": "2020-01"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "bill_not_found"


def test_verify_identity(readonly_client):
    url = f"{BASE}/accounts/{ARREARS}/verify"
    assert readonly_client.post(url, json={"phone_last4": "5678"}).json() == {"verified": True}
    assert readonly_client.post(url, json={"phone_last4": "0000"}).json() == {"verified": False}
    assert readonly_client.post(url, json={"phone_last4": "56a8"}).status_code == 422
    assert readonly_client.post(f"{BASE}/accounts/3399999999/verify", json={"phone_last4": "5678"}).status_code == 404


def test_tariff_table(readonly_client):
    body = readonly_client.get(f"{BASE}/tariffs/zhejiang").json()
    assert body["source"] and body["default_plan"] == "zhejiang-annual"
    plans = {p["code"]: p for p in body["plans"]}
    assert plans["zhejiang-annual"]["tiers"][0] == {
        "tier": 1, "from_kwh": 0, "up_to_kwh": 2760, "price": "0.538", "tou_prices": None}
    assert plans["zhejiang-annual"]["tiers"][1]["from_kwh"] == 2761
    assert plans["zhejiang-annual-tou"]["tiers"][0]["tou_prices"] == {"peak": "0.568", "valley": "0.288"}
    assert plans["zhejiang-annual-tou"]["tou_windows"] is None  # the reference gives none
    assert readonly_client.get(f"{BASE}/tariffs/atlantis").status_code == 404


def test_estimate_without_account_assumes_start_of_cycle(readonly_client):
    body = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params={"kwh": 300, "month": "2026-03"}).json()
    # 300 x 0.538 = 161.40
    assert body["total_amount"] == "161.40"
    assert body["used_before_kwh"] == 0 and body["assumption"] == "start_of_cycle"
    assert "161.40" in body["explanation_zh"]
    beijing = readonly_client.get(f"{BASE}/tariffs/beijing/estimate", params={"kwh": 450, "month": "2026-07"}).json()
    assert beijing["total_amount"] == "242.74"  # see tests/unit/test_tariff.py


def test_estimate_with_account_uses_its_usage_this_year(readonly_client):
    params = {"kwh": 300, "month": "2026-08", "account_no": TOU}
    body = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).json()
    months = [f"2026-{m:02d}" for m in range(1, 8)]
    used = sum(readonly_client.get(f"{BASE}/accounts/{TOU}/bills", params={"month": m}).json()["bills"][0]["kwh_total"]
               for m in months)
    assert body["used_before_kwh"] == used and body["assumption"] == "account_usage_in_cycle"
    assert body["plan"]["code"] == "zhejiang-annual-tou" and body["time_of_use"] is not None
    # an account from another province is refused
    params["account_no"] = BEIJING
    assert readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).status_code == 422
