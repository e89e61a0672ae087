"""What a fault test counts before and after the fault: everything of one conversation
(and its account) that must be neither lost nor doubled, read straight from the
services' database.  One helper for every fault test (tests/conversation/test_faults.py,
tests/cluster/test_cluster.py)."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlalchemy import func, select

from handoff.models import Handoff
from handoff.queue import OPEN_STATES
from services.billing.models import Payment
from services.conversations.models import Message
from services.db import session_scope
from services.outage.models import Ticket
from services.outbox.models import OutboxMessage


@dataclass(frozen=True)
class Ledger:
    customer_messages: int
    bot_messages: int
    agent_messages: int
    payments: int  # the account's
    tickets: int  # repair tickets opened for the conversation
    open_handoffs: int  # queued or assigned
    outbox: int  # messages waiting for, or pushed to, the customer

    def plus(self, **more: int) -> "Ledger":
        """This ledger with ``more`` added, e.g. ``before.plus(customer_messages=2)``."""
        return replace(self, **{name: getattr(self, name) + n for name, n in more.items()})

    def __str__(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def ledger(database_url: str, conversation_id: str, account_no: str | None = None) -> Ledger:
    def count(query) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery()))

    with session_scope(database_url) as session:
        messages = select(Message.id).where(Message.conversation_id == conversation_id)
        return Ledger(
            customer_messages=count(messages.where(Message.direction == "user")),
            bot_messages=count(messages.where(Message.direction == "bot")),
            agent_messages=count(messages.where(Message.direction == "agent")),
            payments=count(select(Payment.id).where(Payment.account_no == account_no)) if account_no else 0,
            tickets=count(select(Ticket.id).where(Ticket.conversation_id == conversation_id)),
            open_handoffs=count(select(Handoff.id).where(Handoff.conversation_id == conversation_id,
                                                         Handoff.status.in_(OPEN_STATES))),
            outbox=count(select(OutboxMessage.id).where(OutboxMessage.conversation_id == conversation_id)),
        )
