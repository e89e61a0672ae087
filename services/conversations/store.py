"""Conversations and their messages: store every message before acting on it.

The turn pipeline (api/turns.py) calls :func:`open_conversation` and
:func:`record_inbound` first thing, so that a Rasa or action-server outage leaves a
record to replay or hand to a human: a message is never lost.  A channel user's
conversation ends after ``settings.conversation_timeout_min`` without a message;
their next message opens a new one (a new id for Rasa, so nothing carries over).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from services import clock
from services.conversations.models import Conversation, Message
from services.db import session_scope
from services.settings import get_settings

BOT = "bot"
HANDOFF = "handoff"
CLOSED = "closed"


@dataclass(frozen=True)
class OpenConversation:
    id: str
    state: str
    # Seconds since the conversation's previous message (0 for a new one).
    idle_s: float
    # The conversation this one replaces after a timeout, if any.
    previous_id: str | None = None
    # [{"title", "payload"}] of the bot's last reply (see Conversation.last_buttons).
    last_buttons: list[dict] | None = None


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: str
    direction: str
    text: str
    status: str


def new_conversation_id() -> str:
    return f"c{uuid.uuid4().hex}"


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.utcnow().tzinfo)


def _current(session, channel: str, channel_user_id: str) -> Conversation | None:
    return session.scalars(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.channel_user_id == channel_user_id,
               Conversation.ended_at.is_(None))
        .order_by(Conversation.created_at.desc()).limit(1)
    ).first()


def _start(session, channel: str, channel_user_id: str) -> Conversation:
    now = clock.utcnow()
    conversation = Conversation(id=new_conversation_id(), channel=channel, channel_user_id=channel_user_id,
                                state=BOT, created_at=now, last_activity_at=now)
    session.add(conversation)
    session.flush()
    return conversation


def _end(conversation: Conversation, reason: str) -> None:
    conversation.state = CLOSED
    conversation.ended_at = clock.utcnow()
    conversation.end_reason = reason


def open_conversation(channel: str, channel_user_id: str) -> OpenConversation:
    """The channel user's current conversation, or a new one when there is none or the
    last one has been idle longer than the timeout (it is ended, reason "inactivity");
    a conversation handed to a human never times out while the handoff is open."""
    timeout = timedelta(minutes=get_settings().conversation_timeout_min)
    with session_scope() as session:
        conversation = _current(session, channel, channel_user_id)
        previous_id = None
        if conversation is not None:
            idle = clock.utcnow() - _aware(conversation.last_activity_at)
            # A customer waiting for (or talking with) a human keeps the conversation.
            if idle <= timeout or conversation.state == HANDOFF:
                return OpenConversation(conversation.id, conversation.state, idle.total_seconds(),
                                        last_buttons=conversation.last_buttons)
            _end(conversation, "inactivity")
            previous_id = conversation.id
        conversation = _start(session, channel, channel_user_id)
        return OpenConversation(conversation.id, conversation.state, 0.0, previous_id)


def record_inbound(conversation_id: str, text: str) -> int:
    """Store a customer's message and the conversation's activity; returns its id."""
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        conversation.last_activity_at = clock.utcnow()
        message = Message(conversation_id=conversation_id, direction="user", text=text, status="received")
        session.add(message)
        session.flush()
        return message.id


def record_replies(conversation_id: str, inbound_id: int, texts: list[str], direction: str = "bot",
                   buttons: list[dict] | None = None) -> None:
    """Store the replies to an inbound message, their choices (``buttons``), and mark
    the message answered, in one transaction."""
    with session_scope() as session:
        session.get(Conversation, conversation_id).last_buttons = buttons or None
        for text in texts:
            session.add(Message(conversation_id=conversation_id, direction=direction, text=text, status="sent"))
        inbound = session.get(Message, inbound_id)
        if inbound is not None:
            inbound.status = "answered"


def record_agent_message(conversation_id: str, text: str) -> None:
    """Store a human agent's reply with the conversation (direction "agent")."""
    with session_scope() as session:
        session.add(Message(conversation_id=conversation_id, direction="agent", text=text, status="sent"))


def mark_status(message_id: int, status: str) -> None:
    """Mark an inbound message, e.g. "failed" when the bot could not be reached
    (it stays stored for a replay or a human), or "queued" while a human owns it."""
    with session_scope() as session:
        message = session.get(Message, message_id)
        if message is not None:
            message.status = status


def set_state(conversation_id: str, state: str) -> None:
    with session_scope() as session:
        session.get(Conversation, conversation_id).state = state


def current_conversation_id(channel: str, channel_user_id: str) -> str | None:
    """The channel user's conversation that has not ended, if any (none is opened)."""
    with session_scope() as session:
        conversation = _current(session, channel, channel_user_id)
        return conversation.id if conversation else None


def end_conversation(conversation_id: str, reason: str) -> None:
    """End a conversation now (an agent closed the handoff, the user unsubscribed …)."""
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is not None and conversation.ended_at is None:
            _end(conversation, reason)


def link_account(conversation_id: str, account_no: str) -> bool:
    """Record the 户号 verified in this conversation; False if there is no such conversation."""
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return False
        conversation.account_no = account_no
        return True


def conversation_state(conversation_id: str) -> str:
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.state if conversation else BOT


def history(conversation_id: str, limit: int = 200) -> list[StoredMessage]:
    """The conversation's messages, oldest first (for agents and for tests)."""
    with session_scope() as session:
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id).limit(limit)
        ).all()
        return [StoredMessage(r.id, r.conversation_id, r.direction, r.text, r.status) for r in rows]
