"""Timestamps as the handoff stores and shows them: UTC, ISO 8601 with a Z."""
from __future__ import annotations

from datetime import datetime, timezone


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return aware(moment).astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
