"""Enqueue, hand out and settle outbox messages.

Delivery is at least once: a message is handed to its channel's sender until the
sender takes it (``sent``), and on the web until the widget acknowledges it
(``acked``); anything not acknowledged is sent again when the customer reconnects,
and the widget ignores an id it has already shown.  A failing sender never drops a
message: it is retried with a growing delay (1 s, 2 s, 4 s … at most 5 min).

Several gateway processes deliver from the same table: each first *claims* a due message
(a conditional update that moves its next attempt ``CLAIM_S`` ahead; only one process's
update matches), so a channel with side effects (WeChat's API, a call) is not sent the
same message twice at once.  A web customer's messages are claimed only by the process
holding their socket (the others skip them); a claimed message that was not sent after
all (the socket closed meanwhile) is released, due again at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from services import clock
from services.conversations.models import Conversation
from services.db import session_scope
from services.outbox.models import OutboxMessage

PENDING, SENT, ACKED = "pending", "sent", "acked"
# A message the channel will never take (WeChat: the user's 48-hour window has passed):
# kept with the reason in last_error, not retried.
EXPIRED = "expired"
MAX_BACKOFF_S = 300
# How long a gateway process holds a message it is delivering; if it dies meanwhile,
# another process delivers the message once the claim lapses.
CLAIM_S = 60


@dataclass(frozen=True)
class Outgoing:
    id: int
    conversation_id: str
    channel: str
    channel_user_id: str
    kind: str
    author: str | None
    text: str
    buttons: list[dict] | None
    status: str
    attempts: int


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(row.id, row.conversation_id, row.channel, row.channel_user_id, row.kind, row.author,
                    row.text, row.buttons, row.status, row.attempts)


def enqueue(conversation_id: str, text: str, kind: str, author: str | None = None,
            buttons: list[dict] | None = None) -> int:
    """Store a message for the conversation's channel user; returns its id."""
    with session_scope() as session:
        return add_message(session, conversation_id, text, kind, author, buttons)


def add_message(session: Session, conversation_id: str, text: str, kind: str, author: str | None = None,
                buttons: list[dict] | None = None) -> int:
    """``enqueue`` in the caller's transaction, so the message commits (or not) with what
    caused it (services/outage/notify.py marks a subscription notified in the same one)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    row = OutboxMessage(conversation_id=conversation_id, channel=conversation.channel,
                        channel_user_id=conversation.channel_user_id, kind=kind, author=author,
                        text=text, buttons=buttons, status=PENDING, attempts=0,
                        next_attempt_at=clock.utcnow())
    session.add(row)
    session.flush()
    return row.id


def due(limit: int = 100, held_here: dict[str, set[str]] | None = None) -> list[Outgoing]:
    """Pending messages whose next attempt is now, oldest first.  ``held_here`` names the
    channels whose customers are reached through a connection one process holds (the
    widget's socket), with the users connected to this process: of those channels, only
    these users' messages are due here."""
    query = select(OutboxMessage).where(OutboxMessage.status == PENDING,
                                        OutboxMessage.next_attempt_at <= clock.utcnow())
    if held_here:
        query = query.where(or_(
            OutboxMessage.channel.not_in(list(held_here)),
            *(and_(OutboxMessage.channel == channel, OutboxMessage.channel_user_id.in_(sorted(users)))
              for channel, users in held_here.items() if users)))
    with session_scope() as session:
        rows = session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
        return [_outgoing(r) for r in rows]


def claim_due(limit: int = 100, held_here: dict[str, set[str]] | None = None) -> list[Outgoing]:
    """Due messages (see :func:`due`) this process now holds for ``CLAIM_S``: each one was
    claimed by exactly one process (the claim is an update that only matches while the
    message is due)."""
    return [message for message in due(limit, held_here) if claim(message.id)]


def release(message_id: int) -> None:
    """Give a claimed message back, due again at once (no attempt counted)."""
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None and row.status == PENDING:
            row.next_attempt_at = clock.utcnow()


def unacknowledged(channel: str, channel_user_id: str) -> list[Outgoing]:
    """What a reconnecting client has not confirmed yet (pending or sent), oldest first."""
    with session_scope() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel,
                                        OutboxMessage.channel_user_id == channel_user_id,
                                        OutboxMessage.status.in_((PENDING, SENT)))
            .order_by(OutboxMessage.id)
        ).all()
        return [_outgoing(r) for r in rows]


def claim(message_id: int) -> bool:
    """Take a due message for one delivery attempt; False when another gateway
    process took it first (so two processes never hand it to a channel at once)."""
    now = clock.utcnow()
    with session_scope() as session:
        return session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING,
                                        OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_S))
        ).rowcount == 1


def mark_sent(message_id: int) -> None:
    """Delivered to the channel.  One conditional update, not a read then a write: the
    client's acknowledgement can land between the two (the frame is on its socket
    already), and a read-then-write would turn that ACKED back into SENT, so the
    message would be sent again on the next reconnect."""
    with session_scope() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
            .values(status=SENT, sent_at=clock.utcnow(), attempts=OutboxMessage.attempts + 1)
        )


def mark_acked(message_id: int, channel: str, channel_user_id: str) -> bool:
    """The client showed the message; only its own messages can be acknowledged."""
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or (row.channel, row.channel_user_id) != (channel, channel_user_id):
            return False
        session.execute(  # conditional, like mark_sent: never undone by a concurrent write
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status != ACKED)
            .values(status=ACKED, acked_at=clock.utcnow())
        )
        return True


def mark_failed(message_id: int, error: str) -> None:
    """A failed attempt: retried later, never dropped."""
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        row.attempts += 1
        row.last_error = error[:200]
        delay = min(2 ** (row.attempts - 1), MAX_BACKOFF_S)
        row.next_attempt_at = clock.utcnow() + timedelta(seconds=delay)


def mark_expired(message_id: int, reason: str) -> None:
    """The channel will never take the message: kept with the reason, not retried."""
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        if row.status == PENDING:
            row.status, row.last_error = EXPIRED, reason[:200]
            row.attempts += 1
