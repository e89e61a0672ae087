"""The forecast route's JSON is the contract of services/forecasting/schemas.py: what the
route sends validates against the model the action server parses it into (SQLite and
PostgreSQL), and an answer that breaks it gives the customer the "unavailable" reply."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from rasa_sdk.executor import CollectingDispatcher

from actions import services_client as svc
from actions.forecast import ActionForecastBill
from services.forecasting import schemas
from tests.responses import texts
from tests.service.test_actions import tracker

BASE = "/forecast"
ANNUAL_TIER, PREPAID, TIME_OF_USE, MONTHLY_TIER = "3300000001", "3300000002", "3300000003", "1100000001"


@pytest.mark.parametrize("account_no", [ANNUAL_TIER, PREPAID, TIME_OF_USE, MONTHLY_TIER])
def test_the_routes_json_validates_against_its_model(readonly_forecast_client, account_no) -> None:
    response = readonly_forecast_client.get(f"{BASE}/{account_no}")
    assert response.status_code == 200, response.text
    body = response.json()
    forecast = schemas.Forecast.model_validate(body)
    assert forecast.model_dump(mode="json") == body  # nothing dropped, nothing added, nothing converted
    assert forecast.account_no == account_no and forecast.kwh_low <= forecast.kwh <= forecast.kwh_high


def test_the_tip_is_read_as_its_kind(readonly_forecast_client) -> None:
    tips = {no: schemas.Forecast.model_validate(readonly_forecast_client.get(f"{BASE}/{no}").json()).saving_tip
            for no in (ANNUAL_TIER, TIME_OF_USE)}
    assert isinstance(tips[ANNUAL_TIER], schemas.AnnualTierTip) and tips[ANNUAL_TIER].kwh_to_next_tier > 0
    assert isinstance(tips[TIME_OF_USE], schemas.TimeOfUseTip)


def test_the_route_publishes_its_model() -> None:
    from services.forecasting.api import router

    assert [route.response_model for route in router.routes] == [schemas.Forecast]


def test_a_renamed_field_or_an_unknown_tip_is_refused(readonly_forecast_client) -> None:
    body = readonly_forecast_client.get(f"{BASE}/{ANNUAL_TIER}").json()
    renamed = {**{k: v for k, v in body.items() if k != "amount"}, "amount_yuan": body["amount"]}
    with pytest.raises(ValidationError) as refused:
        schemas.Forecast.model_validate(renamed)
    assert {e["loc"][0] for e in refused.value.errors()} == {"amount", "amount_yuan"}
    with pytest.raises(ValidationError):
        schemas.Forecast.model_validate({**body, "saving_tip": {**body["saving_tip"], "kind": "solar"}})
    with pytest.raises(ValidationError):  # money is a two-decimal string, never a float
        schemas.Forecast.model_validate({**body, "amount": 123.4})


async def forecast_reply(answer: dict, monkeypatch) -> str:
    """What ActionForecastBill tells a verified customer when the service answers ``answer``."""
    async def service(method: str, path: str, **kwargs) -> dict:
        assert (method, path) == ("GET", f"{BASE}/{ANNUAL_TIER}")
        return answer

    monkeypatch.setattr(svc, "call", service)  # the service's answer, as the real route sent it or broken
    dispatcher = CollectingDispatcher()
    slots = {"account_no": ANNUAL_TIER, "verified_account": ANNUAL_TIER, "channel": "web"}
    await ActionForecastBill().run(dispatcher, tracker(slots), {})
    return texts(dispatcher)


async def test_the_action_says_the_forecast_it_parsed_and_apologises_for_a_broken_answer(readonly_forecast_client,
                                                                                        monkeypatch) -> None:
    body = readonly_forecast_client.get(f"{BASE}/{ANNUAL_TIER}").json()
    said = await forecast_reply(body, monkeypatch)
    assert f"电费约{body['amount']}元" in said and f"再用约{body['saving_tip']['kwh_to_next_tier']}度" in said
    broken = {**{k: v for k, v in body.items() if k != "amount_low"}, "amount_min": body["amount_low"]}
    assert (await forecast_reply(broken, monkeypatch)).startswith("抱歉，电费预测暂时无法计算")
