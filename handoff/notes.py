"""Private notes on a handoff: for agents and supervisors, never sent to the customer."""
from __future__ import annotations

from sqlalchemy import select

from handoff import events
from handoff.errors import not_found
from handoff.models import Agent, Handoff, HandoffNote
from handoff.times import iso
from services import clock
from services.db import session_scope
from services.errors import Invalid


def view(row: HandoffNote, agent: Agent | None) -> dict:
    return {"id": row.id, "handoff_id": row.handoff_id, "text": row.text, "created_at": iso(row.created_at),
            "agent": {"id": agent.id, "display_name": agent.display_name} if agent else None}


def add(handoff_id: int, agent_id: int, text: str) -> dict:
    text = (text or "").strip()
    if not 1 <= len(text) <= 2000:
        raise Invalid("bad_text", "text: 1-2000 characters", "内容须为1到2000个字符。")
    with session_scope() as session:
        if session.get(Handoff, handoff_id) is None:
            raise not_found("handoff")
        row = HandoffNote(handoff_id=handoff_id, agent_id=agent_id, text=text, created_at=clock.utcnow())
        session.add(row)
        session.flush()
        data = view(row, session.get(Agent, agent_id))
    events.publish("note", {"handoff_id": handoff_id, "note": data})
    return data


def for_handoff(session, handoff_id: int) -> list[dict]:
    rows = session.scalars(select(HandoffNote).where(HandoffNote.handoff_id == handoff_id).order_by(HandoffNote.id))
    return [view(r, session.get(Agent, r.agent_id)) for r in rows]
