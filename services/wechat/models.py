"""The WeChat push table (migration 0008_wechat)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow


class WeChatPush(Base):
    """One message or event WeChat pushed, by its de-duplication key: the MsgId for
    messages, "OpenID@CreateTime" for events (which carry no MsgId)."""
    __tablename__ = "wechat_pushes"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    open_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "running" while the first delivery of the push is being answered, then "done".
    status: Mapped[str] = mapped_column(String(16), default="running")
    # How the answer goes out, decided once: "passive" (in the HTTP response to the
    # push, and to any retry of it) or "outbox" (the customer-service API, later).
    delivery: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The answer's text as WeChat shows it; NULL for none (WeChat then gets "success").
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_wechat_pushes_open_id_received_at", "open_id", "received_at"),)
