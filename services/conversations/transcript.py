"""The current conversation as its customer sees it: what the web widget shows again
after a page reload or a reconnect.

It merges the two places a customer's screen is filled from: the conversation's
messages (the customer's, the bot's direct replies) and its outbox (an agent's reply,
a late bot reply, a notice, the satisfaction question), in the order they were
created.  Outbox messages carry their outbox id, the one their WebSocket frame
carries, so the widget shows each once whichever way it arrives.  Reading it changes
nothing: no conversation is opened or ended here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from services import clock
from services.conversations.models import Conversation, Message
# The store's own lookup of a user's open conversation and its UTC reading of SQLite times.
from services.conversations.store import _aware, _current
from services.db import session_scope
from services.outbox.models import OutboxMessage
from services.settings import get_settings

# Directions of the messages table the widget draws; an agent's reply reaches the
# customer through the outbox, which is where the transcript takes it from.
SHOWN_DIRECTIONS = ("user", "bot")


@dataclass(frozen=True)
class TranscriptEntry:
    direction: str  # "user", "bot", "agent" or "notice"
    text: str
    time: datetime
    kind: str | None = None  # an outbox message's kind
    author: str | None = None
    outbox_id: int | None = None
    buttons: list[dict] | None = None
    pending: bool = False  # a customer's message still waiting for its answer


@dataclass(frozen=True)
class Transcript:
    conversation_id: str | None
    state: str
    entries: list[TranscriptEntry]
    # The choices of the bot's last reply while that reply is the last thing said.
    last_buttons: list[dict] | None


def _live_conversation(session, channel: str, channel_user_id: str) -> Conversation | None:
    """The conversation the user's next message would continue (None when there is
    none, or the last one has been idle past the timeout: the next message starts anew)."""
    conversation = _current(session, channel, channel_user_id)
    timeout = timedelta(minutes=get_settings().conversation_timeout_min)
    if conversation is None or clock.utcnow() - _aware(conversation.last_activity_at) > timeout:
        return None
    return conversation


def _message_entry(row: Message) -> TranscriptEntry:
    return TranscriptEntry(row.direction, row.text, _aware(row.created_at),
                           pending=row.direction == "user" and row.status == "received")


def _outbox_entry(row: OutboxMessage) -> TranscriptEntry:
    direction = "notice" if row.kind == "notice" else "agent" if row.kind == "agent" else "bot"
    return TranscriptEntry(direction, row.text, _aware(row.created_at), kind=row.kind, author=row.author,
                           outbox_id=row.id, buttons=row.buttons)


def current_transcript(channel: str, channel_user_id: str, limit: int = 200) -> Transcript:
    """The user's live conversation, its last ``limit`` messages oldest first."""
    with session_scope() as session:
        conversation = _live_conversation(session, channel, channel_user_id)
        if conversation is None:
            return Transcript(None, "bot", [], None)
        messages = session.scalars(
            select(Message).where(Message.conversation_id == conversation.id,
                                  Message.direction.in_(SHOWN_DIRECTIONS))
            .order_by(Message.id.desc()).limit(limit)
        ).all()
        outbox = session.scalars(
            select(OutboxMessage).where(OutboxMessage.conversation_id == conversation.id)
            .order_by(OutboxMessage.id.desc()).limit(limit)
        ).all()
        entries = [_message_entry(m) for m in reversed(messages)] + [_outbox_entry(o) for o in reversed(outbox)]
        # sorted() is stable: rows created in the same instant keep their table order.
        entries = sorted(entries, key=lambda e: e.time)[-limit:]
        ends_with_bot_reply = bool(entries) and entries[-1].direction == "bot" and entries[-1].outbox_id is None
        return Transcript(conversation.id, conversation.state, entries,
                          conversation.last_buttons if ends_with_bot_reply else None)
