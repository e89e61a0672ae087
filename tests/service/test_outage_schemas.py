"""The outage routes' JSON is the contract of services/outage/schemas.py: what the routes
send validates against the models the action server parses it into (SQLite and PostgreSQL),
and an answer that breaks it is refused, on the client's side as a failed call."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from rasa_sdk.executor import CollectingDispatcher

from actions import services_client as svc
from actions.outage import ActionQueryOutage
from services.outage import schemas
from tests.responses import texts
from tests.service.conftest import demo_address_texts
from tests.service.test_actions import tracker
from tests.service.test_outage_notify import conversation

BASE = "/outage"
COVERED_NOW, UPCOMING, FAULT, UNCOVERED = "3300000001", "3300000002", "3300000003", "1100000001"


@pytest.fixture(scope="session")
def addresses(shared_db_url: str) -> dict[str, str]:
    return demo_address_texts(shared_db_url)


def same_json(model: type[schemas.Contract], body: dict) -> schemas.Contract:
    """``body`` parsed into ``model``; nothing dropped, nothing added, nothing converted."""
    parsed = model.model_validate(body)
    assert parsed.model_dump(mode="json") == body
    return parsed


@pytest.mark.parametrize("account_no,case", [(COVERED_NOW, "planned_outage"), (FAULT, "known_fault"),
                                             (UNCOVERED, "none")])
def test_a_report_check_validates_against_its_model(readonly_outage_client, addresses, account_no, case) -> None:
    response = readonly_outage_client.get(f"{BASE}/reports/check", params={"address": addresses[account_no],
                                                                             "kind": "area"})
    assert response.status_code == 200, response.text
    assert same_json(schemas.ReportResult, response.json()).case == case


def test_the_read_routes_json_validates_against_their_models(readonly_outage_client, addresses) -> None:
    tickets = readonly_outage_client.get(f"{BASE}/tickets").json()
    assert same_json(schemas.TicketList, tickets).tickets  # the seeded fault at least
    ticket_id = tickets["tickets"][0]["id"]
    ticket = same_json(schemas.TicketView, readonly_outage_client.get(f"{BASE}/tickets/{ticket_id}").json())
    assert ticket.history and ticket.created_at.utcoffset().total_seconds() == 8 * 3600  # China time
    listing = readonly_outage_client.get(f"{BASE}/planned", params={"address": addresses[UPCOMING], "when": "明天"})
    planned = same_json(schemas.PlannedOutageList, listing.json())
    assert planned.planned_outages and planned.days_named
    outage_id = planned.planned_outages[0].id
    same_json(schemas.PlannedOutageView, readonly_outage_client.get(f"{BASE}/planned/{outage_id}").json())
    contact = same_json(schemas.AccountContactView,
                        readonly_outage_client.get(f"{BASE}/accounts/{COVERED_NOW}/contact").json())
    assert "****" in contact.mobile and contact.mobile.endswith(contact.mobile_last4)


def test_a_report_and_a_restore_notice_validate_against_their_models(outage_client, db_url, demo) -> None:
    created = outage_client.post(f"{BASE}/reports", json={"address": "杭州市西湖区文三路188号", "kind": "household",
                                                           "contact_mobile": "13812345678", "conversation_id": "c-1"})
    assert created.status_code == 201, created.text
    result = same_json(schemas.ReportResult, created.json())
    assert result.case == "created" and result.ticket.promised_arrival.average_minutes > 0
    moved = outage_client.post(f"{BASE}/tickets/{result.ticket.id}/status", json={"status": "dispatched"})
    assert same_json(schemas.TicketView, moved.json()).status == "dispatched"
    planned_id = outage_client.get(f"{BASE}/reports/check",
                                   params={"address": demo[COVERED_NOW]}).json()["planned_outage"]["id"]
    notice = outage_client.post(f"{BASE}/restore-notices", json={"conversation_id": conversation(db_url),
                                                                 "planned_outage_id": planned_id})
    assert same_json(schemas.RestoreNoticeView, notice.json()).subject == planned_id


def test_the_routes_publish_their_models() -> None:
    from services.outage.api import router

    declared = {(route.path, *route.methods): route.response_model for route in router.routes}
    assert declared["/reports", "POST"] is schemas.ReportResult
    assert declared["/planned", "GET"] is schemas.PlannedOutageList
    assert all(model is not None and issubclass(model, schemas.Contract) for model in declared.values()), declared


def test_a_renamed_field_or_a_case_without_its_answer_is_refused(readonly_outage_client, addresses) -> None:
    body = readonly_outage_client.get(f"{BASE}/reports/check", params={"address": addresses[COVERED_NOW]}).json()
    renamed = {**body, "planned_outage": {**{k: v for k, v in body["planned_outage"].items() if k != "starts_at"},
                                          "start_at": body["planned_outage"]["starts_at"]}}
    with pytest.raises(ValidationError) as refused:
        schemas.ReportResult.model_validate(renamed)
    assert {e["loc"][-1] for e in refused.value.errors()} == {"starts_at", "start_at"}
    with pytest.raises(ValidationError, match="without the object that answers it"):
        schemas.ReportResult.model_validate({**body, "planned_outage": None})


def test_the_action_servers_client_fails_the_call_on_an_answer_that_breaks_the_contract(readonly_outage_client,
                                                                                       addresses) -> None:
    body = readonly_outage_client.get(f"{BASE}/reports/check", params={"address": addresses[FAULT]}).json()
    assert svc.parsed(schemas.ReportResult, body, "outage check").fault.id == body["fault"]["id"]
    with pytest.raises(svc.ServiceFailed) as failed:  # the action apologises; no crash, no None
        svc.parsed(schemas.ReportResult, {**body, "fault": {"id": body["fault"]["id"]}}, "outage check")
    assert failed.value.code == "contract_violation" and failed.value.message_zh and not failed.value.refused


async def progress_reply(ticket_id: str, answer: dict, monkeypatch) -> str:
    """What ActionQueryOutage tells a customer asking about ``ticket_id`` when the service
    answers ``answer``."""
    async def service(method: str, path: str, **kwargs) -> dict:
        assert (method, path) == ("GET", f"{BASE}/tickets/{ticket_id}")
        return answer

    monkeypatch.setattr(svc, "call", service)  # the service's answer, as the real route sent it or broken
    dispatcher = CollectingDispatcher()
    await ActionQueryOutage().run(dispatcher, tracker(text=f"查询工单{ticket_id}的进度"), {})
    return texts(dispatcher)


async def test_the_action_says_the_progress_it_parsed_and_apologises_for_a_broken_answer(readonly_outage_client,
                                                                                        monkeypatch) -> None:
    ticket = readonly_outage_client.get(f"{BASE}/tickets").json()["tickets"][0]
    said = await progress_reply(ticket["id"], ticket, monkeypatch)
    assert ticket["id"] in said and ticket["status_zh"] in said
    broken = {**ticket, "history": [{"status": "accepted"}]}  # was: an IndexError or KeyError in the action
    assert (await progress_reply(ticket["id"], broken, monkeypatch)).startswith("抱歉，报修系统暂时无法访问")
