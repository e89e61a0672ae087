"""Telling a customer that power is back (恢复供电通知).

When a report is answered by a planned outage or a known fault, the bot offers to tell the
customer when power is restored; ``subscribe`` stores that wish (``RestoreNotice``), once
per conversation and outage.  When an operator marks the planned outage ended
(``planned.end_planned``) or a crew marks the fault ticket restored
(``tickets.change_status``), ``notify_restored`` puts one notice per waiting subscription
into the outbox, which the gateway delivers on the customer's channel (the widget's
socket, WeChat, voice's recorder).

Once per subscription: a subscription is claimed by a conditional update
(``notified_at IS NULL``) in the same transaction that adds the outbox message, so a
second restoration call, or two at once, enqueue nothing more.  No HTTP here.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import clock
from services.conversations.models import Conversation
from services.errors import Conflict, Invalid, NotFound
from services.masking import mask_mobile
from services.outage import planned, tickets
from services.outage.models import PlannedOutage, RestoreNotice, Ticket
from services.outage.schemas import RestoreNoticeView
from services.outbox.store import add_message
from services.textnorm import parse_phone

log = logging.getLogger(__name__)

# The notices' wording (the customer reads it on any channel, voice included: no symbols).
NOTICE_PLANNED = "您好，{area}的计划停电（{reason}）已经结束，供电已恢复。如果家里仍然没电，请回复“停电报修”，我们马上为您处理。"
NOTICE_FAULT = "您好，{area}的停电故障已经修复，供电已恢复。如果家里仍然没电，请回复“停电报修”，我们马上为您处理。"
NOTICE_KIND = "notice"


def subscribe(session: Session, *, conversation_id: str, ticket_id: str | None = None,
              planned_outage_id: str | None = None, contact_mobile: str | None = None) -> RestoreNoticeView:
    """Store the wish to be told when the fault ``ticket_id`` or the planned outage
    ``planned_outage_id`` (readable ids) is over; asking again returns the same one.

    404 for an unknown conversation, ticket or outage; 409 when power is already back
    (nothing left to wait for); 422 unless exactly one of the two ids is given."""
    if (ticket_id is None) == (planned_outage_id is None):
        raise Invalid("one_subject", "Give exactly one of ticket_id and planned_outage_id",
                      "请指明是哪一次停电。")
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("conversation", "No such conversation", "没有找到这个会话。")
    subject = _subject(session, ticket_id, planned_outage_id)
    mobile = parse_phone(contact_mobile) if contact_mobile else None
    found = _existing(session, conversation_id, subject)
    if found is None:
        try:
            with session.begin_nested():  # a race with the same request: the UNIQUE pair decides
                found = RestoreNotice(conversation_id=conversation_id, channel=conversation.channel,
                                      channel_user_id=conversation.channel_user_id,
                                      contact_masked=mask_mobile(mobile) if mobile else None, **subject)
                session.add(found)
        except IntegrityError:
            found = _existing(session, conversation_id, subject)
        log.info("restore notice %s for %s", found.id, ticket_id or planned_outage_id)
    return _view(found, ticket_id or planned_outage_id)


def _subject(session: Session, ticket_code: str | None, planned_code: str | None) -> dict[str, int]:
    """The row the customer waits for, as RestoreNotice columns; 409 if it is already over."""
    if ticket_code is not None:
        ticket = tickets.ticket_row(session, ticket_code)
        if ticket.status not in tickets.OPEN_STATUSES:
            raise Conflict("power_restored", "The fault is already repaired", "这处故障已经修复，供电已恢复。")
        return {"ticket_id": ticket.id}
    outage = planned.planned_row(session, planned_code)
    if planned.status_of(outage, clock.utcnow()) in ("ended", "cancelled"):
        raise Conflict("power_restored", "The planned outage is over", "这次计划停电已经结束。")
    return {"planned_outage_id": outage.id}


def _existing(session: Session, conversation_id: str, subject: dict[str, int]) -> RestoreNotice | None:
    query = select(RestoreNotice).where(RestoreNotice.conversation_id == conversation_id)
    for column, value in subject.items():
        query = query.where(getattr(RestoreNotice, column) == value)
    return session.scalars(query).first()


def _view(row: RestoreNotice, subject_code: str) -> RestoreNoticeView:
    return RestoreNoticeView(id=row.id, conversation_id=row.conversation_id, channel=row.channel,
                             subject=subject_code, contact_mobile=row.contact_masked,
                             notified=row.notified_at is not None)


def notify_ticket_restored(session: Session, ticket: Ticket) -> int:
    """Enqueue the notice for everyone waiting on this fault; returns how many (only
    building and area faults are waited on: customers subscribe to a known fault)."""
    return _notify(session, RestoreNotice.ticket_id == ticket.id,
                   lambda: NOTICE_FAULT.format(area=tickets.fault_view(ticket).area))


def notify_planned_ended(session: Session, outage: PlannedOutage) -> int:
    """Enqueue the notice for everyone waiting on this planned outage; returns how many."""
    return _notify(session, RestoreNotice.planned_outage_id == outage.id,
                   lambda: NOTICE_PLANNED.format(area=outage.area_name, reason=outage.reason))


def _notify(session: Session, which, notice_text: Callable[[], str]) -> int:
    """One outbox message per waiting subscription, each claimed once (module docstring)."""
    waiting = session.scalars(select(RestoreNotice.id).where(which, RestoreNotice.notified_at.is_(None))).all()
    if not waiting:
        return 0
    text = notice_text()
    sent = 0
    for notice_id in waiting:
        claimed = session.execute(update(RestoreNotice)
                                  .where(RestoreNotice.id == notice_id, RestoreNotice.notified_at.is_(None))
                                  .values(notified_at=clock.utcnow()).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another restoration call took it
        conversation_id = session.scalar(select(RestoreNotice.conversation_id).where(RestoreNotice.id == notice_id))
        message_id = add_message(session, conversation_id, text, NOTICE_KIND)
        session.execute(update(RestoreNotice).where(RestoreNotice.id == notice_id)
                        .values(outbox_message_id=message_id).execution_options(synchronize_session=False))
        sent += 1
    if sent:
        log.info("%d restore notices enqueued", sent)
    return sent
