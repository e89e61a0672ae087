"""Unmasking a personal field for one conversation: supervisors only, with a reason,
and the audit entry (who, what, when, why) is written before the value is returned."""
from __future__ import annotations

from sqlalchemy import select

from handoff.agents import SUPERVISOR, AgentView
from handoff.errors import Forbidden, conflict, not_found
from handoff.models import Agent, Handoff, UnmaskAudit
from handoff.times import iso
from services import clock
from services.billing.models import Account, Customer
from services.conversations.models import Conversation
from services.db import session_scope
from services.errors import Invalid

FIELDS = ("name", "account_no", "mobile", "address")


def forbidden_role() -> Forbidden:
    return Forbidden("forbidden_role", "This needs the supervisor role.", "该操作需要班长权限。")


def unmask(handoff_id: int, agent: AgentView, field: str, reason: str) -> dict:
    """``{"field", "value"}`` in clear, after writing the audit entry."""
    if agent.role != SUPERVISOR:
        raise forbidden_role()
    if field not in FIELDS:
        raise Invalid("bad_field", f"field must be one of {', '.join(FIELDS)}", "不支持的字段。")
    reason = (reason or "").strip()
    if not 4 <= len(reason) <= 200:
        raise Invalid("reason_required", "Give a reason (4-200 characters).", "请填写查看原因（4到200个字符）。")
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise not_found("handoff")
        conversation = session.get(Conversation, handoff.conversation_id)
        account = session.get(Account, conversation.account_no) if conversation and conversation.account_no else None
        if account is None:
            raise conflict("not_verified")
        customer = session.get(Customer, account.customer_id)
        session.add(UnmaskAudit(agent_id=agent.id, handoff_id=handoff.id, conversation_id=handoff.conversation_id,
                                field=field, reason=reason, created_at=clock.utcnow()))
        values = {"name": customer.name, "account_no": account.account_no, "mobile": customer.mobile,
                  "address": customer.address}
        return {"field": field, "value": values[field]}


def audit_log(limit: int = 100) -> list[dict]:
    with session_scope() as session:
        rows = session.scalars(select(UnmaskAudit).order_by(UnmaskAudit.id.desc()).limit(limit)).all()
        out = []
        for row in rows:
            agent = session.get(Agent, row.agent_id)
            out.append({"id": row.id, "agent": {"id": agent.id, "display_name": agent.display_name},
                        "handoff_id": row.handoff_id, "conversation_id": row.conversation_id, "field": row.field,
                        "reason": row.reason, "created_at": iso(row.created_at)})
        return out
