"""Bill lookup: bill_form collects a verified 户号; action_query_bill answers."""
from __future__ import annotations

import re
from calendar import monthrange
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.identity import IdentityFormValidation, is_locked, locked_reply
from actions.replies import HANDOFF_BUTTON, TIER_NAMES, TOU_NAMES, date_zh, kwh, month_zh, tier_lines, yuan
from services.masking import mask_account_no
from services.months import shift

PAY_BUTTON = {"title": "交电费", "payload": "/top_up"}
# A prepaid balance lasting fewer days than this at recent use is low: top-up offered first.
LOW_BALANCE_DAYS = 7


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


# What a bill request is really about, from the words of the message that started it:
# a balance question gets the balance first, an arrears question what is owed.
WHY_HIGH_WORDS = re.compile(r"(为什么|为啥|怎么|咋).{0,8}(这么|那么|突然|比上个?月|比去年)?.{0,4}(高|多|贵|涨)|涨了|变多了|翻倍")
BALANCE_WORDS = re.compile(r"余额|还剩|剩多少|剩下多少|还有多少钱|够用|够不够|能用几天|用几天")
ARREARS_WORDS = re.compile(r"欠费|欠多少|欠了|欠的|还欠|欠不欠|欠款|欠钱|欠着|还要交多少|交清|没交|未交|要交多少钱")


def question_focus(text: str) -> str:
    """"why_high", "balance", "arrears" or "bill"."""
    if WHY_HIGH_WORDS.search(text):
        return "why_high"
    if BALANCE_WORDS.search(text):
        return "balance"
    if ARREARS_WORDS.search(text):
        return "arrears"
    return "bill"


def details_button(bill: dict | None) -> list[dict]:
    return [{"title": "查看账单明细", "payload": f'/query_bill{{"month": "{bill["period"]}"}}'}] if bill else []


def tell_balance(dispatcher: CollectingDispatcher, summary: dict) -> None:
    """A prepaid balance, how long it lasts at recent use, a top-up offered when low."""
    days = summary.get("days_left")
    if days is None:  # no recent use to go by
        response = "utter_prepaid_balance_only"
    else:
        response = "utter_prepaid_balance_low" if days < LOW_BALANCE_DAYS else "utter_prepaid_balance"
    dispatcher.utter_message(
        response=response,
        balance=yuan(summary["balance"]), daily_cost=yuan(summary.get("daily_cost") or "0.00"),
        days_left=days if days is not None else "",
        buttons=[PAY_BUTTON, *details_button(summary.get("latest_bill"))],
    )


def named_first(bills: list[dict], question: str) -> list[dict]:
    """The bills, the one whose amount the customer named first (欠的189是怎么回事)."""
    figures = set(re.findall(r"\d+", question))
    return sorted(bills, key=lambda b: not ({b["amount_due"].split(".")[0], b["total_amount"].split(".")[0]} & figures))


def tell_arrears(dispatcher: CollectingDispatcher, summary: dict, question: str = "") -> None:
    """What a postpaid account owes: the overdue bills with their late fees (the one the
    customer named first), then what is due next."""
    overdue, upcoming = named_first(summary.get("overdue_bills") or [], question), summary.get("next_due")
    details = details_button(summary.get("latest_bill"))
    if not overdue and not upcoming:
        dispatcher.utter_message(response="utter_no_arrears", buttons=details)
        return
    for bill in overdue:
        dispatcher.utter_message(
            response="utter_overdue_bill", month=month_zh(bill["period"]), amount_due=yuan(bill["amount_due"]),
            total=yuan(bill["total_amount"]), late_fee=yuan(bill["late_fee"]), due_date=date_zh(bill["due_date"]))
    if upcoming:
        dispatcher.utter_message(
            response="utter_bill_due_next" if overdue else "utter_no_arrears_but_due",
            month=month_zh(upcoming["period"]), amount_due=yuan(upcoming["amount_due"]),
            due_date=date_zh(upcoming["due_date"]))
    dispatcher.utter_message(response="utter_total_owed", unpaid_total=yuan(summary["unpaid_total"]),
                             buttons=[PAY_BUTTON, *details])


async def bill_or_none(account_no: str, month: str) -> dict | None:
    try:
        return await svc.bill_for_month(account_no, month)
    except svc.ServiceFailed as failure:
        if failure.status == 404:
            return None
        raise


def change_zh(now: int, before: int) -> str:
    """"多50度" / "少20度" / "持平"."""
    if now == before:
        return "持平"
    return f"{'多' if now > before else '少'}{abs(now - before)}度"


async def compare_bills(dispatcher: CollectingDispatcher, account_no: str, latest: dict) -> None:
    """"Why is my bill high": the latest bill against the month before and the same month
    last year (kWh, days, tier), so the customer sees where the difference comes from."""
    period = latest["period"]
    previous = await bill_or_none(account_no, shift(period, -1))
    last_year = await bill_or_none(account_no, shift(period, -12))
    lines = [f"{month_zh(period)}（{days_in(period)}天）用电{kwh(latest['kwh_total'])}，电费{yuan(latest['total_amount'])}。"]
    for label, other in (("上月", previous), ("去年同期", last_year)):
        if other:
            lines.append(f"{label}{month_zh(other['period'])}（{days_in(other['period'])}天）用电{kwh(other['kwh_total'])}、"
                         f"电费{yuan(other['total_amount'])}，本期{change_zh(latest['kwh_total'], other['kwh_total'])}。")
    upper = "、".join(f"{TIER_NAMES[t['tier']]}{kwh(t['kwh'])}" for t in latest.get("tiers") or []
                     if t["tier"] > 1 and int(t["kwh"] or 0) > 0)
    dispatcher.utter_message(
        response="utter_bill_comparison", comparison="".join(lines),
        tier_note=f"其中{upper}按更高的阶梯电价计费。" if upper else "",
        buttons=[*details_button(latest), {"title": "申请电表校验", "payload": "电表走得快怎么申请校验"}],
    )


def days_in(period: str) -> int:
    return monthrange(*(int(part) for part in period.split("-")))[1]


class ActionQueryBill(Action):
    """Answers what the customer asked about their account: the bill, the balance or
    the arrears, each with the others one tap away."""

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
        month = tracker.get_slot("month")
        question = turn.form_trigger_text(tracker, "bill_form")
        focus = question_focus(question)
        if month and focus != "why_high":
            focus = "bill"  # a named month asks for that month's bill
        try:
            summary = await svc.account_summary(account_no)
            if focus == "balance" and summary.get("billing_mode") == "prepaid":
                tell_balance(dispatcher, summary)
            elif focus in ("balance", "arrears"):
                tell_arrears(dispatcher, summary, question) if summary.get("billing_mode") != "prepaid" \
                    else tell_balance(dispatcher, summary)
            elif focus == "why_high" and summary.get("latest_bill"):
                await compare_bills(dispatcher, account_no, summary["latest_bill"])
            else:
                await self._tell_bill(dispatcher, account_no, month, summary)
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_billing_unavailable", buttons=[HANDOFF_BUTTON])
        return reset

    async def _tell_bill(self, dispatcher: CollectingDispatcher, account_no: str, month: str | None,
                         summary: dict) -> None:
        bill = await self._bill(dispatcher, account_no, month, summary)
        text = "\n".join(part for part in (describe_bill(account_no, bill) if bill else "", describe_account(summary)) if part)
        buttons = [PAY_BUTTON] if (bill and bill["status"] != "paid") or summary.get("billing_mode") == "prepaid" else []
        if text:
            dispatcher.utter_message(text=text, buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_no_bills_yet")

    @staticmethod
    async def _bill(dispatcher: CollectingDispatcher, account_no: str, month: str | None, summary: dict) -> dict | None:
        """The bill of ``month``, or the latest one (saying so) when that month has none.

        This month (or a later one) is never billed yet: the customer is told when its bill
        is issued, then shown the latest bill, never another month's figures unannounced."""
        if not month:
            return summary.get("latest_bill")
        latest = summary.get("latest_bill")
        upcoming = summary.get("next_bill") or {}
        if upcoming.get("period") and month >= upcoming["period"]:
            dispatcher.utter_message(
                response="utter_month_not_billed_yet" if month == upcoming["period"] else "utter_month_in_future",
                month=month_zh(month), issue_date=date_zh(upcoming["issue_date"]))
            return latest
        try:
            return await svc.bill_for_month(account_no, month)
        except svc.ServiceFailed as failure:
            if failure.status != 404:
                raise
            dispatcher.utter_message(response="utter_no_bill_for_month", month=month_zh(month))
        return latest

