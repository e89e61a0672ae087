"""Tables for conversations and their messages.

A conversation belongs to one channel user (a web session the gateway issued, a
WeChat OpenID the signed webhook vouched for, a call the voice gateway opened) and
lasts until an inactivity timeout or an explicit end; the same user then starts a new
one, with a new id and nothing carried over (no verification, no slots).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow


class Conversation(Base):
    __tablename__ = "conversations"

    # Issued by the gateway; Rasa knows the conversation by it (its sender_id).
    id: Mapped[str] = mapped_column("sender_id", String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    # "bot" while Rasa answers; "handoff" while a human agent owns the conversation;
    # "closed" once ended (ended_at, end_reason: inactivity, unsubscribed …).
    state: Mapped[str] = mapped_column(String(16), default="bot")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # [{"title", "payload"}] of the bot's last reply: on a channel that shows them as
    # numbered choices (WeChat: 回复1、回复2), a reply of "2" means the second.
    last_buttons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # The 户号 verified in this conversation (linked only after the identity check
    # passed here): who the customer is, for agents; every channel links on its own.
    account_no: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column("sender_id", ForeignKey("conversations.sender_id"), index=True)
    # "user" (inbound), "bot", or "agent".
    direction: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Delivery status of an inbound message: "received" until the bot (or a human)
    # has answered it, "answered", or "failed" when the bot was unreachable and the
    # message waits for a replay or a human.
    status: Mapped[str] = mapped_column(String(16), default="received")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
