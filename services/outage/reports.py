"""A customer's outage report: answered by what is already known, or a new ticket.

In this order:

1. the conversation, or the normalized address, already has an open ticket → that
   ticket (``existing_ticket``; a danger report raises it to urgent);
2. a planned outage in force covers the address → the outage (``planned_outage``);
3. an open building or area fault covers it → the fault (``known_fault``);
4. otherwise a new ticket (``created``).

A danger report (冒烟、着火、电线掉落 …) skips 2 and 3: a fallen wire needs a crew even
inside a planned outage's area.  ``check_report`` answers 1-3 without opening anything
(case ``none`` where a report would open a ticket), so the dialogue can look before it
asks for a contact number.

Idempotent under concurrency: two reports from one conversation or for one address that
race each other hit the UNIQUE open_* columns (models.py); the loser rolls back and, on
looking again, finds the winner's ticket.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.errors import Conflict, Invalid
from services.outage import contact, planned, tickets
from services.outage.address import NormalizedAddress, address_view, normalize_address, require_street
from services.outage.schemas import ReportResult, TicketView

log = logging.getLogger(__name__)

ATTEMPTS = 3
MAX_ID_CHARS = 128


def report_outage(session: Session, *, address: str, kind: str, contact_mobile: str | None = None,
                  conversation_id: str | None = None, account_no: str | None = None,
                  description: str | None = None, province: str | None = None,
                  area_type: str | None = None, contact_from_account: bool = False) -> ReportResult:
    """Answer a report (see the module docstring); flushes, the caller commits.

    ``province`` (a tariff key) reads an ambiguous district name; ``area_type``
    (urban | rural | remote) overrides the one derived from the address (promise.py).
    ``contact_from_account``: the contact is the mobile registered on ``account_no`` (the
    customer picked it in the form; contact.py)."""
    if contact_from_account:
        if account_no is None:
            raise Invalid("account_required", "contact_from_account needs account_no", "请先验证户号。")
        contact_mobile = contact.account_mobile(session, account_no)
    if contact_mobile is None:
        raise Invalid("contact_required", "Give contact_mobile or contact_from_account", "请留一个联系手机号。")
    tickets.check_kind(kind)
    tickets.check_mobile(contact_mobile)
    _check_ids(conversation_id, account_no)
    place = require_street(normalize_address(address, province))
    for _ in range(ATTEMPTS):
        try:
            known = _known_answer(session, place, kind, conversation_id, escalate=True)
            if known is not None:
                return known
            ticket = tickets.open_ticket(session, address=place, kind=kind, contact_mobile=contact_mobile,
                                         conversation_id=conversation_id, account_no=account_no,
                                         description=description, area_type=area_type,
                                         source="chat" if conversation_id else "operator")
            return ReportResult(case="created", address=address_view(place), ticket=tickets.ticket_view(session, ticket))
        except IntegrityError:
            session.rollback()
            log.info("outage report raced another one; looking again")
    raise Conflict("busy", "Too many reports at once; try again", "系统繁忙，请稍后再试。")


def check_report(session: Session, *, address: str, kind: str | None = None, conversation_id: str | None = None,
                 province: str | None = None) -> ReportResult:
    """What a report would answer, opening nothing: case ``none`` means a new ticket."""
    if kind is not None:
        tickets.check_kind(kind)
    _check_ids(conversation_id, None)
    place = require_street(normalize_address(address, province))
    known = _known_answer(session, place, kind or "household", conversation_id, escalate=False)
    return known or ReportResult(case="none", address=address_view(place))


def _known_answer(session: Session, place: NormalizedAddress, kind: str, conversation_id: str | None,
                  escalate: bool) -> ReportResult | None:
    """Steps 1-3 of the module docstring; None when a new ticket is needed."""
    view = address_view(place)
    found = tickets.find_open(session, conversation_id, place)
    if found is not None:
        ticket, reason = found
        escalated = escalate and kind == "danger" and ticket.kind != "danger"
        if escalated:
            tickets.escalate_to_danger(session, ticket)
        return ReportResult(case="existing_ticket", reason=reason, escalated=escalated, address=view,
                            ticket=_as_seen_by(tickets.ticket_view(session, ticket), conversation_id))
    if kind == "danger":
        return None
    outage = planned.planned_covering(session, place)
    if outage is not None:
        return ReportResult(case="planned_outage", address=view, planned_outage=planned.planned_view(session, outage))
    fault = tickets.fault_covering(session, place)
    if fault is not None:
        return ReportResult(case="known_fault", address=view, fault=tickets.fault_view(fault))
    return None


def _as_seen_by(ticket: TicketView, conversation_id: str | None) -> TicketView:
    """Another reporter's ticket at the same address, without who reported it and what they wrote."""
    if ticket.conversation_id == conversation_id:
        return ticket
    return ticket.model_copy(update={"conversation_id": None, "account_no": None, "description": None})


def _check_ids(conversation_id: str | None, account_no: str | None) -> None:
    if conversation_id is not None and not (0 < len(conversation_id) <= MAX_ID_CHARS and conversation_id.isprintable()
                                            and " " not in conversation_id):
        raise Invalid("bad_conversation_id", f"conversation_id must be 1-{MAX_ID_CHARS} printable characters without spaces",
                      "会话标识无效。")
    if account_no is not None and not (len(account_no) == 10 and account_no.isascii() and account_no.isdigit()):
        raise Invalid("bad_account_no", "account_no must be 10 digits", "户号应为10位数字。")
