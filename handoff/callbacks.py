"""Callback tasks: with nobody to answer now, the customer leaves a mobile and a time
window, and an agent calls back.  The window is kept in the customer's words (明天上午,
下午3点到5点); without one it is "工作时间内"."""
from __future__ import annotations

import re

from sqlalchemy import select

from handoff import events
from handoff.errors import not_found
from handoff.models import Agent, CallbackTask
from handoff.times import iso
from services import clock
from services.db import session_scope
from services.errors import Invalid
from services.masking import mask_mobile
from services.textnorm import normalize_text, parse_phone

OPEN, DONE, FAILED = "open", "done", "failed"
DEFAULT_WINDOW = "工作时间内"
_DAY = r"(今天|明天|后天|周[一二三四五六日天]|星期[一二三四五六日天])"
_PART = r"(上午|中午|下午|晚上|傍晚|早上|白天)"
_CLOCK = r"(\d{1,2}[点:：]\d{0,2}(半)?(分)?)"
WINDOW = re.compile(rf"({_DAY}?\s*{_PART}?\s*{_CLOCK}?\s*(到|至|-|~)\s*{_CLOCK})|({_DAY}\s*{_PART}?)|({_PART}\s*{_CLOCK}?)"
                    rf"|({_CLOCK}\s*(以后|之后|前|以前|左右))|(随时|都可以|都行)")


def parse_request(text: str) -> tuple[str, str] | None:
    """(mobile, window) from a customer's message, or None without a mobile number."""
    normalized = normalize_text(text)
    mobile = parse_phone(normalized)
    if mobile is None:
        return None
    rest = normalized.replace(mobile, " ")
    found = WINDOW.search(rest)
    window = found.group(0).strip() if found else DEFAULT_WINDOW
    return mobile, window[:64] or DEFAULT_WINDOW


def view(row: CallbackTask, agent: Agent | None = None) -> dict:
    return {"id": row.id, "conversation_id": row.conversation_id, "handoff_id": row.handoff_id,
            "mobile": mask_mobile(row.mobile), "window": row.window, "status": row.status,
            "created_at": iso(row.created_at), "done_at": iso(row.done_at), "note": row.note,
            "agent": {"id": agent.id, "display_name": agent.display_name} if agent else None}


def book(conversation_id: str, handoff_id: int | None, mobile: str, window: str) -> dict:
    with session_scope() as session:
        row = CallbackTask(conversation_id=conversation_id, handoff_id=handoff_id, mobile=mobile, window=window,
                           status=OPEN, created_at=clock.utcnow())
        session.add(row)
        session.flush()
        data = view(row)
    events.publish("callback.created", data)
    return data


def for_handoff(session, handoff_id: int) -> CallbackTask | None:
    return session.scalars(select(CallbackTask).where(CallbackTask.handoff_id == handoff_id)
                           .order_by(CallbackTask.id.desc()).limit(1)).first()


def list_callbacks(status: str = "all", limit: int = 200) -> list[dict]:
    with session_scope() as session:
        query = select(CallbackTask).order_by(CallbackTask.id.desc()).limit(limit)
        if status != "all":
            query = query.where(CallbackTask.status == status)
        return [view(r, session.get(Agent, r.agent_id) if r.agent_id else None) for r in session.scalars(query)]


def set_status(callback_id: int, status: str, agent_id: int, note: str | None = None) -> dict:
    if status not in (DONE, FAILED):
        raise Invalid("bad_status", "status must be done or failed", "状态只能是已回电或未接通。")
    with session_scope() as session:
        row = session.get(CallbackTask, callback_id)
        if row is None:
            raise not_found("callback")
        row.status, row.agent_id, row.done_at = status, agent_id, clock.utcnow()
        if note:
            row.note = note.strip()[:2000]
        data = view(row, session.get(Agent, agent_id))
    events.publish("callback.updated", data)
    return data
