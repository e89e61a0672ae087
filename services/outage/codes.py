"""Readable ids for tickets and planned outages: a prefix, the China date and the number of
the day, e.g. QX20261123-0042 (抢修) or JH20261125-0003 (计划停电).

Why readable: a customer reads the id back on the phone or types it to ask for progress.
The next number is one more than the day's highest; two writers that pick the same one
are stopped by the table's UNIQUE (day, seq) and the loser retries (reports.py, planned.py).
"""
from __future__ import annotations

import re
from datetime import date

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.errors import Invalid, NotFound

TICKET_PREFIX = "QX"
PLANNED_PREFIX = "JH"


def next_code(session: Session, model: type, prefix: str, day: date) -> tuple[int, str]:
    """The next (seq, code) of ``day`` in ``model``'s table."""
    seq = (session.scalar(select(func.max(model.seq)).where(model.day == day)) or 0) + 1
    return seq, f"{prefix}{day:%Y%m%d}-{seq:04d}"


def check_code(code: str, prefix: str, what: str) -> str:
    """``code`` upper-cased if it has the shape of an id with ``prefix``; else Invalid (422)."""
    value = (code or "").strip().upper()
    if not re.fullmatch(rf"{prefix}\d{{8}}-\d{{4,}}", value):
        raise Invalid(f"malformed_{what}_id", f"A {what.replace('_', ' ')} id looks like {prefix}20261123-0042",
                      f"编号格式不正确，应类似 {prefix}20261123-0042。")
    return value


def row_by_code(session: Session, model: type, prefix: str, code: str, what: str, missing_zh: str) -> Any:
    """The ``model`` row with id ``code``: Invalid (422) for a malformed id, NotFound (404) for an unknown one."""
    row = session.scalar(select(model).where(model.code == check_code(code, prefix, what)))
    if row is None:
        raise NotFound(f"{what}_not_found", f"No {what.replace('_', ' ')} {code}", missing_zh)
    return row
