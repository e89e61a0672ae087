"""Top-up: topup_form collects a verified 户号, the amount and a confirmation;
action_top_up pays.

Never charging twice: the idempotency key is made when the bot asks for the
confirmation, so a repeated 确认, a retried HTTP call or a replayed turn all carry the
same key, and the billing service answers them with the one payment it made.
"""
from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services_client as svc
from actions.identity import IdentityFormValidation, is_locked, locked_reply, wants_another_account
from actions.replies import HANDOFF_BUTTON, month_zh, yuan
from services.billing.limits import MAX_PAYMENT, MIN_PAYMENT, RANGE_ZH
from services.masking import mask_account_no
from services.textnorm import parse_amount

# The chat channel a customer pays through -> the billing service's payment channel.
PAYMENT_CHANNELS = {"web": "app", "wechat": "wechat", "voice": "app"}
CONFIRM_BUTTONS = [{"title": "确认", "payload": "/affirm"}, {"title": "取消", "payload": "/deny"}]


class ValidateTopupForm(IdentityFormValidation):
    def name(self) -> str:
        return "validate_topup_form"

    async def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if wants_another_account(tracker):
            dispatcher.utter_message(text="好的，换一个户号。")
            return {"account_no": None, "last4": None, "amount": None, "verify_failures": 0.0}
        amount = parse_amount(str(value or ""))
        if amount is None:
            dispatcher.utter_message(text="没听清金额，请告诉我要缴纳多少元，例如“100元”或“一百块”。")
            return {"amount": None}
        if not MIN_PAYMENT <= amount <= MAX_PAYMENT:
            dispatcher.utter_message(text=f"{RANGE_ZH}，请重新输入。")
            return {"amount": None}
        # A changed amount needs a fresh confirmation.
        return {"amount": f"{amount.quantize(MIN_PAYMENT)}", "topup_confirm": None}


class ActionAskTopupConfirm(Action):
    """Ask for the confirmation and mint the idempotency key it stands for."""

    def name(self) -> str:
        return "action_ask_topup_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        account_no, amount = tracker.get_slot("account_no"), tracker.get_slot("amount")
        dispatcher.utter_message(
            text=f"请确认：为户号{mask_account_no(account_no)}缴纳电费{yuan(amount)}。确认请回复“确认”，不缴了请回复“取消”。",
            buttons=CONFIRM_BUTTONS,
        )
        return [SlotSet("payment_key", f"chat-{uuid.uuid4().hex}")]


def describe_payment(payment: dict, account_no: str) -> str:
    text = f"缴费成功！户号{mask_account_no(account_no)}已缴纳{yuan(payment['amount'])}，交易编号 {payment['payment_id']}。"
    applied = payment.get("applied_to") or []
    if applied:
        text += "已抵扣：" + "、".join(f"{month_zh(a['period'])}账单{yuan(a['amount'])}" for a in applied) + "。"
    if payment.get("balance_after") is not None:
        text += f"当前账户余额 {yuan(payment['balance_after'])}。"
    return text


async def pay_and_reply(dispatcher: CollectingDispatcher, pending: dict, channel: str) -> bool:
    """Pay ``pending`` ({key, account_no, amount}); True once the payment is recorded."""
    try:
        payment = await svc.pay(pending["account_no"], pending["amount"], pending["key"], channel)
    except svc.ServiceUnavailable:
        dispatcher.utter_message(
            text="抱歉，支付系统暂时没有响应，这笔缴费还没有确认完成。请放心，不会重复扣款：稍后回复“确认”即可重试，也可以回复“转人工”。",
            buttons=[{"title": "确认", "payload": "/affirm"}, HANDOFF_BUTTON],
        )
        return False
    except svc.ServiceFailed as failure:
        dispatcher.utter_message(text=f"缴费没有成功：{failure.message_zh}如需帮助可回复“转人工”。", buttons=[HANDOFF_BUTTON])
        return False
    dispatcher.utter_message(text=describe_payment(payment, pending["account_no"]))
    return True


def payment_channel(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    return PAYMENT_CHANNELS.get(metadata.get("channel", "web"), "app")


class ActionTopUp(Action):
    def name(self) -> str:
        return "action_top_up"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        account_no = tracker.get_slot("account_no")
        done = [SlotSet(s, None) for s in ("amount", "topup_confirm", "payment_key", "last4")]
        if is_locked(tracker, account_no):
            locked_reply(dispatcher)
            return [SlotSet("account_no", None), *done]
        if not tracker.get_slot("topup_confirm"):
            dispatcher.utter_message(text="好的，这笔缴费已取消，没有扣款。")
            return done
        pending = {"key": tracker.get_slot("payment_key"), "account_no": account_no, "amount": tracker.get_slot("amount")}
        paid = await pay_and_reply(dispatcher, pending, payment_channel(tracker))
        return [*done, SlotSet("last_payment", {**pending, "paid": paid})]


class ActionRepeatConfirmation(Action):
    """A 确认 outside any form: most often a repeated confirmation of the last top-up.

    Re-sending the last payment with its own key either finishes one that the billing
    service never confirmed or returns the one already made; it never charges twice.
    """

    def name(self) -> str:
        return "action_repeat_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        last = tracker.get_slot("last_payment")
        if not last:
            dispatcher.utter_message(text="好的。还有什么可以帮您？")
            return []
        if last.get("paid"):
            dispatcher.utter_message(text="这笔缴费已经完成，不会重复扣款。")
        paid = await pay_and_reply(dispatcher, last, payment_channel(tracker))
        return [SlotSet("last_payment", {**last, "paid": paid})]
