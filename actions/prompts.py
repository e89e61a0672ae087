"""The forms' prompts that are a plain domain response (the phone's last four, the
outage's extent, the meter's screen), as actions.

Why actions: a request that also asks something not ours (查下3300000001的电费 顺便问下
今天天气) must hear its prompt first and then that the question is not ours
(``actions.not_ours``); a response the form utters itself cannot add that.
Rasa's form asks for ``slot`` with ``action_ask_<slot>`` when the domain lists one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.not_ours import then_second_not_ours


class PlainPrompt(Action, ABC):
    """``utter_ask_<slot>`` as the form's question for ``slot`` (abstract: never registered)."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this prompt asks for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


class ActionAskLast4(PlainPrompt):
    slot = "last4"


class ActionAskOutageKind(PlainPrompt):
    slot = "outage_kind"


class ActionAskMeterDark(PlainPrompt):
    slot = "meter_dark"
