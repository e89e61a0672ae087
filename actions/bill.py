"""Bill lookup: bill_form collects a verified 户号; action_query_bill answers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services_client as svc
from actions.identity import IdentityFormValidation, is_locked, locked_reply
from actions.replies import HANDOFF_BUTTON, TOU_NAMES, date_zh, kwh, month_zh, tier_lines, yuan
from services.masking import mask_account_no

PAY_BUTTON = {"title": "交电费", "payload": "/top_up"}


class ValidateBillForm(IdentityFormValidation):
    own_intent = "query_bill"

    def name(self) -> str:
        return "validate_bill_form"


def describe_bill(account_no: str, bill: dict) -> str:
    """The bill as a customer reads it: period, kWh, tiers, time-of-use, status, due date."""
    lines = [f"户号{mask_account_no(account_no)} {month_zh(bill['period'])}电费账单："]
    lines.append(f"用电量 {kwh(bill['kwh_total'])}，电费 {yuan(bill['total_amount'])}。")
    tiers = tier_lines(bill.get("tiers") or [])
    if tiers:
        lines.append(f"阶梯明细：{tiers}。")
    if bill.get("time_of_use") and bill.get("kwh"):
        parts = [
            f"{TOU_NAMES[p]} {kwh(bill['kwh'][p])} {yuan(amount)}"
            for p, amount in bill["time_of_use"].items()
            if p in TOU_NAMES and bill["kwh"].get(p)
        ]
        if parts:
            lines.append(f"峰谷明细：{'；'.join(parts)}。")
    lines.append(_status_line(bill))
    return "\n".join(lines)


def _status_line(bill: dict) -> str:
    due = date_zh(bill["due_date"])
    if bill["status"] == "paid":
        return f"该账单已缴清（缴费截止日期 {due}）。"
    if bill["status"] == "overdue":
        fee = bill.get("late_fee") or "0.00"
        return f"该账单已逾期未缴（截止日期 {due}），含违约金{yuan(fee)}，目前共需缴纳 {yuan(bill['amount_due'])}。"
    return f"该账单尚未缴纳，应缴 {yuan(bill['amount_due'])}，请在 {due} 前缴清。"


def describe_account(summary: dict) -> str:
    """Balance and arrears, which customers ask about in the same breath as the bill."""
    if summary.get("billing_mode") == "prepaid":
        return f"您是预付费（费控）用户，当前账户余额 {yuan(summary['balance'])}。"
    arrears = summary.get("arrears_total") or "0.00"
    if Decimal(arrears) > 0:
        return f"您目前共有逾期欠费 {yuan(arrears)}（含违约金）。"
    return ""


class ActionQueryBill(Action):
    def name(self) -> str:
        return "action_query_bill"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        account_no = tracker.get_slot("account_no")
        # Keep the verified 户号 so "那上个月呢" needs no second check; forget the rest
        # (an amount said on the way must not preset the next top-up).
        reset = [SlotSet("month", None), SlotSet("last4", None), SlotSet("amount", None)]
        if is_locked(tracker, account_no):
            locked_reply(dispatcher, tracker, account_no)
            return [SlotSet("account_no", None), *reset]
        try:
            summary = await svc.account_summary(account_no)
            bill = await self._bill(dispatcher, account_no, tracker.get_slot("month"), summary)
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(
                text="抱歉，账单系统暂时繁忙，请稍后再试，或回复“转人工”由人工客服为您查询。", buttons=[HANDOFF_BUTTON]
            )
            return reset
        text = "\n".join(part for part in (describe_bill(account_no, bill) if bill else "", describe_account(summary)) if part)
        buttons = [PAY_BUTTON] if (bill and bill["status"] != "paid") or summary.get("billing_mode") == "prepaid" else []
        dispatcher.utter_message(text=text or "该户号暂时还没有账单记录。", buttons=buttons)
        return reset

    @staticmethod
    async def _bill(dispatcher: CollectingDispatcher, account_no: str, month: str | None, summary: dict) -> dict | None:
        """The bill of ``month``, or the latest one (saying so) when that month has none."""
        if month:
            try:
                return await svc.bill_for_month(account_no, month)
            except svc.ServiceFailed as failure:
                if failure.status != 404:
                    raise
                dispatcher.utter_message(text=f"暂未查询到{month_zh(month)}的账单，可能还未出账。下面是您最近一期的账单：")
        return summary.get("latest_bill")
