"""What the billing API takes as a 户号, a month and the last four digits: ASCII digits,
the whole string, months in a sensible range; and its errors name no full 户号."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from services import clock

BASE = "/billing"


@pytest.mark.parametrize("account_no", ["3300000001\n", "330000000１", "٣٣٠٠٠٠٠٠٠١", "33000000 1", "3300000001 ",
                                        "' OR 1=1 --", "..%2F..%2Fetc", "3300000001;DROP"])
def test_an_account_number_is_exactly_ten_ascii_digits(readonly_client, account_no):
    response = readonly_client.get(f"{BASE}/accounts/{quote(account_no, safe='')}")
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "malformed_account_no"


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1999-12"])
def test_months_out_of_range_are_refused(readonly_client, month):
    response = readonly_client.get(f"{BASE}/accounts/3300000001/bills", params={"month": month})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "month_out_of_range" and "月" in error["message_zh"]


def test_next_year_is_the_last_month_accepted(readonly_client):
    last = f"{clock.today().year + 1}-12"
    response = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params={"kwh": 100, "month": last})
    assert response.status_code == 200, response.text
    after = f"{clock.today().year + 2}-01"
    response = readonly_client.get(f"{BASE}/tariffs/zhejiang/estimate", params={"kwh": 100, "month": after})
    assert response.status_code == 422


@pytest.mark.parametrize("month", ["2026-01\n", "２０２６-01", "2026-1", "2026-13"])
def test_malformed_months_are_refused(readonly_client, month):
    response = readonly_client.get(f"{BASE}/accounts/3300000001/bills", params={"month": month})
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_month"


@pytest.mark.parametrize("last4", ["５６７８", "٥٦٧٨", "5678\n", " 5678"])
def test_the_last_four_are_ascii_digits(readonly_client, last4):
    response = readonly_client.post(f"{BASE}/accounts/3300000001/verify", json={"phone_last4": last4})
    assert response.status_code == 422 and response.json()["error"]["code"] == "malformed_phone_last4"


def test_an_unknown_account_is_not_named_in_full(readonly_client):
    response = readonly_client.get(f"{BASE}/accounts/9900000123")
    assert response.status_code == 404
    assert "9900000123" not in response.text


def test_personal_data_is_masked_in_every_error_message(readonly_client):
    """The forecast service names the account in its message: the error layer masks it."""
    response = readonly_client.get("/billing/accounts/3300000001/bills", params={"month": "1999-12"})
    assert response.status_code == 422
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api.errors import install_error_handlers
    from services.errors import NotFound

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom():
        raise NotFound("x", "Account 3300000001 of 13812345678 has nothing", "户号3300000001（13812345678）没有数据")

    body = TestClient(app).get("/boom").json()["error"]
    assert "3300000001" not in str(body) and "13812345678" not in str(body)
    assert "330****001" in body["message"] and "138****5678" in body["message_zh"]
