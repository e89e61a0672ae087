"""A bare answer (a 户号, an amount, a month) when the bot asked nothing: the customer
is usually about to ask for a bill or a top-up, so ask which, with one-tap buttons.
The value is already in its slot, so the chosen form will not ask for it again."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import month_zh

BILL = {"title": "查电费", "payload": "/query_bill"}
TOP_UP = {"title": "交电费", "payload": "/top_up"}


class ActionClarifyInform(Action):
    def name(self) -> str:
        return "action_clarify_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        given = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities", [])}
        if "amount" in given:
            dispatcher.utter_message(text=f"收到，{given['amount']}元。请问您是要交电费吗？", buttons=[TOP_UP, BILL])
        elif "month" in given:
            dispatcher.utter_message(text=f"请问您是想查询{month_zh(given['month'])}的电费吗？", buttons=[BILL])
        elif "account_no" in given:
            dispatcher.utter_message(text="收到您的户号。请问您是想查电费，还是交电费？", buttons=[BILL, TOP_UP])
        else:
            dispatcher.utter_message(response="utter_default")
        return []
