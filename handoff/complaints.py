"""Complaint tickets: what the customer complained about, tracked until it is answered.

The promise to the customer: contacted within one working day (power-facts.md lists it
among the older service commitments; here it is PowerDesk's own promise, shown as such).
The deadline is the same time on the next working day, Monday to Friday (public
holidays are not known here).  The category is read from the customer's words.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from handoff import events
from handoff.errors import not_found
from handoff.models import Complaint, Handoff
from handoff.times import aware, iso
from services import clock
from services.db import session_scope
from services.errors import Invalid
from services.masking import mask_account_no

OPEN, CONTACTED, CLOSED = "open", "contacted", "closed"
# First match wins; the words customers use for each kind of complaint.
CATEGORIES = [
    ("停电抢修", ("停电", "断电", "抢修", "来电", "没电", "跳闸", "维修")),
    ("计量表计", ("电表", "表计", "计量", "走得快", "走字", "抄表", "读数")),
    ("电费电价", ("电费", "电价", "收费", "扣费", "多收", "乱收", "违约金", "账单", "缴费", "交费", "充值")),
    ("服务态度", ("态度", "服务", "客服", "工作人员", "师傅", "不理", "推诿", "骂")),
    ("业务办理", ("办理", "过户", "更名", "新装", "报装", "发票", "手续")),
]
OTHER = "其他"


def category_of(text: str) -> str:
    for category, words in CATEGORIES:
        if any(word in text for word in words):
            return category
    return OTHER


def contact_due(created: datetime) -> datetime:
    """The same time on the next working day (Mon–Fri, China time)."""
    local = created.astimezone(clock.CHINA) + timedelta(days=1)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return local


def code_of(complaint_id: int) -> str:
    return f"TS{complaint_id:06d}"


def view(row: Complaint) -> dict:
    due = aware(row.contact_due_at)
    return {"id": row.id, "code": code_of(row.id), "conversation_id": row.conversation_id,
            "handoff_id": row.handoff_id, "category": row.category, "text": row.text,
            "account_no": mask_account_no(row.account_no) if row.account_no else None, "status": row.status,
            "created_at": iso(row.created_at), "contact_due_at": iso(due), "contacted_at": iso(row.contacted_at),
            "closed_at": iso(row.closed_at), "resolution": row.resolution,
            "overdue": row.status == OPEN and clock.utcnow() > due}


def record(conversation_id: str, text: str, account_no: str | None = None) -> dict:
    """A new complaint ticket; linked to the conversation's open handoff, if any."""
    text = (text or "").strip()[:2000]
    if not text:
        raise Invalid("empty_complaint", "The complaint has no text.", "投诉内容不能为空。")
    now = clock.utcnow()
    with session_scope() as session:
        handoff_id = session.scalar(select(Handoff.id).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(("pending", "assigned"))))
        row = Complaint(conversation_id=conversation_id, handoff_id=handoff_id, category=category_of(text),
                        text=text, account_no=account_no, status=OPEN, created_at=now,
                        contact_due_at=contact_due(now))
        session.add(row)
        session.flush()
        data = view(row)
    events.publish("complaint.updated", data)
    return data


def attach_to_handoff(session, conversation_id: str, handoff_id: int) -> int | None:
    """Link the conversation's latest unlinked complaint to its new handoff; its id."""
    row = session.scalars(select(Complaint).where(Complaint.conversation_id == conversation_id,
                                                  Complaint.handoff_id.is_(None))
                          .order_by(Complaint.id.desc()).limit(1)).first()
    if row is None:
        return None
    row.handoff_id = handoff_id
    return row.id


def for_handoff(session, handoff_id: int) -> Complaint | None:
    return session.scalars(select(Complaint).where(Complaint.handoff_id == handoff_id)
                           .order_by(Complaint.id.desc()).limit(1)).first()


def mark_contacted(session, handoff_id: int) -> dict | None:
    """The first agent reply in a complaint's handoff is the contact promised."""
    row = for_handoff(session, handoff_id)
    if row is None or row.status != OPEN:
        return None
    row.status, row.contacted_at = CONTACTED, clock.utcnow()
    return view(row)


def list_complaints(status: str = "all", limit: int = 200) -> list[dict]:
    with session_scope() as session:
        query = select(Complaint).order_by(Complaint.id.desc()).limit(limit)
        if status != "all":
            query = query.where(Complaint.status == status)
        return [view(r) for r in session.scalars(query)]


def set_status(complaint_id: int, status: str, resolution: str | None = None) -> dict:
    if status not in (CONTACTED, CLOSED):
        raise Invalid("bad_status", "status must be contacted or closed", "状态只能是已联系或已办结。")
    now = clock.utcnow()
    with session_scope() as session:
        row = session.get(Complaint, complaint_id)
        if row is None:
            raise not_found("complaint")
        row.status = status
        if status == CONTACTED and row.contacted_at is None:
            row.contacted_at = now
        if status == CLOSED:
            row.contacted_at = row.contacted_at or now
            row.closed_at = now
        if resolution:
            row.resolution = resolution.strip()[:2000]
        data = view(row)
    events.publish("complaint.updated", data)
    return data
