"""Repair tickets: opening one, its status changes with their history, and reading them.

A ticket moves accepted → dispatched → on_site → restored, and from any open status it
may be closed as customer-side (the crew found the fault behind the meter, which is the
owner's to repair: power-facts.md, 产权分界点).  Any other change is refused (409), so the
history a customer is read when asking for progress is always a path the crew walked.

A status change is one conditional UPDATE (``WHERE status = <the status read>``): two
crews changing the same ticket at once cannot both succeed, on SQLite or PostgreSQL.
Closing a ticket clears its ``open_*`` columns, which frees its conversation and address
for a new report (models.py).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services import clock
from services.errors import Conflict, Invalid
from services.masking import mask_mobile, mask_text
from services.outage.address import NormalizedAddress, address_view
from services.outage.codes import TICKET_PREFIX, next_code, row_by_code
from services.outage.models import Ticket, TicketEvent
from services.outage.promise import area_type_of, promised_arrival
from services.outage.schemas import FaultView, PromisedArrival, TicketEventView, TicketList, TicketView
from services.outage.times import china_day, from_operator, in_china
from services.textnorm import parse_phone

log = logging.getLogger(__name__)

PRIORITY_OF_KIND = {"household": "normal", "building": "high", "area": "high", "danger": "urgent"}
KIND_ZH = {"household": "单户停电", "building": "整栋楼停电", "area": "片区停电", "danger": "危险情况"}
STATUS_ZH = {"accepted": "已受理", "dispatched": "已派单，抢修人员正在赶往现场", "on_site": "抢修人员已到达现场",
             "restored": "已恢复供电", "closed_customer_side": "已结单：故障在客户产权内部"}
TRANSITIONS = {
    "accepted": ("dispatched", "closed_customer_side"),
    "dispatched": ("on_site", "closed_customer_side"),
    "on_site": ("restored", "closed_customer_side"),
    "restored": (),
    "closed_customer_side": (),
}
OPEN_STATUSES = tuple(status for status, onward in TRANSITIONS.items() if onward)
FAULT_KINDS = ("building", "area")  # the kinds that black out more than the reporter's home
MAX_NOTE_CHARS = 500
MAX_CAUSE_CHARS = 200
MAX_PAGE = 200
MAX_OFFSET = 1_000_000


def check_kind(kind: str) -> str:
    if kind not in PRIORITY_OF_KIND:
        raise Invalid("unknown_kind", f"kind must be one of {', '.join(PRIORITY_OF_KIND)}", "停电类型无效。")
    return kind


def check_mobile(mobile: str) -> str:
    """The 11-digit mobile in ``mobile`` (spaces, +86 allowed); else Invalid (422)."""
    number = parse_phone(mobile or "")
    if number is None:
        raise Invalid("malformed_mobile", "contact_mobile must be an 11-digit mainland mobile number",
                      "请提供11位手机号码，方便抢修人员联系您。")
    return number


def check_note(note: str | None, limit: int = MAX_NOTE_CHARS) -> str | None:
    """The note trimmed (None if empty); Invalid (422) past ``limit`` characters."""
    if note is None or not note.strip():
        return None
    if len(note.strip()) > limit:
        raise Invalid("note_too_long", f"A note may have at most {limit} characters", "备注过长。")
    return note.strip()


def check_status(status: str) -> str:
    if status not in TRANSITIONS:
        raise Invalid("unknown_status", f"status must be one of {', '.join(TRANSITIONS)}", "工单状态无效。")
    return status


# ---------------------------------------------------------------- opening


def open_ticket(session: Session, *, address: NormalizedAddress, kind: str, contact_mobile: str,
                conversation_id: str | None = None, account_no: str | None = None,
                description: str | None = None, area_type: str | None = None, source: str = "chat",
                actor: str = "customer", note: str | None = None, created_at: datetime | None = None) -> Ticket:
    """Insert an accepted ticket and its first history entry; flushed, not committed.

    An IntegrityError means another open ticket holds this conversation or address (or
    took the same id): the caller rolls back and looks again (reports.py)."""
    now = created_at or clock.utcnow()
    seq, code = next_code(session, Ticket, TICKET_PREFIX, china_day(now))
    ticket = Ticket(
        code=code, day=china_day(now), seq=seq, kind=check_kind(kind), priority=PRIORITY_OF_KIND[kind],
        status="accepted", **_address_columns(address), area_type=area_type_of(address, area_type),
        contact_mobile=check_mobile(contact_mobile), conversation_id=conversation_id, account_no=account_no,
        description=check_note(description), source=source, open_conversation_id=conversation_id,
        open_address_key=address.key, created_at=now, updated_at=now)
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, status="accepted", note=note or "报修已受理", actor=actor, created_at=now))
    session.flush()
    log.info("ticket %s opened: %s, contact %s", code, kind, mask_mobile(ticket.contact_mobile))
    return ticket


def _address_columns(address: NormalizedAddress) -> dict:
    return {"address_raw": address.raw, "province": address.province, "city": address.city,
            "district": address.district, "town": address.town, "street": address.street,
            "number": address.number, "building": address.building, "unit": address.unit, "room": address.room,
            "address_rest": address.rest, "address_key": address.key}


def address_of(ticket: Ticket) -> NormalizedAddress:
    return NormalizedAddress(raw=ticket.address_raw, province=ticket.province, city=ticket.city,
                             district=ticket.district, town=ticket.town, street=ticket.street, number=ticket.number,
                             building=ticket.building, unit=ticket.unit, room=ticket.room, rest=ticket.address_rest)


def escalate_to_danger(session: Session, ticket: Ticket) -> Ticket:
    """A danger report on an open ticket: urgent from now on, the history says why."""
    ticket.kind, ticket.priority, ticket.updated_at = "danger", PRIORITY_OF_KIND["danger"], clock.utcnow()
    session.add(TicketEvent(ticket_id=ticket.id, status=ticket.status, actor="customer",
                            note="客户报告危险情况，已升级为紧急抢修", created_at=ticket.updated_at))
    session.flush()
    log.warning("ticket %s escalated to danger", ticket.code)
    return ticket


# ---------------------------------------------------------------- finding


def find_open(session: Session, conversation_id: str | None, address: NormalizedAddress) -> tuple[Ticket, str] | None:
    """The open ticket of this conversation, else of this address, with which it was."""
    if conversation_id:
        ticket = session.scalar(select(Ticket).where(Ticket.open_conversation_id == conversation_id))
        if ticket is not None:
            return ticket, "same_conversation"
    ticket = session.scalar(select(Ticket).where(Ticket.open_address_key == address.key))
    return (ticket, "same_address") if ticket is not None else None


def fault_covering(session: Session, address: NormalizedAddress) -> Ticket | None:
    """The oldest open building or area fault that blacks out ``address``: an area fault
    covers its whole street, a building fault its number (and building, if it names one)."""
    if not address.has_street():
        return None
    candidates = session.scalars(
        select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.kind.in_(FAULT_KINDS),
                             Ticket.city == address.city, Ticket.district == address.district,
                             Ticket.street == address.street).order_by(Ticket.created_at))
    return next((t for t in candidates if t.kind == "area" or _same_building(t, address)), None)


def _same_building(ticket: Ticket, address: NormalizedAddress) -> bool:
    return ticket.number == address.number and (ticket.building is None or ticket.building == address.building)


def ticket_row(session: Session, code: str) -> Ticket:
    return row_by_code(session, Ticket, TICKET_PREFIX, code, "ticket", "没有找到这个报修单号，请核对后再试。")


def get_ticket(session: Session, code: str) -> TicketView:
    return ticket_view(session, ticket_row(session, code))


def list_tickets(session: Session, *, status: str | None = None, kind: str | None = None,
                 district: str | None = None, conversation_id: str | None = None, account_no: str | None = None,
                 open_only: bool = False, limit: int = 50, offset: int = 0) -> TicketList:
    """Tickets matching every filter given, newest first, one page."""
    status = status and check_status(status)
    kind = kind and check_kind(kind)
    if not (1 <= limit <= MAX_PAGE and 0 <= offset <= MAX_OFFSET):
        raise Invalid("bad_page", f"limit must be 1-{MAX_PAGE} and offset 0-{MAX_OFFSET}", "分页参数无效。")
    conditions = [column == value for column, value in (
        (Ticket.status, status), (Ticket.kind, kind), (Ticket.district, district),
        (Ticket.conversation_id, conversation_id), (Ticket.account_no, account_no)) if value is not None]
    if open_only:
        conditions.append(Ticket.status.in_(OPEN_STATUSES))
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    rows = session.scalars(select(Ticket).where(*conditions).order_by(Ticket.created_at.desc(), Ticket.id.desc())
                           .limit(limit).offset(offset))
    return TicketList(tickets=[ticket_view(session, t) for t in rows], total=total)


# ---------------------------------------------------------------- status changes


def change_status(session: Session, code: str, status: str, note: str | None = None, actor: str = "crew",
                  cause: str | None = None, expected_restore_at: datetime | None = None,
                  at: datetime | None = None) -> TicketView:
    """Move the ticket to ``status`` with a note: 409 if that is not a step allowed from
    its status (or another change got there first), 422 for an unknown status.
    ``at`` (default now) dates the change: the seed writes histories that happened earlier."""
    check_status(status)
    ticket = ticket_row(session, code)
    if status not in TRANSITIONS[ticket.status]:
        raise Conflict("invalid_transition", f"A ticket that is {ticket.status} cannot become {status}; "
                       f"allowed: {', '.join(TRANSITIONS[ticket.status]) or 'none (closed)'}",
                       "工单当前状态不允许这样变更。")
    now = at or clock.utcnow()
    values = {"status": status, "updated_at": now}
    if cause is not None:
        values["cause"] = check_note(cause, MAX_CAUSE_CHARS)
    if expected_restore_at is not None:
        values["expected_restore_at"] = from_operator(expected_restore_at)
    if not TRANSITIONS[status]:
        values.update(closed_at=now, open_conversation_id=None, open_address_key=None)
    changed = session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.status == ticket.status)
                              .values(**values).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Conflict("ticket_changed", "The ticket changed meanwhile; read it again", "工单刚刚被更新，请刷新后再试。")
    session.add(TicketEvent(ticket_id=ticket.id, status=status, note=check_note(note), actor=actor, created_at=now))
    session.flush()
    session.expire(ticket)
    log.info("ticket %s: %s by %s", ticket.code, status, actor)
    if status == "restored":
        from services.outage import notify  # notify reads tickets: imported here, not at the top

        notify.notify_ticket_restored(session, ticket)
    return ticket_view(session, ticket)


# ---------------------------------------------------------------- views


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                             .order_by(TicketEvent.created_at, TicketEvent.id))
    return TicketView(
        id=ticket.code, kind=ticket.kind, kind_zh=KIND_ZH[ticket.kind], priority=ticket.priority,
        status=ticket.status, status_zh=STATUS_ZH[ticket.status], open=ticket.status in OPEN_STATUSES,
        address=address_view(address_of(ticket)), promised_arrival=PromisedArrival(**promised_arrival(ticket.area_type)),
        contact_mobile=mask_mobile(ticket.contact_mobile), conversation_id=ticket.conversation_id,
        account_no=ticket.account_no, description=mask_text(ticket.description) or None,
        cause=mask_text(ticket.cause) or None, expected_restore_at=in_china(ticket.expected_restore_at),
        created_at=in_china(ticket.created_at), updated_at=in_china(ticket.updated_at),
        closed_at=in_china(ticket.closed_at),
        history=[TicketEventView(status=e.status, status_zh=STATUS_ZH[e.status], note=mask_text(e.note) or None,
                                 actor=e.actor, at=in_china(e.created_at)) for e in events])


def fault_view(ticket: Ticket) -> FaultView:
    area = address_of(ticket).street_area + (f"{ticket.number}号" if ticket.kind == "building" and ticket.number else "")
    return FaultView(id=ticket.code, kind=ticket.kind, kind_zh=KIND_ZH[ticket.kind], status=ticket.status,
                     status_zh=STATUS_ZH[ticket.status], area=area, cause=mask_text(ticket.cause) or None,
                     expected_restore_at=in_china(ticket.expected_restore_at), reported_at=in_china(ticket.created_at))
