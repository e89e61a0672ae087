"""The voice_calls table (migration 0010_voice): one row per telephone call.

The ASR gateway may send a call's events to any gateway process, so what a call must
remember between its turns lives here, not in a process: how many silences in a row,
the unread rest of a long answer, the input the last prompt expects.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow


class VoiceCall(Base):
    __tablename__ = "voice_calls"

    # The ASR gateway's call id (FreeSWITCH's channel UUID, say): the voice channel user.
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    caller: Mapped[str | None] = mapped_column(String(32), nullable=True)
    called: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The conversation the call's turns go to (the pipeline may start a new one).
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.sender_id"))
    # 户号 registered to the caller's mobile number: offered to the bot, never trusted.
    caller_accounts: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # Silences (no-input) in a row since the caller last said or keyed something.
    no_input_count: Mapped[int] = mapped_column(Integer, default=0)
    # Speech chunks of a long answer not read yet ("还要继续听吗" → 要).
    pending_chunks: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # What the caller heard last (repeated after a silence) and the input it expects.
    last_prompt: Mapped[str | None] = mapped_column(Text, nullable=True)
    expect: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The form slot the bot asked for last (account_no, amount …): how to read DTMF.
    requested_slot: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The last event's id and the reply it got: a retried event gets the same reply, not a second turn.
    last_event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_reply: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)  # None is SQL NULL
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # hangup (the caller), no_input (we hung up), transferred.
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
