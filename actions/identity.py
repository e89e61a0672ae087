"""The identity check both the bill and the top-up forms run before showing a bill or
taking money: the 户号, then the last four digits of the registered mobile.

Three wrong answers lock that 户号 for the rest of the conversation; the form then
ends and its submit action explains the lock and offers a human agent.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services_client as svc
from actions.replies import HANDOFF_BUTTON
from services.textnorm import parse_account_no, parse_last4

MAX_VERIFY_FAILURES = 3


def is_locked(tracker: Tracker, account_no: str | None) -> bool:
    return bool(account_no) and account_no in (tracker.get_slot("locked_accounts") or [])


def is_verified(tracker: Tracker, account_no: str | None) -> bool:
    return bool(account_no) and tracker.get_slot("verified_account") == account_no


class IdentityFormValidation(FormValidationAction):
    """Base for forms that need a verified 户号 (bill_form, topup_form)."""

    @abstractmethod
    def name(self) -> str:
        """Each form's validation action names itself (abstract: never registered)."""

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        account_no = tracker.get_slot("account_no")
        if is_locked(tracker, account_no):
            return []  # end the form; the submit action explains why
        if is_verified(tracker, account_no):
            return [slot for slot in domain_slots if slot != "last4"]
        return domain_slots

    async def validate_account_no(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        account_no = parse_account_no(str(value or ""))
        if account_no is None:
            dispatcher.utter_message(text="户号是10位数字，请核对后重新输入（例如：3300000001）。")
            return {"account_no": None}
        try:
            await svc.account_summary(account_no)
        except svc.ServiceFailed as failure:
            if failure.status == 404:
                dispatcher.utter_message(text="没有查到这个户号，请核对后重新输入。户号可以在电费账单或“网上国网”App上查看。")
            else:
                dispatcher.utter_message(text=failure.message_zh)
            return {"account_no": None}
        except svc.ServiceUnavailable:
            dispatcher.utter_message(text="抱歉，系统暂时繁忙，暂时无法核对户号，请稍后再试，或回复“转人工”。")
            return {"account_no": None}
        slots: dict[str, Any] = {"account_no": account_no}
        if account_no != tracker.get_slot("account_no") or not is_verified(tracker, account_no):
            slots.update(last4=None, verify_failures=0.0)  # a new 户号 needs its own check
        return slots

    async def validate_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        account_no = tracker.get_slot("account_no")
        if not account_no or _message_has_entity(tracker, "account_no"):
            return {"last4": None}  # the customer gave a (new) 户号, not the check digits
        if wants_another_account(tracker):
            dispatcher.utter_message(text="好的，换一个户号。")
            return {"account_no": None, "last4": None, "verify_failures": 0.0}
        last4 = parse_last4(str(value or ""))
        if last4 is None:
            dispatcher.utter_message(text="请输入登记手机号的后4位数字。")
            return {"last4": None}
        try:
            verified = await svc.verify_identity(account_no, last4)
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(text="抱歉，系统暂时繁忙，身份核验没有完成，请稍后再输入一次，或回复“转人工”。")
            return {"last4": None}
        if verified:
            return {"last4": last4, "verified_account": account_no, "verify_failures": 0.0}
        return self._wrong_answer(dispatcher, tracker, account_no)

    @staticmethod
    def _wrong_answer(dispatcher: CollectingDispatcher, tracker: Tracker, account_no: str) -> dict[str, Any]:
        failures = int(tracker.get_slot("verify_failures") or 0) + 1
        if failures >= MAX_VERIFY_FAILURES:
            locked = list(tracker.get_slot("locked_accounts") or []) + [account_no]
            return {"last4": None, "verify_failures": float(failures), "locked_accounts": locked}
        left = MAX_VERIFY_FAILURES - failures
        dispatcher.utter_message(text=f"手机号后4位与登记信息不一致，请再试一次（还可以尝试{left}次）。")
        return {"last4": None, "verify_failures": float(failures)}


ANOTHER_ACCOUNT = re.compile(r"换.{0,3}户号|(另一个|别的|其他)户号|户号.{0,2}(错了|不对)")


def wants_another_account(tracker: Tracker) -> bool:
    """"换个户号" / "户号错了" without a new number: start the identity check over."""
    return bool(ANOTHER_ACCOUNT.search(tracker.latest_message.get("text") or ""))


def _message_has_entity(tracker: Tracker, entity: str) -> bool:
    return any(e.get("entity") == entity for e in tracker.latest_message.get("entities", []))


def locked_reply(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(
        text="手机号后4位连续3次核验未通过，为保护您的账户安全，本次会话中该户号已暂停查询和缴费。"
        "如需帮助，我可以为您转接人工客服。",
        buttons=[HANDOFF_BUTTON],
    )
