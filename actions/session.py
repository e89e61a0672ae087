"""action_session_start: every Rasa session begins knowing its channel.

The gateway sends the conversation's channel (web, wechat, voice) in every message's
metadata, and Rasa hands the first message's metadata to the session start (the
``session_started_metadata`` slot).  Setting the ``channel`` slot here, inside the
session's own start, picks the responses' channel variants (bot/domain.yml) for the
whole conversation with no extra call to Rasa's tracker API.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from services.channels import CHANNELS


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        metadata = tracker.get_slot("session_started_metadata") or {}
        channel = metadata.get("channel") if isinstance(metadata, dict) else None
        events: list[dict[str, Any]] = [SessionStarted()]
        if channel in CHANNELS:  # anything else keeps the default variants
            events.append(SlotSet("channel", channel))
        events.append(ActionExecuted("action_listen"))
        return events
