"""Handing the conversation to a human agent.

The action tells the gateway with a custom payload ``{"handoff": true}``; the gateway
then routes the customer's next messages to the agents' queue instead of Rasa.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict



class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reason = tracker.latest_message.get("intent", {}).get("name") or "request_human"
        dispatcher.utter_message(text="好的，正在为您转接人工客服，请稍候。您之前的对话记录会一并转给客服人员，无需重复描述。")
        dispatcher.utter_message(json_message={"handoff": True, "reason": reason})
        return []
