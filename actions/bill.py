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
from actions.not_ours import then_second_not_ours
from actions.replies import button, date_zh, joined, kwh, month_zh, part, tier_name, yuan
from services.billing.schemas import AccountSummary, Bill, OwedBill
from services.billing.tariff import PERIOD_ZH
from services.masking import mask_account_no
from services.months import shift

PAY_BUTTON = button("utter_part_button_pay", "top_up")
# A prepaid balance lasting fewer days than this at recent use is low: top-up offered first.
LOW_BALANCE_DAYS = 7
# The sentence that says where a bill stands, by its status.
STATUS_PARTS = {"paid": "utter_part_bill_paid", "overdue": "utter_part_bill_overdue", "unpaid": "utter_part_bill_unpaid"}


class ValidateBillForm(IdentityFormValidation):
    own_intent = "query_bill"

    def name(self) -> str:
        return "validate_bill_form"


def bill_values(account_no: str, bill: Bill, summary: AccountSummary, channel: str | None) -> dict[str, str]:
    """utter_bill's values: period, kWh, the tiers and time-of-use used, the bill's status
    and due date, then the account's balance or arrears."""
    tiers = [part("utter_part_tier_amount", channel, tier=tier_name(t.tier), kwh=kwh(t.kwh), amount=yuan(t.amount))
             for t in bill.tiers if t.kwh > 0]
    periods = [part("utter_part_period_amount", channel, period=PERIOD_ZH[p], kwh=kwh(bill.kwh[p]), amount=yuan(amount))
               for p, amount in (bill.time_of_use or {}).items() if p in PERIOD_ZH and bill.kwh and bill.kwh.get(p)]
    status = part(STATUS_PARTS[bill.status], channel, due_date=date_zh(bill.due_date), late_fee=yuan(bill.late_fee),
                  amount_due=yuan(bill.amount_due))
    return {
        "masked_account": mask_account_no(account_no), "month": month_zh(bill.period),
        "kwh": kwh(bill.kwh_total), "total": yuan(bill.total_amount),
        "details": (part("utter_part_bill_tiers", channel, tiers=joined(tiers)) if tiers else "")
        + (part("utter_part_bill_periods", channel, periods=joined(periods)) if periods else ""),
        "status": status, "account_note": account_note(summary, channel),
    }


def account_note(summary: AccountSummary, channel: str | None) -> str:
    """Balance and arrears, which customers ask about in the same breath as the bill."""
    if summary.prepaid:
        return part("utter_part_prepaid_balance", channel, balance=yuan(summary.balance))
    if Decimal(summary.arrears_total) > 0:
        return part("utter_part_arrears", channel, arrears=yuan(summary.arrears_total))
    return ""


# What a bill request is really about, from the words of the message that started it:
# a balance question (how much is left, how long it lasts) gets the balance first, an
# arrears question what is owed.
WHY_HIGH_WORDS = re.compile(r"(为什么|为啥|怎么|咋).{0,8}(这么|那么|突然|比上个?月|比去年)?.{0,4}(高|多|贵|涨)|涨了|变多了|翻倍"
                            r"|(高|多|贵)[了好很太得]{0,3}多?.{0,3}(为什么|为啥|咋回事|怎么回事)")
BALANCE_WORDS = re.compile(r"余额|还剩|剩多少|剩下多少|还有多少钱|够用|够不够|能用几天|用几天|能撑|用多久|用完|用到什么时候|用到几号"
                           r"|(什么时候|哪天|几号|多久).{0,3}(会|就|要|该|得)?(欠费|充值|充钱)")
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


def details_button(bill: Bill | None) -> list[dict]:
    return [button("utter_part_button_bill_details", "query_bill", {"month": bill.period})] if bill else []


def tell_balance(dispatcher: CollectingDispatcher, summary: AccountSummary) -> None:
    """A prepaid balance, how long it lasts at recent use, a top-up offered when low."""
    days = summary.days_left
    if days is None:  # no recent use to go by
        response = "utter_prepaid_balance_only"
    else:
        response = "utter_prepaid_balance_low" if days < LOW_BALANCE_DAYS else "utter_prepaid_balance"
    dispatcher.utter_message(
        response=response,
        balance=yuan(summary.balance), daily_cost=yuan(summary.daily_cost or "0.00"),
        days_left=days if days is not None else "",
        buttons=[PAY_BUTTON, *details_button(summary.latest_bill)],
    )


def named_first(bills: list[OwedBill], question: str) -> list[OwedBill]:
    """The bills, the one whose amount the customer named first (欠的189是怎么回事)."""
    figures = set(re.findall(r"\d+", question))
    return sorted(bills, key=lambda b: not ({b.amount_due.split(".")[0], b.total_amount.split(".")[0]} & figures))


def tell_arrears(dispatcher: CollectingDispatcher, summary: AccountSummary, question: str = "") -> None:
    """What a postpaid account owes: the overdue bills with their late fees (the one the
    customer named first), then what is due next."""
    overdue, upcoming = named_first(list(summary.overdue_bills), question), summary.next_due
    details = details_button(summary.latest_bill)
    if not overdue and not upcoming:
        dispatcher.utter_message(response="utter_no_arrears", buttons=details)
        return
    for bill in overdue:
        dispatcher.utter_message(
            response="utter_overdue_bill", month=month_zh(bill.period), amount_due=yuan(bill.amount_due),
            total=yuan(bill.total_amount), late_fee=yuan(bill.late_fee), due_date=date_zh(bill.due_date))
    if upcoming:
        dispatcher.utter_message(
            response="utter_bill_due_next" if overdue else "utter_no_arrears_but_due",
            month=month_zh(upcoming.period), amount_due=yuan(upcoming.amount_due),
            due_date=date_zh(upcoming.due_date))
    dispatcher.utter_message(response="utter_total_owed", unpaid_total=yuan(summary.unpaid_total),
                             buttons=[PAY_BUTTON, *details])


async def bill_or_none(account_no: str, month: str) -> Bill | None:
    try:
        return await svc.bill_for_month(account_no, month)
    except svc.ServiceFailed as failure:
        if failure.status == 404:
            return None
        raise


def change(now: int, before: int, channel: str | None) -> str:
    """"多50度" / "少20度" / "持平"."""
    if now == before:
        return part("utter_part_change_none", channel)
    return part("utter_part_change_more" if now > before else "utter_part_change_less", channel,
                kwh=kwh(abs(now - before)))


# The bills "why is my bill high" compares the latest one with, by how many months back.
COMPARED_WITH = {-1: "utter_part_compared_last_month", -12: "utter_part_compared_last_year"}


async def compare_bills(dispatcher: CollectingDispatcher, tracker: Tracker, account_no: str, latest: Bill) -> None:
    """"Why is my bill high": the latest bill against the month before and the same month
    last year (kWh, days, tier), so the customer sees where the difference comes from."""
    channel = tracker.get_slot("channel")
    period = latest.period
    lines = [part("utter_part_compared_latest", channel, month=month_zh(period), days=days_in(period),
                  kwh=kwh(latest.kwh_total), total=yuan(latest.total_amount))]
    for months_back, line in COMPARED_WITH.items():
        other = await bill_or_none(account_no, shift(period, months_back))
        if other:
            lines.append(part(line, channel, month=month_zh(other.period), days=days_in(other.period),
                              kwh=kwh(other.kwh_total), total=yuan(other.total_amount),
                              change=change(latest.kwh_total, other.kwh_total, channel)))
    upper = "、".join(f"{tier_name(t.tier)}{kwh(t.kwh)}" for t in latest.tiers if t.tier > 1 and t.kwh > 0)
    dispatcher.utter_message(
        response="utter_bill_comparison", comparison="".join(lines),
        tier_note=part("utter_part_upper_tiers", channel, tiers=upper) if upper else "",
        buttons=[*details_button(latest), {"title": part("utter_part_button_meter_check", channel),
                                           "payload": "电表走得快怎么申请校验"}],  # asked as the FAQ question
    )


def days_in(period: str) -> int:
    return monthrange(*(int(p) for p in period.split("-")))[1]


class ActionQueryBill(Action):
    """Answers what the customer asked about their account: the bill, the balance or
    the arrears, each with the others one tap away."""

    def name(self) -> str:
        return "action_query_bill"

    @then_second_not_ours
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
            summary = await svc.account_summary(account_no, turn.turn_key(tracker))
            if focus in ("balance", "arrears"):
                tell_balance(dispatcher, summary) if summary.prepaid else tell_arrears(dispatcher, summary, question)
            elif focus == "why_high" and summary.latest_bill:
                await compare_bills(dispatcher, tracker, account_no, summary.latest_bill)
            else:
                await self._tell_bill(dispatcher, tracker, account_no, month, summary)
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(response="utter_billing_unavailable")  # with its 转人工 button
        return reset

    async def _tell_bill(self, dispatcher: CollectingDispatcher, tracker: Tracker, account_no: str,
                         month: str | None, summary: AccountSummary) -> None:
        bill = await self._bill(dispatcher, account_no, month, summary)
        if bill is None and summary.prepaid:
            dispatcher.utter_message(response="utter_prepaid_balance_only", balance=yuan(summary.balance),
                                     buttons=[PAY_BUTTON])
        elif bill is None:
            dispatcher.utter_message(response="utter_no_bills_yet")
        else:
            buttons = [PAY_BUTTON] if bill.status != "paid" or summary.prepaid else []
            dispatcher.utter_message(response="utter_bill", buttons=buttons,
                                     **bill_values(account_no, bill, summary, tracker.get_slot("channel")))

    @staticmethod
    async def _bill(dispatcher: CollectingDispatcher, account_no: str, month: str | None,
                    summary: AccountSummary) -> Bill | None:
        """The bill of ``month``, or the latest one (saying so) when that month has none.

        This month (or a later one) is never billed yet: the customer is told when its bill
        is issued, then shown the latest bill, never another month's figures unannounced."""
        latest = summary.latest_bill
        if not month:
            return latest
        upcoming = summary.next_bill
        if month >= upcoming.period:
            dispatcher.utter_message(
                response="utter_month_not_billed_yet" if month == upcoming.period else "utter_month_in_future",
                month=month_zh(month), issue_date=date_zh(upcoming.issue_date))
            return latest
        try:
            return await svc.bill_for_month(account_no, month)
        except svc.ServiceFailed as failure:
            if failure.status != 404:
                raise
            dispatcher.utter_message(response="utter_no_bill_for_month", month=month_zh(month))
        return latest

