"""A bare answer (a 户号, an amount, a month) when the bot asked nothing: the customer
is usually about to ask for a bill or a top-up, so ask which, with one-tap buttons.

The buttons carry the value as an entity of their payload (``/top_up{"amount": "100"}``),
so the chosen form starts with it and does not ask again; nothing is put in a slot
before the customer has said what it is for.  An amount is a figure said as money or
with a magnitude (一百块, 充五十, 两百); digits alone (2468, 二四六八, 嗯 五六七八) say
nothing of what they are (the last four? an amount?), so they are asked about with
buttons that carry nothing, never proposed as an amount to pay.  The bill named and
nothing asked of it (电费, 电费的事: services/bill_topic.py) gets the same question:
look it up or pay it?  等一下 / 稍等 (services/prompt_words.py) is waited for, as at a
form's prompt.
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
from services.prompt_words import waits, without_filler
from services.textnorm import is_digit_string


class ActionClarifyInform(Action):
    def name(self) -> str:
        return "action_clarify_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if waits(turn.text(tracker)):  # 等一下 when nothing was asked: it is waited for
            dispatcher.utter_message(response="utter_wait")
            return []
        given = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities", [])}
        account = {"account_no": given["account_no"]} if "account_no" in given else {}
        if amount := said_as_amount(tracker):
            dispatcher.utter_message(
                response="utter_clarify_amount", amount_text=yuan(amount),
                buttons=[button("utter_part_button_pay", "top_up", {**account, "amount": amount}),
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
        elif names_bill_only(turn.text(tracker)) or "amount" in given \
                or is_digit_string(without_filler(turn.text(tracker))):
            # 电费 alone, or a figure that is not said to be money: what is it for?
            dispatcher.utter_message(response="utter_clarify_bill_or_pay", buttons=bill_or_pay({}))
        else:
            dispatcher.utter_message(response="utter_default")
        return []


def said_as_amount(tracker: Tracker) -> str | None:
    """The amount in the latest message when it was said as one: as money or a payment
    (一百块, 充五十, a button's), or with a magnitude (两百); digits alone (2468) are none."""
    if stated := turn.states_amount(tracker):
        return stated
    found = next((e for e in tracker.latest_message.get("entities", []) if e.get("entity") == "amount"), None)
    if found is None or is_digit_string(str(found.get("raw") or found.get("value") or "")):
        return None
    return str(found["value"])


def bill_or_pay(account: dict[str, str]) -> list[dict[str, str]]:
    """The two things a customer does with a bill, as buttons that start them."""
    return [button("utter_part_button_query_bill", "query_bill", account),
            button("utter_part_button_pay", "top_up", account)]
