"""Leaving a form: the customer cancels (取消、算了) or changes course."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# What a half-filled request leaves behind; the verified 户号 stays for the next request.
REQUEST_SLOTS = ("amount", "topup_confirm", "payment_key", "payment_for", "last4", "month", "requested_slot")


def leave_form() -> list[dict[str, Any]]:
    return [ActiveLoop(None), *(SlotSet(slot, None) for slot in REQUEST_SLOTS)]


class ActionCancelForm(Action):
    """Leaves the form silently; the rule that called it says what comes next."""

    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return leave_form()
