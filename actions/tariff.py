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

from actions import services_client as svc
from actions.identity import is_verified
from actions.replies import HANDOFF_BUTTON, TIER_NAMES, month_zh
from services import clock
from services.months import month_of
from services.regions import province_name, province_named_in
from services.settings import get_settings
from services.textnorm import parse_kwh

CYCLE_ZH = {"annual": "按年累计", "monthly": "按月计算"}
TOU_PRICE_ZH = {"peak": "峰", "flat": "平", "valley": "谷"}


def tier_range(tier: dict) -> str:
    upper = tier.get("up_to_kwh")
    lower = tier.get("from_kwh") or 0
    return f"{lower}–{upper}度" if upper else f"{lower}度以上"


def describe_plan(plan: dict) -> str:
    """"浙江居民年阶梯电价（按年累计）：第一档 0–2760度 0.538元/度；…"."""
    tiers = []
    for tier in plan["tiers"]:
        price = f"{tier['price']}元/度"
        if tier.get("tou_prices"):
            price = "，".join(f"{TOU_PRICE_ZH.get(p, p)}{v}元/度" for p, v in tier["tou_prices"].items())
        tiers.append(f"{TIER_NAMES.get(tier['tier'], tier['tier'])} {tier_range(tier)} {price}")
    return f"{plan['name_zh']}（{CYCLE_ZH.get(plan['cycle'], plan['cycle'])}）：" + "；".join(tiers) + "。"


UNKNOWN_HERE_ZH = "这里暂无经核实的资料，请以当地供电公司公布为准，可拨打95598或在网上国网App查询。"


def describe_tariff(overview: dict) -> str:
    """The province's price levels, what the table does not know about peak/valley, and its basis."""
    plans = overview["plans"]
    lines = [describe_plan(plan) for plan in plans]
    if not any(plan.get("time_of_use") for plan in plans):
        lines.append(f"{overview['name_zh']}居民峰谷电价和峰谷时段，{UNKNOWN_HERE_ZH}")
    elif not any(plan.get("tou_windows") for plan in plans):
        lines.append(f"{overview['name_zh']}居民峰谷电的具体起止时段，{UNKNOWN_HERE_ZH}")
    lines.append(f"（依据：{overview['source']}）")
    return "\n".join(lines)


# "今年已经用了三千度": what the customer says they used earlier in the tier year.
USED_THIS_YEAR = re.compile(r"(?:今年|今年以来|年初到现在|这一年|本年度?)[^，,。；;]*?用了?(?P<kwh>[^，,。；;]*?度)")


async def province_and_account(tracker: Tracker) -> tuple[str, str | None]:
    """Whose tariff: the province the question names, else the verified customer's own
    (with the 户号, so the tier reached this year is theirs), else the default table."""
    named = province_named_in(tracker.latest_message.get("text") or "")
    account_no = tracker.get_slot("account_no")
    if is_verified(tracker, account_no):
        summary = await svc.account_summary(account_no)
        if named is None or named.key == summary["province"]:
            return summary["province"], account_no
    return (named.key if named else get_settings().default_province), None


def stated_usage_this_year(text: str, usage: Decimal) -> int | None:
    """The kWh the customer says they already used this year, if they say so."""
    match = USED_THIS_YEAR.search(text)
    if not match:
        return None
    used = parse_kwh(match.group("kwh"))
    return None if used is None or used == usage else int(used.to_integral_value())


class ActionAskTariff(Action):
    """Tariff levels, or the cost of a stated usage: a computation from the tariff table,
    for the province asked about, never a forecast and never another province's prices."""

    def name(self) -> str:
        return "action_ask_tariff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        usage = parse_kwh(str(tracker.get_slot("kwh") or ""))
        text = tracker.latest_message.get("text") or ""
        try:
            province, account_no = await province_and_account(tracker)
            if usage is None:
                dispatcher.utter_message(text=describe_tariff(await svc.tariff_overview(province)))
            else:
                month = tracker.get_slot("month") or month_of(clock.today())
                used_before = None if account_no else stated_usage_this_year(text, usage)
                estimate = await svc.estimate_cost(province, int(usage.to_integral_value()), month, account_no,
                                                   used_before)
                dispatcher.utter_message(text=describe_estimate(estimate, usage))
        except svc.ServiceFailed as failure:
            if failure.code == "unknown_province":
                dispatcher.utter_message(response="utter_province_unknown", province=province_name(province))
            else:
                dispatcher.utter_message(response="utter_tariff_unavailable", buttons=[HANDOFF_BUTTON])
        except svc.ServiceUnavailable:
            dispatcher.utter_message(response="utter_tariff_unavailable", buttons=[HANDOFF_BUTTON])
        return [SlotSet("kwh", None), SlotSet("month", None)]


ASSUMPTIONS_ZH = {
    "account_usage_in_cycle": "已按您本户本年度此前的用电量计算阶梯",
    "stated_usage_in_cycle": "已按您说的本年度此前用电{used}度计算阶梯",
    "start_of_cycle": "假设本计费周期内此前没有用电（从第一档算起）",
}


def describe_estimate(estimate: dict, usage: Decimal) -> str:
    assumption = ASSUMPTIONS_ZH[estimate["assumption"]].format(used=estimate["used_before_kwh"])
    return (
        f"按{estimate['plan']['name_zh']}，{month_zh(estimate['month'])}用电{usage}度，"
        f"电费约 {estimate['total_amount']}元（{assumption}）。\n"
        f"计算过程：{estimate['explanation_zh']}\n（依据：{estimate['source']}）"
    )
