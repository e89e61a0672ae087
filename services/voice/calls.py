"""A telephone call's state between its turns, in the services' database.

The voice adapter (api/voice_dialog.py) reads a call at the start of every event and
writes back what the next event needs; nothing about a call lives in a gateway process,
so the ASR gateway may send each event to any of them.  A call id is one the ASR
gateway announced at call start: an event for any other id is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, update

from services import clock
from services.channels import VOICE
from services.conversations import store
from services.db import session_scope
from services.errors import Conflict, NotFound
from services.voice.models import VoiceCall

# The fields a turn may change (see VoiceCall for what each means).
UPDATABLE = {"conversation_id", "no_input_count", "pending_chunks", "last_prompt", "expect", "requested_slot",
             "last_reply"}


@dataclass(frozen=True)
class Call:
    call_id: str
    caller: str | None
    called: str | None
    conversation_id: str
    caller_accounts: list[str] = field(default_factory=list)
    no_input_count: int = 0
    pending_chunks: list[str] = field(default_factory=list)
    last_prompt: str | None = None
    expect: dict[str, Any] | None = None
    requested_slot: str | None = None
    end_reason: str | None = None
    last_event_id: str | None = None
    last_reply: dict[str, Any] | None = None

    @property
    def ended(self) -> bool:
        return self.end_reason is not None


def _view(row: VoiceCall) -> Call:
    return Call(row.call_id, row.caller, row.called, row.conversation_id, list(row.caller_accounts or []),
                row.no_input_count, list(row.pending_chunks or []), row.last_prompt, row.expect,
                row.requested_slot, row.end_reason if row.ended_at else None, row.last_event_id, row.last_reply)


def _not_found(call_id: str) -> NotFound:
    return NotFound("call_not_found", f"No call {call_id!r} was started (POST /api/v1/voice/calls first).",
                    "该通话不存在：请先发送通话开始事件。")


def start_call(call_id: str, caller: str | None, called: str | None, caller_accounts: list[str]) -> Call:
    """Record a new call and open its conversation (the channel user is the call id);
    the same call id twice is a conflict, not a second call."""
    with session_scope() as session:
        if session.get(VoiceCall, call_id) is not None:
            raise Conflict("call_exists", f"Call {call_id!r} was already started.", "该通话已经开始，不能重复开始。")
    conversation = store.open_conversation(VOICE, call_id)
    with session_scope() as session:
        row = VoiceCall(call_id=call_id, caller=caller, called=called, conversation_id=conversation.id,
                        caller_accounts=caller_accounts or None, no_input_count=0, started_at=clock.utcnow())
        session.add(row)
        session.flush()
        return _view(row)


def get_call(call_id: str) -> Call:
    """A call the ASR gateway started and has not ended (404 unknown, 409 ended)."""
    with session_scope() as session:
        row = session.get(VoiceCall, call_id)
        if row is None:
            raise _not_found(call_id)
        if row.ended_at is not None:
            raise Conflict("call_ended", f"Call {call_id!r} has ended ({row.end_reason}).", "该通话已经结束。")
        return _view(row)


def update_call(call_id: str, **changes: Any) -> Call:
    """Write back what the next event needs (only the fields in UPDATABLE)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not call state: {sorted(unknown)}")
    with session_scope() as session:
        row = session.get(VoiceCall, call_id)
        if row is None:
            raise _not_found(call_id)
        for name, value in changes.items():
            setattr(row, name, value)
        session.flush()
        return _view(row)


def claim_event(call_id: str, event_id: str) -> bool:
    """Take ``event_id`` as the call's event being answered; False when it already is the
    last event (a retry).  One UPDATE … WHERE, so two copies arriving at once cannot both
    win, whichever gateway process each reaches."""
    with session_scope() as session:
        claimed = session.execute(
            update(VoiceCall)
            .where(VoiceCall.call_id == call_id,
                   or_(VoiceCall.last_event_id.is_(None), VoiceCall.last_event_id != event_id))
            .values(last_event_id=event_id, last_reply=None)
        ).rowcount
        return claimed == 1


def release_event(call_id: str, event_id: str) -> None:
    """Give up ``event_id`` when answering it failed, so that its retry is answered anew."""
    with session_scope() as session:
        session.execute(update(VoiceCall).where(VoiceCall.call_id == call_id, VoiceCall.last_event_id == event_id,
                                                VoiceCall.last_reply.is_(None)).values(last_event_id=None))


def end_call(call_id: str, reason: str) -> Call:
    """End the call and close its conversation; ending an ended call changes nothing."""
    with session_scope() as session:
        row = session.get(VoiceCall, call_id)
        if row is None:
            raise _not_found(call_id)
        if row.ended_at is None:
            row.ended_at = clock.utcnow()
            row.end_reason = reason
            row.pending_chunks = None
        conversation_id = row.conversation_id
        view = _view(row)
    store.end_conversation(conversation_id, f"call_{reason}")
    return view
