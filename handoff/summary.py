"""A one-paragraph summary of what the customer wants, for the agent who picks it up:
templated from the handoff's reason, the last intent and the slots (no model)."""
from __future__ import annotations

from typing import Any

from services.masking import mask_account_no, mask_mobile, mask_text

REASONS_ZH = {
    "request_human": "客户要求转人工",
    "complain": "客户投诉",
    "fallback": "机器人连续两次未能理解客户",
    "faq_declined": "客户不认可知识库推荐的答案",
    "identity_locked": "客户身份验证连续三次失败",
    "danger_outage": "客户报告危险用电情况（紧急抢修）",
    "payment_failed": "客户缴费在支付环节失败",
}
INTENTS_ZH = {
    "query_bill": "查询电费", "top_up": "缴纳电费", "report_outage": "停电报修", "query_outage": "查询停电或工单进度",
    "ask_tariff": "咨询电价", "forecast_bill": "预测下月电费", "faq": "咨询业务办理", "complain": "投诉",
    "request_human": "要求人工服务", "inform": "提供信息", "greet": "问候", "nlu_fallback": "表达不明确",
    "out_of_scope": "超出服务范围的问题",
}
KINDS_ZH = {"household": "单户停电", "building": "整栋楼停电", "area": "片区停电", "danger": "危险情况"}


def reason_zh(reason: str) -> str:
    return REASONS_ZH.get(reason, "转人工")


def summarize(reason: str, context: dict[str, Any] | None) -> str:
    """E.g. "客户在查询电费的过程中要求转人工。已验证户号 3300****01；查询月份 2026-11。"."""
    context = context or {}
    slots = context.get("slots") or {}
    task = INTENTS_ZH.get(context.get("task") or "")
    opening = f"客户在{task}的过程中：{reason_zh(reason)}。" if task and context.get("task") != reason else f"{reason_zh(reason)}。"
    facts = []
    if slots.get("verified_account"):
        facts.append(f"已验证户号 {mask_account_no(slots['verified_account'])}")
    elif slots.get("account_no"):
        facts.append(f"提供了户号 {mask_account_no(slots['account_no'])}（未验证）")
    else:
        facts.append("客户尚未验证身份")
    if slots.get("month"):
        facts.append(f"查询月份 {slots['month']}")
    if slots.get("amount"):
        facts.append(f"缴费金额 {slots['amount']} 元")
    if slots.get("outage_address"):
        facts.append(f"停电地址 {slots['outage_address']}")
    if slots.get("outage_kind"):
        facts.append(KINDS_ZH.get(slots["outage_kind"], slots["outage_kind"]))
    if slots.get("contact_mobile"):
        facts.append(f"联系电话 {mask_mobile(slots['contact_mobile'])}")
    if slots.get("last_ticket"):
        facts.append(f"相关工单 {slots['last_ticket']}")
    said = (context.get("text") or "").strip()
    quote = f"客户原话：“{mask_text(said[:120])}”。" if said else ""
    return f"{opening}{'；'.join(facts)}。{quote}"
