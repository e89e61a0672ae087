"""Outage tables: repair tickets, each status change of a ticket, planned outages and the
streets they cover (migration 0004_outage), and the customers waiting to be told that
power is back (``RestoreNotice``, migration 0011_outage_notify).

Two UNIQUE columns make report intake idempotent under concurrency, on SQLite and
PostgreSQL alike: ``open_conversation_id`` and ``open_address_key`` hold the ticket's
conversation and normalized address while it is open and are cleared when it closes, so a
second open ticket for either cannot be inserted (NULLs never collide).  Readable ids
(QX20261123-0042) are unique per day through ``(day, seq)``.

Timestamps are stored in UTC and always read back timezone-aware (``UtcDateTime``):
SQLite hands back naive values, PostgreSQL aware ones.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from services.db import Base, utcnow


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every back end."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class AddressColumns:
    """The normalized address parts (services/outage/address.py) a row is matched on."""

    province: Mapped[str | None] = mapped_column(String(32), nullable=True)
    city: Mapped[str | None] = mapped_column(String(32), nullable=True)
    district: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class Ticket(AddressColumns, Base):
    """A repair ticket (抢修工单) from a customer's report, an operator or the seed."""

    __tablename__ = "outage_tickets"
    __table_args__ = (UniqueConstraint("day", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # QX20261123-0042
    day: Mapped[date] = mapped_column(Date)  # China date of creation, the id's date
    seq: Mapped[int] = mapped_column(Integer)  # the id's number within that day
    kind: Mapped[str] = mapped_column(String(16))  # household | building | area | danger
    priority: Mapped[str] = mapped_column(String(8))  # normal | high | urgent
    status: Mapped[str] = mapped_column(String(24), index=True)  # see tickets.TRANSITIONS
    address_raw: Mapped[str] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(32), nullable=True)
    street: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    building: Mapped[str | None] = mapped_column(String(16), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    room: Mapped[str | None] = mapped_column(String(16), nullable=True)
    address_rest: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address_key: Mapped[str] = mapped_column(String(255), index=True)
    area_type: Mapped[str] = mapped_column(String(8))  # urban | rural | remote (promise.py)
    contact_mobile: Mapped[str] = mapped_column(String(16))  # full, for the crew; masked in every view
    conversation_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    account_no: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    cause: Mapped[str | None] = mapped_column(String(200), nullable=True)  # what the crew found
    expected_restore_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # chat | operator | seed
    open_conversation_id: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    open_address_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TicketEvent(Base):
    """One step in a ticket's history: the status it reached, when, by whom, with a note."""

    __tablename__ = "outage_ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("outage_tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(32))  # customer | crew | operator | system | seed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlannedOutage(AddressColumns, Base):
    """A planned outage (计划停电) in one district; its streets are PlannedOutageStreet rows.
    Cancelled when ``cancelled_at`` is set; whether it is upcoming, in progress or ended
    follows from the clock."""

    __tablename__ = "planned_outages"
    __table_args__ = (UniqueConstraint("day", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # JH20261125-0003
    day: Mapped[date] = mapped_column(Date)  # China date it was created
    seq: Mapped[int] = mapped_column(Integer)
    area_name: Mapped[str] = mapped_column(String(128))  # as announced: 西湖区学院路沿线
    reason: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # operator | seed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlannedOutageStreet(Base):
    """A street a planned outage covers: all of it, or the numbers from_no..to_no (the
    门牌号 on a road, the 幢 in a community: address.NormalizedAddress.house_no)."""

    __tablename__ = "planned_outage_streets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    planned_outage_id: Mapped[int] = mapped_column(ForeignKey("planned_outages.id"), index=True)
    street: Mapped[str] = mapped_column(String(64), index=True)
    from_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_no: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RestoreNotice(Base):
    """A customer's wish to be told when power is back (恢复供电通知), made when their report
    was covered by a planned outage or a known fault: one of ``ticket_id`` (the fault) or
    ``planned_outage_id``.  Migration 0011_outage_notify.

    The channel and channel user are copied from the conversation the services issued (never
    from the caller), so the notice reaches the customer even after that conversation has
    timed out.  ``notified_at`` and ``outbox_message_id`` are set in the transaction that
    enqueues the notice, once per row (notify.py); the UNIQUE pairs make asking twice in one
    conversation one subscription."""

    __tablename__ = "outage_restore_notices"
    __table_args__ = (
        UniqueConstraint("conversation_id", "ticket_id", name="uq_outage_restore_notices_conversation_ticket"),
        UniqueConstraint("conversation_id", "planned_outage_id", name="uq_outage_restore_notices_conversation_planned"),
        CheckConstraint("(ticket_id IS NULL) <> (planned_outage_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.sender_id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("outage_tickets.id"), nullable=True, index=True)
    planned_outage_id: Mapped[int | None] = mapped_column(ForeignKey("planned_outages.id"), nullable=True, index=True)
    contact_masked: Mapped[str | None] = mapped_column(String(16), nullable=True)  # 138****5678
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
