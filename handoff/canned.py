"""Canned replies: texts agents insert with one click; supervisors manage them."""
from __future__ import annotations

from sqlalchemy import select

from handoff.errors import not_found
from handoff.models import CannedReply
from handoff.times import iso
from services import clock
from services.db import session_scope
from services.errors import Invalid


def _view(row: CannedReply) -> dict:
    return {"id": row.id, "title": row.title, "text": row.text, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


def _check(title: str | None, text: str | None) -> None:
    if title is not None and not 1 <= len(title.strip()) <= 40:
        raise Invalid("bad_title", "title: 1-40 characters", "标题须为1到40个字符。")
    if text is not None and not 1 <= len(text.strip()) <= 2000:
        raise Invalid("bad_text", "text: 1-2000 characters", "内容须为1到2000个字符。")


def list_replies() -> list[dict]:
    with session_scope() as session:
        return [_view(r) for r in session.scalars(select(CannedReply).order_by(CannedReply.title, CannedReply.id))]


def create(title: str, text: str) -> dict:
    _check(title, text)
    now = clock.utcnow()
    with session_scope() as session:
        row = CannedReply(title=title.strip(), text=text.strip(), created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return _view(row)


def update(reply_id: int, title: str | None = None, text: str | None = None) -> dict:
    _check(title, text)
    with session_scope() as session:
        row = session.get(CannedReply, reply_id)
        if row is None:
            raise not_found("canned_reply")
        row.title = title.strip() if title is not None else row.title
        row.text = text.strip() if text is not None else row.text
        row.updated_at = clock.utcnow()
        return _view(row)


def delete(reply_id: int) -> None:
    with session_scope() as session:
        row = session.get(CannedReply, reply_id)
        if row is None:
            raise not_found("canned_reply")
        session.delete(row)
