"""The billing HTTP API on a seeded database (SQLite and PostgreSQL); read-only routes.

Payments (which write) are in test_billing_payments.py; the identity check writes too (it
counts wrong answers), so its test here takes a fresh database, and its counting and lock
are in test_billing_identity.py."""
from calendar import monthrange
from decimal import Decimal

from services import clock
from services.billing.tariff import Usage, compute_bill, find_plan
from tests.dates import is_due, months_ago

BASE = "/billing"
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
    # the bill of two months ago fell due on the 25th of last month: overdue, with a late fee
    assert Decimal(body["arrears_total"]) > 0
    if is_due(months_ago(1)):  # after the 25th, last month's bill is overdue too
        assert Decimal(body["unpaid_total"]) == Decimal(body["arrears_total"])
    else:
        assert Decimal(body["unpaid_total"]) > Decimal(body["arrears_total"])
    assert body["latest_bill"]["period"] == months_ago(1)
    assert "张小明" not in str(body) and "13800005678" not in str(body)


def test_prepaid_low_balance(readonly_client):
    body = readonly_client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()
    assert body["billing_mode"] == "prepaid"
    assert body["balance"] == "8.60"
    assert body["arrears_total"] == "0.00"


def test_overdue_bill_has_late_fee_included_in_amount_due(readonly_client):
    bill = readonly_client.get(f"{BASE}/accounts/{ARREARS}/bills", params={"month": months_ago(2)}).json()["bills"][0]
    assert bill["status"] == "overdue" and bill["paid"] is False
    assert Decimal(bill["late_fee"]) >= Decimal("1.00")
    assert Decimal(bill["amount_due"]) == Decimal(bill["total_amount"]) + Decimal(bill["late_fee"])


def bill_of(client, account_no: str, month: str) -> dict:
    return client.get(f"{BASE}/accounts/{account_no}/bills", params={"month": month}).json()["bills"][0]


def test_recent_bills_are_the_last_six_months(readonly_client):
    bills = readonly_client.get(f"{BASE}/accounts/{TOU}/bills").json()["bills"]
    assert [b["period"] for b in bills] == [months_ago(n) for n in range(1, 7)]


def test_time_of_use_bill_adds_up_and_matches_the_tariff_engine(readonly_client):
    plan = find_plan("zhejiang-annual-tou")
    window = [months_ago(n) for n in range(24, 0, -1)]
    bills = {month: bill_of(readonly_client, TOU, month) for month in window}
    # this demo household crosses from tier 1 into tier 2 in the middle of a cycle year
    crossing = [m for m, b in bills.items() if len(b["tiers"]) > 1 and b["tiers"][0]["kwh"] > 0]
    assert crossing, "the heavy TOU demo account should cross into tier 2 within two years"
    month = crossing[-1]
    bill = bills[month]
    assert set(bill["time_of_use"]) == {"peak", "valley"}
    total = Decimal(bill["total_amount"])
    assert sum(Decimal(a) for a in bill["time_of_use"].values()) == total
    assert sum(Decimal(t["amount"]) for t in bill["tiers"]) == total
    # recompute from the readings of the months before it in the same tier cycle
    used_before = sum(bills[m]["kwh_total"] for m in plan.months_before_in_cycle(month))
    usage = Usage(peak=bill["kwh"]["peak"], valley=bill["kwh"]["valley"])
    assert compute_bill(plan, usage, used_before).total == total


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


def test_verify_identity(client):
    url = f"{BASE}/accounts/{ARREARS}/verify"
    right = client.post(url, json={"phone_last4": "5678"})
    assert right.status_code == 200
    assert right.json() == {"verified": True, "attempts_left": 3, "locked_until": None}
    wrong = client.post(url, json={"phone_last4": "0000"})
    assert wrong.status_code == 200
    assert wrong.json() == {"verified": False, "attempts_left": 2, "locked_until": None}
    assert client.post(url, json={"phone_last4": "56a8"}).status_code == 422
    # An unknown 户号 is answered like a wrong answer (no oracle for strangers).
    unknown = client.post(f"{BASE}/accounts/3399999999/verify", json={"phone_last4": "5678"})
    assert unknown.json() == {"verified": False, "attempts_left": 2, "locked_until": None}


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
    month = months_ago(1)
    params = {"kwh": 300, "month": month, "account_no": TOU}
    body = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).json()
    earlier = find_plan("zhejiang-annual-tou").months_before_in_cycle(month)
    used = sum(bill_of(readonly_client, TOU, m)["kwh_total"] for m in earlier)
    assert body["used_before_kwh"] == used and body["assumption"] == "account_usage_in_cycle"
    assert body["plan"]["code"] == "zhejiang-annual-tou" and body["time_of_use"] is not None
    # an account from another province is refused
    params["account_no"] = BEIJING
    assert readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).status_code == 422


def test_account_summary_lists_overdue_bills_and_what_is_due_next(readonly_client):
    body = readonly_client.get(f"{BASE}/accounts/{ARREARS}").json()
    overdue, upcoming = body["overdue_bills"], body["next_due"]
    assert overdue[0]["period"] == months_ago(2)
    assert Decimal(overdue[0]["amount_due"]) == Decimal(overdue[0]["total_amount"]) + Decimal(overdue[0]["late_fee"])
    assert sum(Decimal(b["amount_due"]) for b in overdue) == Decimal(body["arrears_total"])
    if is_due(months_ago(1)):
        assert upcoming is None and len(overdue) == 2
    else:
        assert upcoming["period"] == months_ago(1) and upcoming["late_fee"] == "0.00"
    assert body["daily_cost"] is None and body["days_left"] is None  # postpaid
    assert body["next_bill"]["period"] == months_ago(0)
    assert body["next_bill"]["issue_date"] > clock.today().isoformat()


def test_prepaid_summary_says_how_long_the_balance_lasts(readonly_client):
    body = readonly_client.get(f"{BASE}/accounts/{LOW_BALANCE}").json()
    recent = readonly_client.get(f"{BASE}/accounts/{LOW_BALANCE}/bills").json()["bills"][:3]
    days = sum(monthrange(int(b["period"][:4]), int(b["period"][5:]))[1] for b in recent)
    daily = (sum(Decimal(b["total_amount"]) for b in recent) / days).quantize(Decimal("0.01"))
    assert body["daily_cost"] == f"{daily}"
    assert body["days_left"] == int(Decimal("8.60") / daily)
    assert body["overdue_bills"] == [] and body["next_due"] is None


def test_estimate_with_usage_the_customer_stated(readonly_client):
    params = {"kwh": 300, "month": months_ago(0), "used_before_kwh": 3000}
    body = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).json()
    assert body["total_amount"] == "176.40" and body["assumption"] == "stated_usage_in_cycle"
    assert body["used_before_kwh"] == 3000
    params["used_before_kwh"] = -1
    assert readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params=params).status_code == 422
