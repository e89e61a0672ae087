"""Agents' server-side sessions: a random cookie value, stored only as its SHA-256, with
a CSRF token the console echoes in ``X-CSRF-Token`` on every state-changing request.

A session lasts ``agent_session_ttl_min`` and is extended by use; logging out deletes
it; a deactivated agent's sessions stop working at once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from handoff.agents import AgentView, view
from handoff.models import Agent, AgentSession
from handoff.times import aware
from services import clock
from services.db import session_scope
from services.settings import get_settings


@dataclass(frozen=True)
class OpenSession:
    agent: AgentView
    csrf_token: str
    expires_at: str  # ISO


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _ttl() -> timedelta:
    return timedelta(minutes=get_settings().agent_session_ttl_min)


def start(agent_id: int) -> tuple[str, str]:
    """A new session for the agent: (the cookie's value, the CSRF token)."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = clock.utcnow()
    with session_scope() as session:
        session.add(AgentSession(id_hash=_hash(session_id), agent_id=agent_id, csrf_token=csrf,
                                 created_at=now, expires_at=now + _ttl()))
    return session_id, csrf


def lookup(session_id: str | None) -> OpenSession | None:
    """The live session this cookie names (extended by this use), or None."""
    if not session_id:
        return None
    now = clock.utcnow()
    with session_scope() as session:
        row = session.get(AgentSession, _hash(session_id))
        if row is None:
            return None
        agent = session.get(Agent, row.agent_id)
        if aware(row.expires_at) <= now or agent is None or not agent.active:
            session.delete(row)
            return None
        row.expires_at = now + _ttl()
        agent.last_seen_at = now
        return OpenSession(view(session, agent), row.csrf_token,
                           aware(row.expires_at).isoformat().replace("+00:00", "Z"))


def csrf_ok(open_session: OpenSession, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(open_session.csrf_token, header)


def end(session_id: str | None) -> None:
    if not session_id:
        return
    with session_scope() as session:
        session.execute(delete(AgentSession).where(AgentSession.id_hash == _hash(session_id)))


def end_all(agent_id: int) -> None:
    with session_scope() as session:
        session.execute(delete(AgentSession).where(AgentSession.agent_id == agent_id))
