"""Live updates for the agents' console: rows in ``handoff_events``, read in id order.

Every gateway process writes here and every console stream reads from here (after the
``Last-Event-ID`` it last saw), so an event is seen whichever process served it.
Events older than a day are pruned as new ones are written.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from handoff.models import HandoffEvent
from handoff.times import iso
from services import clock
from services.db import session_scope

KEEP = timedelta(days=1)
PRUNE_EVERY = 200


def publish(event_type: str, data: dict[str, Any]) -> int:
    with session_scope() as session:
        row = HandoffEvent(type=event_type, data=data, created_at=clock.utcnow())
        session.add(row)
        session.flush()
        if row.id % PRUNE_EVERY == 0:
            session.execute(delete(HandoffEvent).where(HandoffEvent.created_at < clock.utcnow() - KEEP))
        return row.id


def since(last_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """Events after ``last_id``, oldest first: ``{"id", "type", "data", "at"}``."""
    with session_scope() as session:
        rows = session.scalars(select(HandoffEvent).where(HandoffEvent.id > last_id)
                               .order_by(HandoffEvent.id).limit(limit)).all()
        return [{"id": r.id, "type": r.type, "data": r.data, "at": iso(r.created_at)} for r in rows]


def latest_id() -> int:
    with session_scope() as session:
        return session.scalar(select(func.max(HandoffEvent.id))) or 0
