"""Electricity prices: the levels, the tiers, time-of-use, and what a given usage costs.

Answers come from the billing service's tariff tables, the same ones bills are
computed with, so what the bot says and what the bill shows can never disagree.
"""
from __future__ import annotations

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


def describe_tariff(overview: dict) -> str:
    lines = [describe_plan(plan) for plan in overview["plans"]]
    if not any(plan.get("tou_windows") for plan in overview["plans"]):
        lines.append("峰谷时段的具体起止时间以当地供电公司公布为准。")
    lines.append(f"（依据：{overview['source']}）")
    return "\n".join(lines)


async def province_and_account(tracker: Tracker) -> tuple[str, str | None]:
    """The verified customer's own province and 户号, else the default table."""
    account_no = tracker.get_slot("account_no")
    if is_verified(tracker, account_no):
        summary = await svc.account_summary(account_no)
        return summary["province"], account_no
    return get_settings().default_province, None


class ActionAskTariff(Action):
    def name(self) -> str:
        return "action_ask_tariff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        usage = parse_kwh(str(tracker.get_slot("kwh") or ""))
        try:
            province, account_no = await province_and_account(tracker)
            if usage is None:
                dispatcher.utter_message(text=describe_tariff(await svc.tariff_overview(province)))
            else:
                month = tracker.get_slot("month") or month_of(clock.today())
                estimate = await svc.estimate_cost(province, int(usage.to_integral_value()), month, account_no)
                dispatcher.utter_message(text=describe_estimate(estimate, usage))
        except (svc.ServiceUnavailable, svc.ServiceFailed):
            dispatcher.utter_message(text="抱歉，电价信息暂时查询不到，请稍后再试，或回复“转人工”。", buttons=[HANDOFF_BUTTON])
        return [SlotSet("kwh", None), SlotSet("month", None)]


def describe_estimate(estimate: dict, usage: Decimal) -> str:
    assumption = (
        "已按您本户本年度此前的用电量计算阶梯"
        if estimate["assumption"] == "account_usage_in_cycle"
        else "假设本计费周期内此前没有用电（从第一档算起）"
    )
    return (
        f"{month_zh(estimate['month'])}用电{usage}度，电费约 {estimate['total_amount']}元（{assumption}）。\n"
        f"计算过程：{estimate['explanation_zh']}\n（依据：{estimate['source']}）"
    )
