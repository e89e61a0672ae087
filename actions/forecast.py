"""Next month's bill, until the forecasting service lands (a later issue).

Until then the bot says what it can do now (the latest bills, the tariff) rather than
inventing a forecast.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tariff import ActionAskTariff


class ActionForecastBill(Action):
    def name(self) -> str:
        return "action_forecast_bill"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("kwh"):  # "用了三百度要交多少": a computation, not a forecast
            return await ActionAskTariff().run(dispatcher, tracker, domain)
        dispatcher.utter_message(
            text="电费预测功能即将上线。现在我可以帮您查看最近的账单和用电量，或者按电价帮您估算一定用电量的电费。",
            buttons=[{"title": "查电费", "payload": "/query_bill"}, {"title": "电价估算", "payload": "/ask_tariff"}],
        )
        return []
