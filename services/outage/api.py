"""HTTP routes for outages (services/app.py mounts ``router`` at ``/outage``).

For the action server (reports, a ticket's progress, planned outages at an address),
field crews (status changes with a note) and operators (listing tickets, announcing and
cancelling planned outages).  Thin by design: parse the request, call the service
modules, return their typed answers (schemas.py).  Every route needs ``Authorization: Bearer
<service_token>``: tickets hold addresses and contact numbers.  Malformed input is a 422
``{"error": {code, message, message_zh}}``; a ticket or outage that does not exist is
404; a status change the ticket's status does not allow is 409.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from services.auth import require_service_token
from services.db import session_scope
from services.outage import contact, notify, planned, reports, tickets
from services.outage.address import MAX_HOUSE_NO
from services.outage.schemas import (AccountContactView, PlannedOutageList, PlannedOutageView, ReportResult, RestoreNoticeView, TicketList,
                                   TicketView)

router = APIRouter(dependencies=[Depends(require_service_token)], tags=["outage"])

Kind = Literal["household", "building", "area", "danger"]
Status = Literal["accepted", "dispatched", "on_site", "restored", "closed_customer_side"]
AreaType = Literal["urban", "rural", "remote"]
Province = Field(default=None, max_length=32, description="tariff key of the caller's province, e.g. zhejiang")


def get_session() -> Iterator[Session]:
    """One session per request on the configured database (tests override this)."""
    with session_scope() as session:
        yield session


class ReportIn(BaseModel):
    address: str = Field(min_length=1, max_length=200)
    kind: Kind
    contact_mobile: str | None = Field(default=None, min_length=1, max_length=20)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=128)
    account_no: str | None = Field(default=None, pattern=r"^[0-9]{10}$")
    contact_from_account: bool = Field(default=False, description="the contact is account_no's registered mobile")

    @model_validator(mode="after")
    def _a_contact(self) -> "ReportIn":
        if self.contact_mobile is None and not (self.contact_from_account and self.account_no):
            raise ValueError("give contact_mobile, or contact_from_account with account_no")
        return self
    description: str | None = Field(default=None, max_length=500)
    province: str | None = Province
    area_type: AreaType | None = None


class StatusIn(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=500)
    actor: str = Field(default="crew", min_length=1, max_length=32)
    cause: str | None = Field(default=None, max_length=200)
    expected_restore_at: datetime | None = None


class StreetIn(BaseModel):
    street: str = Field(min_length=1, max_length=64)
    from_no: int | None = Field(default=None, ge=1, le=MAX_HOUSE_NO)
    to_no: int | None = Field(default=None, ge=1, le=MAX_HOUSE_NO)


class PlannedIn(BaseModel):
    area: str = Field(min_length=1, max_length=200, description="city and district, e.g. 杭州市西湖区")
    streets: list[StreetIn] = Field(min_length=1, max_length=50)
    starts_at: datetime = Field(description="ISO-8601; without an offset it is China time")
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=200)
    area_name: str | None = Field(default=None, max_length=128)
    province: str | None = Province


class CancelIn(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


class RestoreNoticeIn(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=128)
    ticket_id: str | None = Field(default=None, min_length=1, max_length=32, description="the known fault's id")
    planned_outage_id: str | None = Field(default=None, min_length=1, max_length=32)
    contact_mobile: str | None = Field(default=None, max_length=20, description="stored masked")


@router.post("/reports", response_model=ReportResult, status_code=200,
             responses={201: {"model": ReportResult, "description": "a new ticket was opened"}})
def post_report(body: ReportIn, response: Response, session: Session = Depends(get_session)) -> ReportResult:
    result = reports.report_outage(session, **body.model_dump())
    if result.case == "created":
        response.status_code = 201
    return result


@router.get("/reports/check", response_model=ReportResult)
def check_report(address: str = Query(min_length=1, max_length=200), kind: Kind | None = None,
                 conversation_id: str | None = Query(default=None, min_length=1, max_length=128),
                 province: str | None = Query(default=None, max_length=32),
                 session: Session = Depends(get_session)) -> ReportResult:
    return reports.check_report(session, address=address, kind=kind, conversation_id=conversation_id,
                                province=province)


@router.get("/tickets", response_model=TicketList)
def list_tickets(status: Status | None = None, kind: Kind | None = None,
                 district: str | None = Query(default=None, max_length=32),
                 conversation_id: str | None = Query(default=None, max_length=128),
                 account_no: str | None = Query(default=None, pattern=r"^[0-9]{10}$"),
                 open: bool = False, limit: int = Query(default=50, ge=1, le=tickets.MAX_PAGE),
                 offset: int = Query(default=0, ge=0, le=tickets.MAX_OFFSET),
                 session: Session = Depends(get_session)) -> TicketList:
    return tickets.list_tickets(session, status=status, kind=kind, district=district, conversation_id=conversation_id,
                                account_no=account_no, open_only=open, limit=limit, offset=offset)


@router.get("/tickets/{ticket_id}", response_model=TicketView)
def get_ticket(ticket_id: str, session: Session = Depends(get_session)) -> TicketView:
    return tickets.get_ticket(session, ticket_id)


@router.post("/tickets/{ticket_id}/status", response_model=TicketView)
def post_status(ticket_id: str, body: StatusIn, session: Session = Depends(get_session)) -> TicketView:
    return tickets.change_status(session, ticket_id, **body.model_dump())


@router.post("/planned", response_model=PlannedOutageView, status_code=201)
def post_planned(body: PlannedIn, session: Session = Depends(get_session)) -> PlannedOutageView:
    fields = body.model_dump(exclude={"streets"})
    streets = [planned.StreetRange(**street.model_dump()) for street in body.streets]
    return planned.create_planned(session, streets=streets, **fields)


@router.get("/planned", response_model=PlannedOutageList)
def list_planned(address: str | None = Query(default=None, min_length=1, max_length=200,
                                             description="an area or an address: 西湖区, 西湖区文三路, …88号"),
                 date_from: date | None = None, date_to: date | None = None,
                 when: str | None = Query(default=None, min_length=1, max_length=200,
                                          description="the customer's words for the days: 明天, 下周, 这两天 …"
                                                      " (used when no dates are given)"),
                 province: str | None = Query(default=None, max_length=32), include_cancelled: bool = False,
                 session: Session = Depends(get_session)) -> PlannedOutageList:
    return planned.list_planned(session, address=address, date_from=date_from, date_to=date_to, when=when,
                                province=province, include_cancelled=include_cancelled)


@router.get("/planned/{outage_id}", response_model=PlannedOutageView)
def get_planned(outage_id: str, session: Session = Depends(get_session)) -> PlannedOutageView:
    return planned.get_planned(session, outage_id)


@router.post("/planned/{outage_id}/cancel", response_model=PlannedOutageView)
def cancel_planned(outage_id: str, body: CancelIn, session: Session = Depends(get_session)) -> PlannedOutageView:
    return planned.cancel_planned(session, outage_id, body.reason)


@router.post("/planned/{outage_id}/end", response_model=PlannedOutageView)
def end_planned(outage_id: str, session: Session = Depends(get_session)) -> PlannedOutageView:
    return planned.end_planned(session, outage_id)


@router.post("/restore-notices", response_model=RestoreNoticeView)
def post_restore_notice(body: RestoreNoticeIn, session: Session = Depends(get_session)) -> RestoreNoticeView:
    return notify.subscribe(session, **body.model_dump())


@router.get("/accounts/{account_no}/contact", response_model=AccountContactView)
def get_account_contact(account_no: str = Path(pattern=r"^[0-9]{10}$"),
                        session: Session = Depends(get_session)) -> AccountContactView:
    return contact.account_contact(session, account_no)
