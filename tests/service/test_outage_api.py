"""The outage HTTP API (services/outage/api.py) on a seeded database, SQLite and
PostgreSQL: the service token, the shapes the action server reads, and 4xx (never 500)
for anything a caller sends wrong."""
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from services import clock
from services.app import include_services

BASE = "/outage"
MOBILE = "13812345678"
COVERED_NOW, UNCOVERED = "3300000001", "1100000001"


@pytest.fixture
def client(outage_client: TestClient) -> TestClient:
    """The outage routes on the test's fresh database (tests/service/conftest.py)."""
    return outage_client


def report_body(address: str, **kw) -> dict:
    return {"address": address, "kind": "household", "contact_mobile": MOBILE, "conversation_id": "api-1", **kw}


def test_the_router_is_mounted_beside_billing_and_kg():
    app = FastAPI()
    install_error_handlers(app)
    include_services(app)
    with TestClient(app) as plain:
        assert plain.get("/outage/tickets").status_code == 401  # there, and guarded (404 if not mounted)
        assert plain.get("/outage/nowhere").status_code == 404


def test_every_route_needs_the_service_token(client):
    calls = [("post", f"{BASE}/reports", report_body("文三路1号")), ("get", f"{BASE}/reports/check?address=x", None),
             ("get", f"{BASE}/tickets", None), ("get", f"{BASE}/tickets/QX20261123-0001", None),
             ("post", f"{BASE}/tickets/QX20261123-0001/status", {"status": "dispatched"}),
             ("get", f"{BASE}/planned", None), ("post", f"{BASE}/planned/JH20261123-0001/cancel", {})]
    for method, path, body in calls:
        for header in ("", "Bearer wrong"):
            response = client.request(method, path, json=body, headers={"Authorization": header})
            assert response.status_code == 401, path
            assert response.json()["error"]["code"] == "unauthorized"


def test_a_report_opens_a_ticket_once_and_its_progress_follows_the_crew(client, demo):
    created = client.post(f"{BASE}/reports", json=report_body(demo[UNCOVERED], account_no=UNCOVERED))
    assert created.status_code == 201
    body = created.json()
    ticket_id = body["ticket"]["id"]
    assert body["case"] == "created" and body["ticket"]["contact_mobile"] == "138****5678"
    assert body["ticket"]["promised_arrival"] == {"area_type": "urban", "area_type_zh": "城区", "average_minutes": 45,
                                                  "is_average": True, "basis_zh": "国家电网供电服务“十项承诺”"}
    assert body["ticket"]["created_at"].endswith("+08:00")

    again = client.post(f"{BASE}/reports", json=report_body(demo[UNCOVERED]))
    assert again.status_code == 200
    assert (again.json()["case"], again.json()["reason"], again.json()["ticket"]["id"]) == (
        "existing_ticket", "same_conversation", ticket_id)

    restore_by = (clock.now() + timedelta(hours=2)).replace(microsecond=0, tzinfo=None).isoformat()
    update = client.post(f"{BASE}/tickets/{ticket_id}/status",
                         json={"status": "dispatched", "note": "抢修人员已出发", "expected_restore_at": restore_by})
    assert update.status_code == 200 and update.json()["status"] == "dispatched"
    progress = client.get(f"{BASE}/tickets/{ticket_id.lower()}").json()
    assert [(e["status"], e["note"]) for e in progress["history"]] == [("accepted", "报修已受理"), ("dispatched", "抢修人员已出发")]
    assert progress["expected_restore_at"] == restore_by + "+08:00"  # a time without offset is China time
    mine = client.get(f"{BASE}/tickets", params={"account_no": UNCOVERED, "open": "true"}).json()
    assert [t["id"] for t in mine["tickets"]] == [ticket_id] and mine["total"] == 1


def test_a_covered_address_gets_the_planned_outage_and_no_ticket(client, demo):
    body = client.post(f"{BASE}/reports", json=report_body(demo[COVERED_NOW], kind="building")).json()
    assert body["case"] == "planned_outage" and body["ticket"] is None
    assert body["planned_outage"]["status"] == "in_progress" and body["planned_outage"]["id"].startswith("JH")
    check = client.get(f"{BASE}/reports/check", params={"address": demo[COVERED_NOW]}).json()
    assert check["case"] == "planned_outage"
    assert client.get(f"{BASE}/tickets", params={"conversation_id": "api-1"}).json()["total"] == 0


def test_an_invalid_transition_is_a_409_with_the_allowed_steps(client, demo):
    ticket_id = client.post(f"{BASE}/reports", json=report_body(demo[UNCOVERED])).json()["ticket"]["id"]
    response = client.post(f"{BASE}/tickets/{ticket_id}/status", json={"status": "restored"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition" and "dispatched" in error["message"] and error["message_zh"]


def test_an_operator_announces_lists_and_cancels_a_planned_outage(client):
    day = clock.today() + timedelta(days=3)
    announced = client.post(f"{BASE}/planned", json={
        "area": "杭州市滨江区", "streets": [{"street": "江南大道", "from_no": 900, "to_no": 1100}, {"street": "浦沿路"}],
        "starts_at": f"{day}T08:00:00", "ends_at": f"{day}T16:00:00", "reason": "10千伏线路检修"})
    assert announced.status_code == 201
    outage = announced.json()
    assert (outage["city"], outage["district"], outage["status"]) == ("杭州市", "滨江区", "upcoming")
    assert outage["starts_at"] == f"{day}T08:00:00+08:00"
    that_day = {"date_from": str(day), "date_to": str(day)}
    at_address = client.get(f"{BASE}/planned", params={"address": "滨江区江南大道1000号", **that_day}).json()
    assert [o["id"] for o in at_address["planned_outages"]] == [outage["id"]]
    elsewhere = client.get(f"{BASE}/planned", params={"address": "滨江区江南大道1200号", **that_day}).json()
    assert elsewhere["planned_outages"] == []
    cancelled = client.post(f"{BASE}/planned/{outage['id']}/cancel", json={"reason": "天气原因"}).json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "天气原因"
    in_district = client.get(f"{BASE}/planned", params={"address": "杭州市滨江区", **that_day}).json()
    assert outage["id"] not in [o["id"] for o in in_district["planned_outages"]]


def test_planned_outages_for_the_days_the_customer_names(client, demo):
    """The 2nd demo account's street has a planned outage tomorrow and none today."""
    tomorrow = client.get(f"{BASE}/planned", params={"address": demo["3300000002"],
                                                     "when": f"{demo['3300000002']}明天会停电吗"}).json()
    assert (tomorrow["date_from"], tomorrow["date_to"], tomorrow["days_named"]) == (
        str(clock.today() + timedelta(days=1)),) * 2 + (True,)
    assert len(tomorrow["planned_outages"]) == 1
    today = client.get(f"{BASE}/planned", params={"address": demo["3300000002"], "when": "今天停电吗"}).json()
    assert today["planned_outages"] == [] and today["date_from"] == str(clock.today())
    default = client.get(f"{BASE}/planned", params={"address": demo["3300000002"], "when": "有停电计划吗"}).json()
    assert default["days_named"] is False and default["date_from"] == str(clock.today())
    assert [o["id"] for o in default["planned_outages"]] == [o["id"] for o in tomorrow["planned_outages"]]


def future(hours: int) -> str:
    return (clock.now() + timedelta(hours=hours)).replace(microsecond=0).isoformat()


PLANNED = {"area": "杭州市滨江区", "streets": [{"street": "江南大道"}], "reason": "检修"}


@pytest.mark.parametrize("method, path, body, code", [
    ("post", "/reports", {"address": "文三路1号", "kind": "household"}, "invalid_request"),
    ("post", "/reports", report_body("文三路1号", kind="fire"), "invalid_request"),
    ("post", "/reports", report_body("文三路1号", contact_mobile="123"), "malformed_mobile"),
    ("post", "/reports", report_body("文三路1号", account_no="12"), "invalid_request"),
    ("post", "/reports", report_body("3幢2单元"), "address_too_vague"),
    ("post", "/reports", report_body("文" * 201), "invalid_request"),
    ("get", "/tickets/not-a-ticket", None, "malformed_ticket_id"),
    ("post", "/tickets/QX20261123-0042/status", {"status": "fixed"}, "invalid_request"),
    ("get", "/tickets?limit=0", None, "invalid_request"),
    ("get", "/tickets?status=broken", None, "invalid_request"),
    ("post", "/planned", {**PLANNED, "starts_at": "tomorrow", "ends_at": future(5)}, "invalid_request"),
    ("post", "/planned", {**PLANNED, "starts_at": future(5), "ends_at": future(2)}, "bad_window"),
    ("post", "/planned", {**PLANNED, "starts_at": future(-5), "ends_at": future(-2)}, "window_past"),
    ("post", "/planned", {**PLANNED, "area": "文三路", "starts_at": future(2), "ends_at": future(5)}, "area_without_district"),
    ("post", "/planned", {**PLANNED, "streets": [], "starts_at": future(2), "ends_at": future(5)}, "invalid_request"),
    ("post", "/planned", {**PLANNED, "streets": [{"street": "江南大道", "from_no": 9, "to_no": 3}],
                          "starts_at": future(2), "ends_at": future(5)}, "bad_numbers"),
    ("get", "/planned?date_from=2026-13-01", None, "invalid_request"),
    ("get", "/planned?date_from=2026-12-10&date_to=2026-12-01", None, "bad_dates"),
    ("get", "/planned?address=3幢", None, "area_too_vague"),
    ("get", "/planned/JH1", None, "malformed_planned_outage_id"),
    ("get", "/planned?date_from=9999-12-30", None, "bad_dates"),
    ("post", "/planned", {**PLANNED, "starts_at": "0001-01-01T00:00:00", "ends_at": future(5)}, "bad_time"),
    ("post", "/planned", {**PLANNED, "streets": [{"street": "江南大道", "from_no": 1, "to_no": 10**12}],
                          "starts_at": future(2), "ends_at": future(5)}, "invalid_request"),
    ("get", f"/tickets?offset={10**20}", None, "invalid_request"),
])
def test_bad_input_is_a_422_with_an_english_message(client, method, path, body, code):
    response = client.request(method, BASE + path, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"].isascii() and error["message_zh"]


@pytest.mark.parametrize("address", ["杭州市西湖区" + "长" * 150 + "小区", "杭州市西湖区文三路1234567890123456789号"])
def test_odd_but_valid_addresses_fit_the_columns(client, address):
    response = client.post(f"{BASE}/reports", json=report_body(address))
    assert response.status_code == 201, response.text
    assert response.json()["ticket"]["address"]["number"] is None


def test_unknown_ids_are_404(client):
    assert client.get(f"{BASE}/tickets/QX20000101-0001").status_code == 404
    response = client.post(f"{BASE}/planned/JH20000101-0001/cancel", json={})
    assert response.status_code == 404 and response.json()["error"]["code"] == "planned_outage_not_found"
