"""Everything an agent sees when they open a handoff (HandoffDetail in handoff/API.md):
the queue row, the summary, the masked profile, the history, notes, the complaint,
the callback and the satisfaction score."""
from __future__ import annotations

from typing import Any

from handoff import callbacks, complaints, notes
from handoff.errors import not_found
from handoff.history import history
from handoff.models import Agent, Handoff
from handoff.profile import profile
from handoff.queue import summary_view
from services.conversations.models import Conversation
from services.db import session_scope


def conversation_of(handoff_id: int) -> str:
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise not_found("handoff")
        return handoff.conversation_id


def detail(handoff_id: int, tracker: dict[str, Any] | None) -> dict[str, Any]:
    """``tracker``: Rasa's tracker for the conversation (None when Rasa is unreachable:
    the history then has no intents or slots)."""
    with session_scope() as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise not_found("handoff")
        conversation = session.get(Conversation, handoff.conversation_id)
        complaint = complaints.for_handoff(session, handoff.id)
        callback = callbacks.for_handoff(session, handoff.id)
        callback_agent = session.get(Agent, callback.agent_id) if callback and callback.agent_id else None
        return {
            **summary_view(session, handoff),
            "profile": profile(session, conversation.account_no if conversation else None),
            "history": history(session, handoff.conversation_id, tracker),
            "tracker_available": tracker is not None,
            "notes": notes.for_handoff(session, handoff.id),
            "complaint": complaints.view(complaint) if complaint else None,
            "callback": callbacks.view(callback, callback_agent) if callback else None,
            "csat": {"asked": handoff.csat_asked, "score": handoff.csat_score} if handoff.csat_asked else None,
        }
