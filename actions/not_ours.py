"""A message's second question that is not ours (我家停电了 顺便问下今天天气): said to be
out of scope after the request's own reply or prompt, so the request is answered first.

The NLU marks it in the parse (``knowledge.second_question`` with ``not_ours``, from
bot/knowledge_router.py); ``then_second_not_ours`` wraps the ``run`` of every form prompt
and every flow's answer, and a flow that ends in a hand-over (a complaint, 转人工) says it
before handing over (actions/handoff.py).  A second question that is ours is answered
from the knowledge graph instead (actions/faq.py).
"""
from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


def second_is_not_ours(tracker: Tracker) -> bool:
    """The second question names nothing of the power business (bot/knowledge_router.py)."""
    found = (tracker.latest_message.get("knowledge") or {}).get("second_question") or {}
    return bool(found.get("not_ours"))


def second_question(tracker: Tracker) -> str | None:
    """The later question of a message that asked two, as the NLU found it."""
    found = (tracker.latest_message.get("knowledge") or {}).get("second_question") or {}
    return found.get("text") or None


# The replies that say a question is not ours.
NOT_OURS_REPLIES = ("utter_out_of_scope", "utter_second_not_ours")


def said_not_ours_yet(tracker: Tracker) -> bool:
    """Whether a reply since the latest message said that something in it is not ours."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in NOT_OURS_REPLIES:
            return True
    return False


def say_second_not_ours(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After a request's own reply or prompt (我家停电了 顺便问下今天天气: the address is
    asked first): "另外，您顺便问的问题不在我的服务范围内…", once per message.  Nothing
    for a message that asked one thing, or a second question of ours (answered before the
    flow started)."""
    if second_question(tracker) and second_is_not_ours(tracker) and not said_not_ours_yet(tracker):
        dispatcher.utter_message(response="utter_second_not_ours")


RunMethod = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[dict[str, Any]]]]


def then_second_not_ours(run: RunMethod) -> RunMethod:
    """For the ``run`` of every form prompt and every flow's answer: what it says, then
    ``say_second_not_ours`` (whichever of them ends the turn says it, once)."""
    @functools.wraps(run)
    async def run_then_say(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> list[dict[str, Any]]:
        events = await run(self, dispatcher, tracker, domain)
        say_second_not_ours(dispatcher, tracker)
        return events
    return run_then_say
