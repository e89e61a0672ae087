"""The billing routes' JSON is the contract of services/billing/schemas.py: what the routes
send validates against the models the action server parses it into (SQLite and PostgreSQL)."""
from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from services.billing import schemas

BASE = "/billing"
POSTPAID, PREPAID, TOU = "3300000001", "3300000002", "3300000003"
READS = [
    (f"{BASE}/accounts/{POSTPAID}", schemas.AccountSummary),
    (f"{BASE}/accounts/{PREPAID}", schemas.AccountSummary),
    (f"{BASE}/accounts/{TOU}/bills", schemas.Bills),
    (f"{BASE}/accounts/{PREPAID}/payments", schemas.Payments),
    (f"{BASE}/tariffs/zhejiang", schemas.TariffOverview),
    (f"{BASE}/tariffs/beijing/estimate?kwh=300&month=2026-07", schemas.Estimate),
    (f"{BASE}/tariffs/zhejiang/estimate?kwh=300&month=2026-07&account_no={TOU}", schemas.Estimate),
]


@pytest.mark.parametrize("path,model", READS, ids=[path for path, _ in READS])
def test_a_read_routes_json_validates_against_its_model(readonly_client, path, model) -> None:
    response = readonly_client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    parsed = model.model_validate(body)
    assert parsed.model_dump(mode="json") == body  # nothing dropped, nothing added, nothing converted


def test_the_summary_model_reads_what_the_actions_need(readonly_client) -> None:
    summary = schemas.AccountSummary.model_validate(readonly_client.get(f"{BASE}/accounts/{PREPAID}").json())
    assert summary.prepaid and summary.balance == "8.60" and summary.days_left is not None
    postpaid = schemas.AccountSummary.model_validate(readonly_client.get(f"{BASE}/accounts/{POSTPAID}").json())
    assert not postpaid.prepaid and postpaid.overdue_bills and postpaid.latest_bill is not None
    assert postpaid.latest_bill.status in ("paid", "unpaid", "overdue")


def test_a_payment_and_an_identity_check_validate_against_their_models(client) -> None:
    paid = client.post(f"{BASE}/accounts/{PREPAID}/payments", json={"amount": "12.30", "channel": "app"},
                       headers={"Idempotency-Key": f"schema-{uuid.uuid4().hex}"})
    payment = schemas.Payment.model_validate(paid.json())
    assert payment.amount == "12.30" and payment.balance_after is not None
    check = schemas.IdentityCheck.model_validate(
        client.post(f"{BASE}/accounts/{PREPAID}/verify", json={"phone_last4": "0000"}).json())
    assert check.verified is False and check.attempts_left >= 0


def test_the_routes_publish_their_models() -> None:
    from services.billing.api import router

    declared = {route.path: route.response_model for route in router.routes}
    assert declared["/accounts/{account_no}"] is schemas.AccountSummary
    assert declared["/tariffs/{province}/estimate"] is schemas.Estimate
    assert all(model is not None for model in declared.values()), declared


def test_a_renamed_or_missing_field_is_refused_not_read_as_none(readonly_client) -> None:
    body = readonly_client.get(f"{BASE}/accounts/{POSTPAID}").json()
    renamed = {**{k: v for k, v in body.items() if k != "balance"}, "balance_yuan": body["balance"]}
    with pytest.raises(ValidationError) as refused:
        schemas.AccountSummary.model_validate(renamed)
    assert {e["loc"][0] for e in refused.value.errors()} == {"balance", "balance_yuan"}


def test_the_action_servers_client_fails_the_call_on_an_answer_that_breaks_the_contract(readonly_client) -> None:
    from actions import services_client as svc

    body = readonly_client.get(f"{BASE}/accounts/{POSTPAID}").json()
    assert svc.parsed(schemas.AccountSummary, body, "summary").account_no == POSTPAID
    with pytest.raises(svc.ServiceFailed) as failed:  # the action apologises; no crash, no None
        svc.parsed(schemas.AccountSummary, {**body, "latest_bill": {"period": "2026-10"}}, "summary")
    assert failed.value.code == "contract_violation" and failed.value.message_zh
