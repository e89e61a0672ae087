"""Electricity prices: the levels, the tiers, time-of-use, and what a given usage costs.

Answers come from the billing service's tariff tables, the same ones bills are
computed with, so what the bot says and what the bill shows can never disagree.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_turn as turn
from actions import services_client as svc
from actions.faq import province_named_before
from actions.identity import is_verified
from actions.not_ours import then_second_not_ours
from actions.replies import joined, month_zh, part, tier_name
from services import clock
from services.billing.schemas import Estimate, TariffOverview, TariffPlan, TariffTier
from services.billing.tariff import PERIOD_ZH
from services.months import month_of
from services.regions import province_name, province_named_in
from services.settings import get_settings

CYCLE_PARTS = {"annual": "utter_part_cycle_annual", "monthly": "utter_part_cycle_monthly"}
# What an estimate assumed about the usage earlier in the tier cycle.
ASSUMPTION_PARTS = {
    "account_usage_in_cycle": "utter_part_assumed_account_usage",
    "stated_usage_in_cycle": "utter_part_assumed_stated_usage",
    "start_of_cycle": "utter_part_assumed_start_of_cycle",
}


def tier_prices(tier: TariffTier, channel: str | None) -> str:
    """"第一档 0–2760度 0.538元/度", or each period's price on a time-of-use plan."""
    bounds = (part("utter_part_tier_range", channel, lower=tier.from_kwh, upper=tier.up_to_kwh) if tier.up_to_kwh
              else part("utter_part_tier_open", channel, lower=tier.from_kwh))
    if tier.tou_prices:
        price = "，".join(part("utter_part_period_price", channel, period=PERIOD_ZH.get(p, p), price=v)
                         for p, v in tier.tou_prices.items())
    else:
        price = part("utter_part_price", channel, price=tier.price)
    return part("utter_part_tariff_tier", channel, tier=tier_name(tier.tier), bounds=bounds, price=price)


def describe_plan(plan: TariffPlan, channel: str | None) -> str:
    """"浙江居民年阶梯电价（按年累计）：第一档 0–2760度 0.538元/度；…"."""
    return part("utter_part_tariff_plan", channel, plan=plan.name_zh, cycle=part(CYCLE_PARTS[plan.cycle], channel),
                tiers=joined([tier_prices(tier, channel) for tier in plan.tiers]))


def tariff_values(overview: TariffOverview, channel: str | None) -> dict[str, str]:
    """utter_tariff_levels' values: the province's price levels, what the table does not
    know about peak/valley, and its basis."""
    plans = overview.plans
    if not any(plan.time_of_use for plan in plans):
        unknown = part("utter_part_tou_unknown", channel, province=overview.name_zh)
    elif not any(plan.tou_windows for plan in plans):
        unknown = part("utter_part_tou_windows_unknown", channel, province=overview.name_zh)
    else:
        unknown = ""
    return {"plans": "\n".join(describe_plan(plan, channel) for plan in plans), "unknown": unknown,
            "source": overview.source}


def describe_tariff(overview: TariffOverview | dict, channel: str | None = None) -> str:
    """The tariff reply as the customer reads it (for the facts audit, which checks every
    figure in it against its source)."""
    return part("utter_tariff_levels", channel, **tariff_values(TariffOverview.model_validate(overview), channel))


def estimate_values(estimate: Estimate, usage: Decimal, channel: str | None) -> dict[str, str]:
    """utter_tariff_estimate's values: the plan, the usage, the cost, what it assumed, how."""
    return {
        "plan": estimate.plan.name_zh, "month": month_zh(estimate.month), "usage": f"{usage}",
        "total": estimate.total_amount, "explanation": estimate.explanation_zh, "source": estimate.source,
        "assumption": part(ASSUMPTION_PARTS[estimate.assumption], channel, used=estimate.used_before_kwh),
    }


# "今年已经用了三千度": what the customer says they used earlier in the tier year.
USED_THIS_YEAR = re.compile(r"(?:今年|今年以来|年初到现在|这一年|本年度?)[^，,。；;]*?用了?(?P<kwh>[^，,。；;]*?度)")


async def province_and_account(tracker: Tracker) -> tuple[str, str | None]:
    """Whose tariff: the province the question names, else the verified customer's own
    (with the 户号, so the tier reached this year is theirs), else the one the customer
    named earlier in the conversation (我家在北京 … 那两百度呢), else the default table."""
    named = province_named_in(tracker.latest_message.get("text") or "")
    account_no = tracker.get_slot("account_no")
    if is_verified(tracker, account_no):
        summary = await svc.account_summary(account_no, turn.turn_key(tracker))
        if named is None or named.key == summary.province:
            return summary.province, account_no
    return (named.key if named else province_named_before(tracker) or get_settings().default_province), None


def stated_usage_this_year(text: str, usage: Decimal) -> int | None:
    """The kWh the customer says they already used this year, if they say so."""
    match = USED_THIS_YEAR.search(text)
    if not match:
        return None
    used = turn.quantity("kwh", match.group("kwh"))
    return None if used is None or used == usage else int(used.to_integral_value())


class ActionAskTariff(Action):
    """Tariff levels, or the cost of a stated usage: a computation from the tariff table,
    for the province asked about, never a forecast and never another province's prices."""

    def name(self) -> str:
        return "action_ask_tariff"

    @then_second_not_ours
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        usage = turn.quantity("kwh", tracker.get_slot("kwh"))
        text = tracker.latest_message.get("text") or ""
        channel = tracker.get_slot("channel")
        try:
            province, account_no = await province_and_account(tracker)
            if usage is None:
                dispatcher.utter_message(response="utter_tariff_levels",
                                         **tariff_values(await svc.tariff_overview(province), channel))
            else:
                month = tracker.get_slot("month") or month_of(clock.today())
                used_before = None if account_no else stated_usage_this_year(text, usage)
                estimate = await svc.estimate_cost(province, int(usage.to_integral_value()), month, account_no,
                                                   used_before)
                dispatcher.utter_message(response="utter_tariff_estimate", **estimate_values(estimate, usage, channel))
        except svc.ServiceFailed as failure:
            if failure.code == "unknown_province":
                dispatcher.utter_message(response="utter_province_unknown", province=province_name(province))
            else:
                dispatcher.utter_message(response="utter_tariff_unavailable")
        except svc.ServiceUnavailable:
            dispatcher.utter_message(response="utter_tariff_unavailable")
        return [SlotSet("kwh", None), SlotSet("month", None)]
