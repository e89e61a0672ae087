"""The outage API's answers, as typed models: one contract for both sides.

The service functions return these, the HTTP router (:mod:`services.outage.api`)
declares them as its ``response_model``s, and the action server's client
(:mod:`actions.services_client`) parses the same JSON into them, so an action reads
``result.ticket.promised_arrival.average_minutes`` and a field renamed on one side fails
loudly on the other.  Personal data is already masked: a contact mobile appears only as
138****5678; free text a customer or crew wrote (the raw address, descriptions, notes)
has passed through services.masking.mask_text.  Times are China time (+08:00).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator

from services.contract import Contract

ReportCase = Literal["created", "existing_ticket", "planned_outage", "known_fault", "none"]


class AddressView(Contract):
    raw: str
    text: str  # the canonical writing
    province: str | None
    city: str | None
    district: str | None
    town: str | None
    street: str | None
    number: str | None
    building: str | None
    unit: str | None
    room: str | None
    rest: str | None


class PromisedArrival(Contract):
    area_type: Literal["urban", "rural", "remote"]
    area_type_zh: str
    average_minutes: int
    is_average: bool  # always true: an average, worded 一般/平均, never a guarantee
    basis_zh: str


class TicketEventView(Contract):
    status: str
    status_zh: str
    note: str | None
    actor: str
    at: datetime


class TicketView(Contract):
    id: str  # QX20261123-0042
    kind: Literal["household", "building", "area", "danger"]
    kind_zh: str
    priority: Literal["normal", "high", "urgent"]
    status: str
    status_zh: str
    open: bool
    address: AddressView
    promised_arrival: PromisedArrival
    contact_mobile: str  # masked
    conversation_id: str | None
    account_no: str | None
    description: str | None
    cause: str | None
    expected_restore_at: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    history: list[TicketEventView]  # oldest first; the last one is the current status


class FaultView(Contract):
    """An open fault as another customer may see it: where, what, how far along; no
    contact, conversation or household details of whoever reported it."""

    id: str
    kind: Literal["building", "area"]
    kind_zh: str
    status: str
    status_zh: str
    area: str  # 西湖区学院路, or 西湖区学院路359号 for a building
    cause: str | None
    expected_restore_at: datetime | None
    reported_at: datetime


class StreetView(Contract):
    street: str
    from_no: int | None  # None: the whole street
    to_no: int | None


class PlannedOutageView(Contract):
    id: str  # JH20261125-0003
    province: str | None
    city: str | None
    district: str | None
    area_name: str
    streets: list[StreetView]
    reason: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["upcoming", "in_progress", "ended", "cancelled"]
    status_zh: str
    cancel_reason: str | None
    created_at: datetime


class ReportResult(Contract):
    """The answer to a report: which case it is and the one object that answers it.

    created: ``ticket`` is new · existing_ticket: ``ticket`` is the open one of this
    conversation or address (``reason``; ``escalated`` when a danger report raised it to
    urgent) · planned_outage: ``planned_outage`` covers the address now, no ticket ·
    known_fault: ``fault`` (an open building or area fault) covers it, no ticket ·
    none: only from the check, a report would open a new ticket."""

    case: ReportCase
    reason: Literal["same_conversation", "same_address"] | None = None
    escalated: bool = False
    address: AddressView
    ticket: TicketView | None = None
    planned_outage: PlannedOutageView | None = None
    fault: FaultView | None = None

    @model_validator(mode="after")
    def _the_case_carries_its_answer(self) -> ReportResult:
        """A case without the object that answers it is no answer (the actions read it)."""
        answer = {"created": self.ticket, "existing_ticket": self.ticket, "planned_outage": self.planned_outage,
                  "known_fault": self.fault}
        if self.case in answer and answer[self.case] is None:
            raise ValueError(f"case {self.case!r} comes without the object that answers it")
        return self


class TicketList(Contract):
    tickets: list[TicketView]
    total: int  # matching tickets, of which this page holds ``tickets``


class PlannedOutageList(Contract):
    planned_outages: list[PlannedOutageView]
    # The China dates searched (inclusive): what the caller asked, or the default window.
    date_from: date
    date_to: date
    # Whether the caller named the days (``when``, or explicit dates) or the default applied.
    days_named: bool


class RestoreNoticeView(Contract):
    """A customer waiting to be told that power is back (notify.py)."""

    id: int
    conversation_id: str
    channel: str
    subject: str  # the fault ticket's or the planned outage's readable id
    contact_mobile: str | None  # masked
    notified: bool


class AccountContactView(Contract):
    """A verified account's address and masked mobile, offered in the outage form."""

    account_no: str
    address: str
    mobile: str  # masked: 138****5678
    mobile_last4: str
