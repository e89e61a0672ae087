"""Next month's bill, forecast by the forecasting service for a verified account.

forecast_form verifies the customer like the bill lookup (the forecast is built from
their own readings: personal data); action_forecast_bill says the figures and one
saving tip from the account's own data.  A stated figure ("用了三百度要交多少") is a
computation, not a forecast: the tariff answer, with no verification needed.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services_client as svc
from actions.identity import IdentityFormValidation, is_locked, locked_reply
from actions.not_ours import then_second_not_ours
from actions.replies import HANDOFF_BUTTON, month_zh, part, tier_name
from actions.tariff import ActionAskTariff
from services.forecasting.schemas import AnnualTierTip, Forecast, SavingTip


class ValidateForecastForm(IdentityFormValidation):
    own_intent = "forecast_bill"

    def name(self) -> str:
        return "validate_forecast_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("kwh"):
            return []  # a computation from a stated figure: nothing personal to show
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)


def compared_text(forecast: Forecast, channel: str | None) -> str:
    """utter_forecast's ``compared``: the forecast against the same month last year."""
    compared = forecast.compared_to_last_year
    if compared is None or compared.amount_change_percent is None:
        return ""
    change = compared.amount_change_percent
    month = month_zh(compared.month)
    if abs(change) < 1:
        return part("utter_part_forecast_as_last_year", channel, month=month)
    return part("utter_part_forecast_above_last_year" if change > 0 else "utter_part_forecast_below_last_year",
                channel, month=month, percent=f"{abs(change):.0f}")


def say_tip(dispatcher: CollectingDispatcher, tip: SavingTip | None) -> None:
    if tip is None:
        return
    if isinstance(tip, AnnualTierTip):
        dispatcher.utter_message(response="utter_forecast_tip_tier", tier=tier_name(tip.tier),
                                 kwh_to_next=tip.kwh_to_next_tier, next_tier=tier_name(tip.next_tier),
                                 next_price=tip.next_tier_price)
    elif float(tip.saving_with_time_of_use) > 0:
        dispatcher.utter_message(response="utter_forecast_tip_tou_saves", saving=tip.saving_with_time_of_use)
    else:
        dispatcher.utter_message(response="utter_forecast_tip_tou_costs",
                                 extra=f"{abs(float(tip.saving_with_time_of_use)):.2f}")


class ActionForecastBill(Action):
    def name(self) -> str:
        return "action_forecast_bill"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("kwh"):
            return await ActionAskTariff().run(dispatcher, tracker, domain)
        account_no = tracker.get_slot("account_no")
        reset = [SlotSet("last4", None)]
        if is_locked(tracker, account_no):
            locked_reply(dispatcher, tracker, account_no)
            return [SlotSet("account_no", None), *reset]
        try:
            forecast = await svc.forecast(account_no)
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_forecast_unavailable", buttons=[HANDOFF_BUTTON])
            return reset
        dispatcher.utter_message(response="utter_forecast", month=month_zh(forecast.month), kwh=forecast.kwh,
                                 amount=forecast.amount, low=forecast.amount_low, high=forecast.amount_high,
                                 compared=compared_text(forecast, tracker.get_slot("channel")))
        say_tip(dispatcher, forecast.saving_tip)
        return reset
