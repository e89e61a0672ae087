"""The identity check both the bill and the top-up forms run before showing a bill or
taking money: the 户号, then the last four digits of the registered mobile.

The billing service counts wrong answers per account, across conversations and
channels, and locks the account's check for a while after three (growing with each
lock); the form then ends and its submit action explains the lock and offers a human.

What fills the form's slots is decided here for the slot actually asked
(``actions.form_turn``): an answer to the last-four prompt is an identity check and
nothing else, whatever the NLU found in it.

A voice caller whose number is the registered mobile of one 户号 (the voice gateway
passes the match as message metadata, ``caller_accounts``) is offered that 户号 when
asked for it; a "yes" (or key 1) takes it, and the last four are asked all the same.
"""
from __future__ import annotations

import logging
import re
from abc import abstractmethod
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.faq import take_up_after_an_answer
from actions.handoff import hand_over
from actions.not_ours import then_second_not_ours
from actions.replies import time_zh
from services import clock
from services.bill_topic import names_bill_only
from services.channels import VOICE
from services.masking import mask_account_no
from services.prompt_words import cannot_give_last4, waits
from services.textnorm import parse_account_no, parse_last4

log = logging.getLogger("powerdesk.actions")


def lock_of(tracker: Tracker, account_no: str | None) -> datetime | None:
    """Until when the identity check of ``account_no`` is locked, as the service said."""
    lock = tracker.get_slot("identity_lock") or {}
    if not account_no or lock.get("account_no") != account_no or not lock.get("until"):
        return None
    until = datetime.fromisoformat(lock["until"])
    return until if until > clock.utcnow() else None


def is_locked(tracker: Tracker, account_no: str | None) -> bool:
    return lock_of(tracker, account_no) is not None


def is_verified(tracker: Tracker, account_no: str | None) -> bool:
    return bool(account_no) and tracker.get_slot("verified_account") == account_no


ANOTHER_ACCOUNT = re.compile(r"换.{0,3}户号|(另一个|别的|其他)户号|户号.{0,2}(错了|不对)")


# The customer does not have the answer at hand (户号忘了, 不记得了): no format error.
FORGOT = re.compile(r"忘了|忘记|不记得|记不得|记不清|不知道|找不到")


def wants_another_account(tracker: Tracker) -> bool:
    """"换个户号" / "户号错了" without a new number: start the identity check over."""
    return bool(ANOTHER_ACCOUNT.search(tracker.latest_message.get("text") or ""))


def caller_account(tracker: Tracker) -> str | None:
    """On a call, the one 户号 whose registered mobile is the calling number, if exactly one."""
    if tracker.get_slot("channel") != VOICE:
        return None
    accounts = (tracker.latest_message.get("metadata") or {}).get("caller_accounts") or []
    return accounts[0] if len(accounts) == 1 else None


class ActionAskAccountNo(Action):
    """The forms' question for the 户号: on a call from an account's registered mobile, that
    account is offered (masked); otherwise the usual question."""

    def name(self) -> str:
        return "action_ask_account_no"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        offer = caller_account(tracker)
        if offer and not is_locked(tracker, offer):
            dispatcher.utter_message(response="utter_ask_account_no_offer", masked_account=mask_account_no(offer))
            return [SlotSet("offered_account", offer)]
        dispatcher.utter_message(response="utter_ask_account_no")
        return [SlotSet("offered_account", None)]


class IdentityFormValidation(FormValidationAction):
    """Base for forms that need a verified 户号 (bill_form, topup_form).

    Each form's own trigger intent is its ``own_intent``: said again at a prompt
    ("我要交电费" while asked for the 户号) it repeats the request, so the form asks
    its question again instead of reading the words as an answer.
    """

    own_intent: str = ""

    @abstractmethod
    def name(self) -> str:
        """Each form's validation action names itself (abstract: never registered)."""

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        account_no = tracker.get_slot("account_no")
        if is_locked(tracker, account_no):
            # Nothing more to ask: the form ends and its submit action explains the lock.
            # (Not []: the 户号 just given must still be validated, or the turn is lost.)
            return ["account_no"]
        if is_verified(tracker, account_no):
            return [slot for slot in domain_slots if slot != "last4"]
        return domain_slots

    # ------------------------------------------------------------------ extraction

    def _starting(self, tracker: Tracker) -> bool:
        """The form's first run, on the message that started it."""
        return turn.is_fresh(tracker) and turn.started_now(tracker, self.form_name())

    def _asked(self, tracker: Tracker, slot: str) -> bool:
        """Whether the latest message answers the form's question for ``slot`` (a clear
        question or another request asked at the prompt answers nothing: its rule
        takes it, and the form asks again)."""
        return (turn.is_fresh(tracker) and not self._starting(tracker) and turn.requested_slot(tracker) == slot
                and not turn.asks_something_else(tracker, self.own_intent))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Fill and check the slots; an answer that goes on to ask a question (3300000001
        顺便问下过户要带什么) gets the question answered before the form's next prompt."""
        events = await super().run(dispatcher, tracker, domain)
        if not self._starting(tracker):  # at the start, the rule took the question up
            events.extend(await take_up_after_an_answer(dispatcher, tracker, events))
        return events

    def _not_an_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> dict[str, Any]:
        """What a message without a ready value for ``slot`` does at its prompt."""
        said = turn.text(tracker)
        if waits(said):  # 等一下 我找找: nothing taken, the prompt again
            dispatcher.utter_message(response="utter_wait")
            return {slot: None}
        if slot == "last4" and (cannot_give_last4(said) or FORGOT.search(said)):
            # 手机号换了, 尾号不记得了: the check cannot be passed here; a human is offered
            dispatcher.utter_message(response="utter_cannot_verify")
            return {slot: None}
        if names_bill_only(said) or FORGOT.search(said) \
                or (slot != "amount" and turn.entity(tracker, "month")):
            # 电费 alone, 忘了, or the month (查10月的, kept by its slot): the prompt again
            return {slot: None}
        if turn.looks_like_an_answer(tracker):
            return {slot: turn.text(tracker)}  # validated: the customer hears what is wrong
        if turn.intent(tracker) in (self.own_intent, "affirm"):
            return {slot: None}  # the same request again, or a bare 好的: ask again
        return {}  # a clear other request: the form steps aside for its rule

    async def extract_account_no(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if self._starting(tracker):
            return turn.slots_from({"account_no": turn.entity(tracker, "account_no")})
        if not self._asked(tracker, "account_no"):
            return {}
        offered = tracker.get_slot("offered_account")
        if offered and turn.intent(tracker) == "affirm":  # "是" to the caller's own 户号
            return {"account_no": offered, "offered_account": None}
        account_no = turn.entity(tracker, "account_no") or parse_account_no(turn.text(tracker))
        if account_no:
            return {"account_no": account_no}
        return self._not_an_answer(dispatcher, tracker, "account_no")

    async def extract_last4(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if self._starting(tracker) or self._asked(tracker, "account_no"):
            return turn.slots_from({"last4": turn.states_last4(tracker)})  # "户号…，尾号5678"
        if not self._asked(tracker, "last4"):
            return {}
        if wants_another_account(tracker):
            dispatcher.utter_message(response="utter_another_account")
            return {"account_no": None, "last4": None}
        if phone := turn.entity(tracker, "phone"):
            return {"last4": phone[-4:]}  # the whole mobile given: its last four are the answer
        return self._not_an_answer(dispatcher, tracker, "last4")

    # ------------------------------------------------------------------ validation

    async def validate_account_no(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"account_no": None}  # asked again, nothing to check
        account_no = parse_account_no(str(value))
        if account_no is None:
            dispatcher.utter_message(response="utter_bad_account_no")
            return {"account_no": None}
        try:
            await svc.account_summary(account_no, turn.turn_key(tracker))  # the turn's answer reads it again
        except svc.ServiceFailed as failure:
            # An unknown 户号 goes on to the last-four prompt like a known one, and fails
            # there the same way (the service counts and locks it too): whether a 户号
            # exists is not told to someone who has not proved they hold it.
            if failure.status != 404:
                dispatcher.utter_message(text=failure.message_zh)
                return {"account_no": None}
        except svc.ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"account_no": None}
        slots: dict[str, Any] = {"account_no": account_no}
        if not is_verified(tracker, account_no):
            slots["last4"] = None  # a new 户号 needs its own check
        return slots

    async def validate_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        account_no = tracker.get_slot("account_no")
        if not account_no or value is None:
            return {"last4": None}
        last4 = parse_last4(str(value or "")) if said_as_last4(tracker, value) else None
        if last4 is None:
            dispatcher.utter_message(response="utter_bad_last4")
            return {"last4": None}
        try:
            check = await svc.verify_identity(account_no, last4, client_of(tracker))
        except svc.ServiceFailed as failure:
            if failure.status == 429:  # too many checks: the service says when to come back
                dispatcher.utter_message(text=failure.message_zh)
            else:
                dispatcher.utter_message(response="utter_identity_unavailable")
            return {"last4": None}
        except svc.ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"last4": None}
        if check.verified:
            await link_for_agents(tracker.sender_id, account_no)
            return {"last4": last4, "verified_account": account_no}
        if check.locked_until:
            return {"last4": None, "identity_lock": {"account_no": account_no, "until": check.locked_until}}
        dispatcher.utter_message(response="utter_wrong_last4", attempts_left=check.attempts_left)
        return {"last4": None}


def said_as_last4(tracker: Tracker, value: Any) -> bool:
    """Whether ``value`` may be read as the phone's last four.

    Digits from a message that also carries a 户号 are taken only when the customer
    said which they are ("户号3300000002 手机尾号1234"): the four digits of a bare
    户号 are never a guess at the check.
    """
    if not turn.entity(tracker, "account_no"):
        return True
    return value is not None and str(value) == turn.states_last4(tracker)


def client_of(tracker: Tracker) -> str:
    """Who is asking, for the service's per-client rate on wrong answers: the tag the
    gateway derived from the client's IP (``metadata.client``), else the conversation."""
    metadata = tracker.latest_message.get("metadata") or {}
    return str(metadata.get("client") or f"conversation:{tracker.sender_id}")[:64]


async def link_for_agents(conversation_id: str, account_no: str) -> None:
    """Best effort: the customer is verified whether or not the link is recorded."""
    try:
        await svc.link_conversation(conversation_id, account_no)
    except (svc.ServiceUnavailable, svc.ServiceFailed) as exc:
        log.warning("could not link conversation to its account: %s", exc)


def locked_reply(dispatcher: CollectingDispatcher, tracker: Tracker, account_no: str) -> None:
    until = lock_of(tracker, account_no)
    dispatcher.utter_message(response="utter_identity_locked", until=time_zh(until) if until else "")
    hand_over(dispatcher, tracker, "identity_locked")
