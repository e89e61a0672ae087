"""A bare answer (a 户号, an amount, a month) when the bot asked nothing: the customer
is usually about to ask for a bill or a top-up, so ask which, with one-tap buttons.

The buttons carry the value as an entity of their payload (``/top_up{"amount": "100"}``),
so the chosen form starts with it and does not ask again; nothing is put in a slot
before the customer has said what it is for.  The bill named and nothing asked of it
(电费, 电费的事: services/bill_topic.py) gets the same question: look it up or pay it?
等一下 / 稍等 (services/prompt_words.py) is waited for, as at a form's prompt.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions.identity import is_verified
from actions.replies import button, month_zh, yuan
from services.bill_topic import names_bill_only
from services.prompt_words import waits


class ActionClarifyInform(Action):
    def name(self) -> str:
        return "action_clarify_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if waits(turn.text(tracker)):  # 等一下 when nothing was asked: it is waited for
            dispatcher.utter_message(response="utter_wait")
            return []
        given = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities", [])}
        account = {"account_no": given["account_no"]} if "account_no" in given else {}
        if "amount" in given:
            dispatcher.utter_message(
                response="utter_clarify_amount", amount_text=yuan(given["amount"]),
                buttons=[button("utter_part_button_pay", "top_up", {**account, "amount": given["amount"]}),
                         button("utter_part_button_query_bill", "query_bill", account)])
        elif "month" in given and is_verified(tracker, tracker.get_slot("account_no")) and not account:
            # "那上个月呢" right after a bill: that month's bill, no second check
            return [SlotSet("month", given["month"]), FollowupAction("bill_form")]
        elif "month" in given:
            dispatcher.utter_message(response="utter_clarify_month", month_text=month_zh(given["month"]),
                                     buttons=[button("utter_part_button_query_bill", "query_bill",
                                                     {**account, "month": given["month"]})])
        elif account:
            dispatcher.utter_message(response="utter_clarify_account", buttons=bill_or_pay(account))
        elif names_bill_only(turn.text(tracker)):
            dispatcher.utter_message(response="utter_clarify_bill_or_pay", buttons=bill_or_pay({}))
        else:
            dispatcher.utter_message(response="utter_default")
        return []


def bill_or_pay(account: dict[str, str]) -> list[dict[str, str]]:
    """The two things a customer does with a bill, as buttons that start them."""
    return [button("utter_part_button_query_bill", "query_bill", account),
            button("utter_part_button_pay", "top_up", account)]
