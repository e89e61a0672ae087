"""Top-up: topup_form collects a verified 户号, the amount and a confirmation;
action_top_up pays.

Money safety, in the order a payment can go wrong:

- The amount is only what the customer said as an amount: given in the opening
  (交一块钱电费), at the 户号 prompt, at the amount prompt, or changed at the
  confirmation (改成两百).  Digits answered to the identity prompt never reach it.
- A payment happens only in answer to its own confirmation prompt, in the same form
  run, for the amount shown in that prompt: ``extract_topup_confirm`` accepts a yes
  only when the bot's last words were that prompt, and only a yes that asks nothing
  else (嗯 顺便问下… gets its answer and the prompt again).  A 好的 said anywhere else
  pays nothing.
- Never charging twice: the idempotency key is made when the bot first asks for the
  confirmation of an (account, amount), and kept while they do not change, so a
  repeated 确认, a retried HTTP call, a replayed turn or a retry after the payment
  service did not answer all carry the same key, and the billing service answers
  them with the one payment it made.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.identity import IdentityFormValidation, is_locked, locked_reply, wants_another_account
from actions.handoff import hand_over
from actions.not_ours import then_second_not_ours
from actions.replies import button, month_zh, part, yuan
from services.bill_topic import names_bill_only
from services.billing.schemas import AccountSummary, Payment
from services.billing.limits import MAX_PAYMENT, MIN_PAYMENT, RANGE_ZH
from services.channels import VOICE, WEB, WECHAT
from services.masking import mask_account_no
from services.prompt_words import pays_all, waits
from services.textnorm import normalize_entity

# The chat channel a customer pays through -> the billing service's payment channel.
PAYMENT_CHANNELS = {WEB: "app", WECHAT: "wechat", VOICE: "app"}
# The prompts a yes can answer: the confirmation, and its repeat after a failed call.
CONFIRMATION_PROMPTS = {"utter_ask_topup_confirm", "utter_payment_unconfirmed"}
# The slots one top-up owns; cleared when it ends, so nothing leaks into the next one.
TOPUP_SLOTS = ("amount", "topup_confirm", "payment_key", "payment_for", "last4")


async def summary_or_none(tracker: Tracker) -> AccountSummary | None:
    """The form's account as the billing service sees it, or None if it cannot be read
    (the prompts then ask plainly and propose nothing)."""
    try:
        return await svc.account_summary(tracker.get_slot("account_no"), turn.turn_key(tracker))
    except (svc.ServiceUnavailable, svc.ServiceFailed):
        return None


def owed(summary: AccountSummary | None) -> str | None:
    """What the account owes now, or None when it owes nothing (or cannot be read)."""
    return summary.unpaid_total if summary and Decimal(summary.unpaid_total) > 0 else None


class ValidateTopupForm(IdentityFormValidation):
    own_intent = "top_up"

    def name(self) -> str:
        return "validate_topup_form"

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if self._starting(tracker) or self._asked(tracker, "account_no"):
            return turn.slots_from({"amount": turn.states_amount(tracker)})
        if self._asked(tracker, "topup_confirm"):
            new = turn.changes_amount(tracker)
            return {"amount": new, "topup_confirm": None} if new else {}
        if not self._asked(tracker, "amount"):
            return {}  # in particular: never from the answer to the identity prompt
        if wants_another_account(tracker):
            dispatcher.utter_message(response="utter_another_account")
            return {"account_no": None, "last4": None, "amount": None}
        if (account_no := turn.entity(tracker, "account_no")) and not turn.states_amount(tracker):
            return another_account(dispatcher, tracker, account_no)
        # 二十 不对 三十: a self-correction's last figure; else the figure said
        amount = turn.changes_amount(tracker) or turn.entity(tracker, "amount") \
            or normalize_entity("amount", turn.text(tracker))
        if not amount and pays_all(turn.text(tracker)):
            # "全部交清" typed instead of tapping 缴清…元: the owed total, still shown in the
            # confirmation before anything is paid; owing nothing, that is said and the amount asked
            summary = await summary_or_none(tracker)
            amount = owed(summary)
            if amount is None and summary is not None:
                dispatcher.utter_message(response="utter_no_arrears")
                return {"amount": None}
        return {"amount": amount} if amount else self._not_an_answer(dispatcher, tracker, "amount")

    async def extract_topup_confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self._asked(tracker, "topup_confirm") or turn.changes_amount(tracker):
            return {}
        if turn.last_bot_response(tracker) not in CONFIRMATION_PROMPTS:
            return {}  # the customer did not just see the confirmation: ask it again
        if names_bill_only(turn.text(tracker)):
            return {"topup_confirm": None}  # 电费: what the form is about; the prompt again
        if waits(turn.text(tracker)):
            dispatcher.utter_message(response="utter_wait")  # 等一下: neither yes nor no
            return {"topup_confirm": None}
        if turn.answer_end(tracker) is not None:
            # 嗯 顺便问下…: the question is answered, and the confirmation asked again
            # on its own, so a payment never rides on a message that asked something else
            return {"topup_confirm": None}
        answer = {"affirm": True, "deny": False}.get(turn.intent(tracker) or "")
        return {} if answer is None else {"topup_confirm": answer}

    async def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"amount": None}
        amount = turn.quantity("amount", value)
        if amount is None:
            dispatcher.utter_message(response="utter_bad_amount")
            return {"amount": None, "topup_confirm": None}
        if not MIN_PAYMENT <= amount <= MAX_PAYMENT:
            dispatcher.utter_message(response="utter_amount_out_of_range", limits=RANGE_ZH)
            return {"amount": None, "topup_confirm": None}
        # A changed amount needs a fresh confirmation.
        return {"amount": f"{amount.quantize(MIN_PAYMENT)}", "topup_confirm": None}


def another_account(dispatcher: CollectingDispatcher, tracker: Tracker, account_no: str) -> dict[str, Any]:
    """A 户号 typed at the amount prompt is no amount: the same one again asks the amount
    again; another one is the account to pay for, checked like the first."""
    if account_no == tracker.get_slot("account_no"):
        return {"amount": None}
    dispatcher.utter_message(response="utter_another_account")
    return {"account_no": account_no, "last4": None, "amount": None}


class ActionAskAmount(Action):
    """Ask how much, saying first what the account owes (or holds), so 一共还要交多少 is
    answered and the customer can pay exactly that."""

    def name(self) -> str:
        return "action_ask_amount"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        summary = await summary_or_none(tracker)
        if summary and summary.prepaid:
            dispatcher.utter_message(response="utter_ask_amount_prepaid", balance=yuan(summary.balance))
        elif total := owed(summary):
            dispatcher.utter_message(response="utter_ask_amount_owed", unpaid_total=yuan(total),
                                     buttons=[button("utter_part_button_pay_all", "top_up", {"amount": total},
                                                     tracker.get_slot("channel"), amount=yuan(total))])
        else:
            dispatcher.utter_message(response="utter_ask_amount")
        return []


class ActionAskTopupConfirm(Action):
    """Ask for the confirmation, with the key that one (account, amount) is paid under."""

    def name(self) -> str:
        return "action_ask_topup_confirm"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        account_no, amount = tracker.get_slot("account_no"), tracker.get_slot("amount")
        dispatcher.utter_message(
            response="utter_ask_topup_confirm", masked_account=mask_account_no(account_no),
            amount_text=yuan(amount),  # its buttons (确认, 取消) are the response's
        )
        paying_for = f"{account_no}:{amount}"
        if tracker.get_slot("payment_key") and tracker.get_slot("payment_for") == paying_for:
            return []  # asked again for the same payment: the same key
        return [SlotSet("payment_key", f"chat-{uuid.uuid4().hex}"), SlotSet("payment_for", paying_for)]


def describe_payment(dispatcher: CollectingDispatcher, tracker: Tracker, payment: Payment, account_no: str) -> None:
    """The receipt: what was paid, which bills it settled, the balance after it."""
    channel = tracker.get_slot("channel")
    settled = "、".join(part("utter_part_settled_bill", channel, month=month_zh(a.period), amount=yuan(a.amount))
                       for a in payment.applied_to)
    dispatcher.utter_message(
        response="utter_payment_done",
        masked_account=mask_account_no(account_no),
        amount_text=yuan(payment.amount),
        payment_id=payment.payment_id,
        applied_text=part("utter_part_settled", channel, bills=settled) if settled else "",
        balance_text=part("utter_part_balance_after", channel, balance=yuan(payment.balance_after))
        if payment.balance_after is not None else "",
    )


def payment_channel(tracker: Tracker) -> str:
    metadata = tracker.latest_message.get("metadata") or {}
    return PAYMENT_CHANNELS.get(metadata.get("channel", WEB), "app")


class ActionTopUp(Action):
    """Pays what the customer just confirmed, or says why not."""

    def name(self) -> str:
        return "action_top_up"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        account_no = tracker.get_slot("account_no")
        done = [SlotSet(slot, None) for slot in TOPUP_SLOTS]
        if is_locked(tracker, account_no):
            locked_reply(dispatcher, tracker, account_no)
            return [SlotSet("account_no", None), *done]
        if tracker.get_slot("topup_confirm") is not True:
            dispatcher.utter_message(response="utter_topup_cancelled")
            return done
        amount, key = tracker.get_slot("amount"), tracker.get_slot("payment_key")
        try:
            payment = await svc.pay(account_no, amount, key, payment_channel(tracker))
        except svc.ServiceUnavailable:
            # Not known whether it went through: ask the same confirmation again, same key.
            dispatcher.utter_message(response="utter_payment_unconfirmed", amount_text=yuan(amount))
            return [SlotSet("topup_confirm", None), ActiveLoop("topup_form"), SlotSet("requested_slot", "topup_confirm")]
        except svc.ServiceFailed as failure:
            # Refused by the payment service: a human takes it from here.
            dispatcher.utter_message(response="utter_payment_failed", reason=failure.message_zh)
            hand_over(dispatcher, tracker, "payment_failed")
            return done
        describe_payment(dispatcher, tracker, payment, account_no)
        return [*done, SlotSet("last_payment", {"account_no": account_no, "amount": amount, "payment_id": payment.payment_id})]
