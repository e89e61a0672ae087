"""Outages and faults, until the repair-ticket service lands (a later issue).

Until then the bot does not pretend to file a ticket: it gives the safety advice that
matters first, the service commitment, and a human agent or the 95598 hotline, who do
take the report.  Facts: 国家电网供电服务“十项承诺” (2023), see power-facts.md.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import HANDOFF_BUTTON

SAFETY_ZH = "如果看到电线断落、冒烟或打火，请远离，不要靠近或触碰，也不要自行处理。"
INTERNAL_FAULT_HINT_ZH = "如果只是您家停电、邻居家有电，可以先看看家里的空气开关或漏电保护器有没有跳闸。"
COMMITMENT_ZH = "故障抢修24小时受理，到达现场平均时间：城区45分钟、农村90分钟、特殊边远地区2小时（国家电网供电服务“十项承诺”）。"


class ActionReportOutage(Action):
    def name(self) -> str:
        return "action_report_outage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=f"收到，您反映的是停电或用电故障。{SAFETY_ZH}{INTERNAL_FAULT_HINT_ZH}\n"
            f"报修请转人工客服或拨打95598，我们会安排抢修。{COMMITMENT_ZH}",
            buttons=[HANDOFF_BUTTON],
        )
        return []


class ActionQueryOutage(Action):
    def name(self) -> str:
        return "action_query_outage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text="计划停电会提前7天公告，可以在“网上国网”App的停电公告里按地址查询。"
            f"查询抢修工单进度请转人工客服或拨打95598。{COMMITMENT_ZH}",
            buttons=[HANDOFF_BUTTON],
        )
        return []
