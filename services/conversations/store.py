"""Store every message before acting on it, and remember who owns a conversation.

The gateway calls :func:`record_inbound` first thing, so that a Rasa or action-server
outage leaves a record to replay or hand to a human: a message is never lost.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from services.conversations.models import Conversation, Message
from services.db import session_scope

BOT = "bot"
HANDOFF = "handoff"


@dataclass(frozen=True)
class StoredMessage:
    id: int
    sender_id: str
    direction: str
    text: str
    status: str


def _ensure_conversation(session, sender_id: str, channel: str) -> Conversation:
    conversation = session.get(Conversation, sender_id)
    if conversation is None:
        conversation = Conversation(sender_id=sender_id, channel=channel, state=BOT)
        session.add(conversation)
        session.flush()
    return conversation


def record_inbound(sender_id: str, channel: str, text: str) -> tuple[int, str]:
    """Store a customer's message; returns its id and the conversation's state."""
    with session_scope() as session:
        conversation = _ensure_conversation(session, sender_id, channel)
        message = Message(sender_id=sender_id, direction="user", text=text, status="received")
        session.add(message)
        session.flush()
        return message.id, conversation.state


def record_replies(sender_id: str, inbound_id: int, texts: list[str], direction: str = "bot") -> None:
    """Store the replies to an inbound message and mark it answered, in one transaction."""
    with session_scope() as session:
        for text in texts:
            session.add(Message(sender_id=sender_id, direction=direction, text=text, status="sent"))
        inbound = session.get(Message, inbound_id)
        if inbound is not None:
            inbound.status = "answered"


def mark_status(message_id: int, status: str) -> None:
    """Mark an inbound message, e.g. "failed" when the bot could not be reached
    (it stays stored for a replay or a human), or "queued" while a human owns it."""
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None:
            message.status = status


def set_state(sender_id: str, state: str, channel: str = "web") -> None:
    with session_scope() as session:
        _ensure_conversation(session, sender_id, channel).state = state


def conversation_state(sender_id: str) -> str:
    with session_scope() as session:
        conversation = session.get(Conversation, sender_id)
        return conversation.state if conversation else BOT


def history(sender_id: str, limit: int = 200) -> list[StoredMessage]:
    """The conversation's messages, oldest first (for agents and for tests)."""
    with session_scope() as session:
        rows = session.scalars(
            select(Message).where(Message.sender_id == sender_id).order_by(Message.id).limit(limit)
        ).all()
        return [StoredMessage(r.id, r.sender_id, r.direction, r.text, r.status) for r in rows]
