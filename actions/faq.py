"""Business questions (过户、新装、发票 …) answered from the knowledge graph.

A follow-up such as 需要带什么材料 / 多久能办好 right after an answer is answered from
that topic's neighbourhood in the graph, even when the NLU took it for out of scope or
was unsure (rules.yml sends those here right after an answer).  Answers, follow-ups
included, are for the customer's province: the one the question names, else the
verified account's, else the one the customer named earlier in the conversation (我家在
北京 …); a province the data has no figure for is said to be unknown (knowledge_graph/
answers.py).  When the retriever is not confident the bot
says so, offers the three nearest topics as buttons and offers a human; a customer who
declines them (不是, 都不是 …) is handed to a human.

A message that asks two things (查下电费 顺便问下过户要什么材料) carries its second
question in the parse (``knowledge.second_question``, from bot/knowledge_router.py):
``action_take_up_second_question`` answers it before the first request's flow starts
(rules.yml), and the FAQ answer answers it after the first question's.  A second
question that is not ours is said to be out of scope after the flow's own first reply or
prompt (``actions.not_ours``), so the request is answered first.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.handoff import hand_over
from actions.not_ours import second_is_not_ours, second_question
from actions.replies import HANDOFF_BUTTON, joined, part
from services.regions import province_named_in

SUGGESTIONS = 3
# What to say when a message the NLU did not take for a question of ours, tried as a
# follow-up of the last answer, is not one either.
NOT_OURS = {"out_of_scope": "utter_out_of_scope", "nlu_fallback": "utter_default"}
# The reply that offers the nearest topics when the retriever is not sure.
NOT_SURE = "utter_faq_not_sure"
# A "no" to the suggestions: the intent deny, or these words whatever the NLU made of them.
DECLINE = re.compile(r"^(都|全都|也)?(不是|不对|没有|没用|不要)|都不是|都不对|没有我要|不是我要|不是我想")


def declined_suggestions(tracker: Tracker) -> bool:
    """The bot's last message offered suggestions and the customer said no to them."""
    last_bot = next((e for e in reversed(tracker.events) if e.get("event") == "bot"), None)
    if last_bot is None or (last_bot.get("metadata") or {}).get("utter_action") != NOT_SURE:
        return False
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    return intent == "deny" or bool(DECLINE.search(tracker.latest_message.get("text") or ""))


def sources_note(answer: str, sources: list[Any], channel: str | None) -> str:
    """The documents the answer rests on (utter_faq_answer's ``sources``), unless the
    answer already names them (the knowledge graph's answers carry their 依据)."""
    if "依据" in answer:
        return ""
    names = [s if isinstance(s, str) else s.get("title") or s.get("name") or "" for s in sources or []]
    names = [n for n in dict.fromkeys(names) if n]
    return part("utter_part_sources", channel, sources=joined(names)) if names else ""


def say_answer(dispatcher: CollectingDispatcher, tracker: Tracker, found: dict) -> None:
    """A knowledge-graph answer, with its sources."""
    answer = found["answer"]
    dispatcher.utter_message(response="utter_faq_answer", answer=answer,
                             sources=sources_note(answer, found.get("sources"), tracker.get_slot("channel")))


def province_named_before(tracker: Tracker) -> str | None:
    """The province the customer last named in this conversation (我家在北京 …), or None."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            named = province_named_in(event.get("text") or "")
            if named is not None:
                return named.key
    return None


async def province_params(tracker: Tracker) -> dict[str, str]:
    """``{"province": key}`` whose rules the answer is for (the question's own words are
    read first, by the service): the verified account's, else the one the customer named
    earlier in the conversation; {} when neither is known."""
    account_no = tracker.get_slot("verified_account")
    if account_no:
        try:
            return {"province": (await svc.account_summary(account_no, turn.turn_key(tracker))).province}
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            pass  # then as if unverified
    named = province_named_before(tracker)
    return {"province": named} if named else {}  # {}: the answer names each province's figures


async def followup(topic: str | None, question: str, province: dict[str, str]) -> dict | None:
    """The answer to an aspect question (materials, time limit …) about ``topic``, for
    the customer's province (``province_params``)."""
    if not topic:
        return None
    try:
        return await svc.call("GET", f"/kg/topics/{topic}/followup", params={"q": question, **province})
    except svc.ServiceFailed:
        return None  # not an aspect question (422) or unknown topic


async def take_up_second_question(dispatcher: CollectingDispatcher, tracker: Tracker,
                                  not_ours_after: bool = False) -> list[dict[str, Any]]:
    """Answer the message's second question from the knowledge graph, saying which one it
    is; if the retriever is not sure, offer its nearest topics to tap once the first
    request is done.  Nothing when the message asked one thing.  ``not_ours_after``: a
    flow is about to start, and a question not ours is left for after its own reply or
    prompt (``actions.not_ours.say_second_not_ours``)."""
    question = second_question(tracker)
    if not question:
        return []
    if second_is_not_ours(tracker):  # 顺便问下今天天气: said to be out of scope, nothing filled
        if not not_ours_after:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
    try:
        found = await svc.call("GET", "/kg/search",
                               params={"q": question, "k": SUGGESTIONS, **await province_params(tracker)})
    except (svc.ServiceUnavailable, svc.ServiceFailed):
        dispatcher.utter_message(response="utter_second_question_later", question=question)
        return []
    results = found.get("results") or []
    if found.get("confident") and results:
        best = results[0]
        dispatcher.utter_message(response="utter_second_question_answer", question=question,
                                 answer=best["answer"] + sources_note(best["answer"], best.get("sources"),
                                                                      tracker.get_slot("channel")))
        return [SlotSet("last_topic", best["topic"])]
    buttons = [{"title": r["question"], "payload": r["question"]} for r in results[:SUGGESTIONS]]
    dispatcher.utter_message(response="utter_second_question_choices", question=question, buttons=buttons)
    return []


async def take_up_after_an_answer(dispatcher: CollectingDispatcher, tracker: Tracker,
                                   events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A form's run that filled a slot from the latest message (户号 顺便问下…): the
    message's second question answered (or said to be out of scope) before the form's
    next prompt."""
    answered = any(e.get("name") != "requested_slot" for e in events if e.get("event") == "slot")
    if answered and turn.is_fresh(tracker):
        return await take_up_second_question(dispatcher, tracker)
    return []


class ActionTakeUpSecondQuestion(Action):
    """Before a service flow starts: the second question of the same message, answered."""

    def name(self) -> str:
        return "action_take_up_second_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return await take_up_second_question(dispatcher, tracker, not_ours_after=True)


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # A message that asks two questions: this answers the first, on its own words.
        second = (tracker.latest_message.get("knowledge") or {}).get("second_question") or {}
        question = second.get("first_question") or tracker.latest_message.get("text") or ""
        last_topic = tracker.get_slot("last_topic")
        if declined_suggestions(tracker):
            dispatcher.utter_message(response="utter_handoff")
            hand_over(dispatcher, tracker, "faq_declined")
            return []
        if (tracker.latest_message.get("intent") or {}).get("name") == "deny":  # a "no" to an answer
            dispatcher.utter_message(response="utter_ack")
            return []
        try:
            province = await province_params(tracker)
            found = await svc.call("GET", "/kg/search", params={"q": question, "k": SUGGESTIONS, **province})
            results = found.get("results") or []
            best = results[0] if found.get("confident") and results else None
            # Once a topic is in play, "需要带什么材料" asks about one aspect of it: of the
            # topic the question names if the retriever is sure, else of the last one.
            topic = best["topic"] if best else last_topic
            aspect = await followup(topic, question, province) if last_topic else None
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_faq_unavailable")
            return []
        if aspect:
            say_answer(dispatcher, tracker, aspect)
            return [SlotSet("last_topic", aspect.get("topic", topic)), *await take_up_second_question(dispatcher, tracker)]
        if best:
            say_answer(dispatcher, tracker, best)
            return [SlotSet("last_topic", best["topic"]), *await take_up_second_question(dispatcher, tracker)]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in NOT_OURS:  # tried as a follow-up (rules.yml), and it is not one
            dispatcher.utter_message(response=NOT_OURS[intent])
            return []
        self._not_sure(dispatcher, results)
        return []

    @staticmethod
    def _not_sure(dispatcher: CollectingDispatcher, results: list[dict]) -> None:
        buttons = [{"title": r["question"], "payload": r["question"]} for r in results[:SUGGESTIONS]]
        dispatcher.utter_message(response=NOT_SURE, buttons=[*buttons, HANDOFF_BUTTON])
