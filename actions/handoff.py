"""Handing the conversation to a human agent.

Every hand-over ends in :func:`hand_over`: a custom payload
``{"handoff": true, "reason": …, "text": …}`` tells the gateway's turn pipeline
(api/turns.py, then api/handoff_flow.py) to queue the conversation for the agents, record
the pause in Rasa's tracker and keep the bot silent until an agent resolves it.  The
agent who takes it sees the whole conversation so far (handoff/history.py), which is
what utter_handoff promises the customer.  The reasons: the customer asks
(request_human, 转人工, mid-form included), complains, is not understood twice in a
row, declines the knowledge base's suggestions, fails the identity check three times,
reports a danger (here or in the outage report, actions/outage.py), or a top-up fails
at the payment service.  A complaint or 转人工 followed by a question not about power
(我要投诉 顺便问下明天天气) is answered first, then the question is said to be not ours
(actions/not_ours.py), then the conversation is handed over.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services_client as svc
from actions.not_ours import say_second_not_ours
from actions.replies import time_zh

log = logging.getLogger("powerdesk.actions.handoff")


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> None:
    """Tell the gateway to queue this conversation for a human (it tells the customer
    their place in the queue, or offers a callback when nobody can answer)."""
    dispatcher.utter_message(json_message={"handoff": True, "reason": reason,
                                           "text": tracker.latest_message.get("text") or ""})


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the customer's message before the latest one."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return None


class ActionHandoff(Action):
    """The customer asked for a human (the intent request_human, the 转人工 button)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_handoff")
        say_second_not_ours(dispatcher, tracker)
        # 转人工 in the middle of a danger report: still the urgent case.
        danger = tracker.get_slot("outage_kind") == "danger"
        hand_over(dispatcher, tracker, "danger_outage" if danger else "request_human")
        return []


class ActionComplaint(Action):
    """A complaint: recorded as a ticket (category, the customer's words, the verified
    account) with the promise of contact within one working day, then a human."""

    def name(self) -> str:
        return "action_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        try:
            ticket = await svc.call("POST", "/handoff/complaints", json={
                "conversation_id": tracker.sender_id, "text": tracker.latest_message.get("text") or "",
                "account_no": tracker.get_slot("verified_account")})
            due = time_zh(datetime.fromisoformat(ticket["contact_due_at"].replace("Z", "+00:00")))
            dispatcher.utter_message(response="utter_complaint_recorded", code=ticket["code"], due=due)
        except (svc.ServiceUnavailable, svc.ServiceFailed) as exc:
            log.error("could not record a complaint: %s", exc)
            dispatcher.utter_message(response="utter_complain")
        say_second_not_ours(dispatcher, tracker)
        hand_over(dispatcher, tracker, "complain")
        return []


class ActionFallback(Action):
    """Not understood: ask again; not understood twice in a row: a human."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(response="utter_fallback_handoff")
            hand_over(dispatcher, tracker, "fallback")
            return []
        dispatcher.utter_message(response="utter_default")
        return []
