"""GET /api/v1/conversation: the session's current conversation, for the widget to
show again after a page reload or a reconnect.

A thin route over services.conversations.transcript; the caller is the channel user
its session token names (api/sessions.py), so a customer sees only their own.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api.schemas import Button, ConversationView, TranscriptMessage
from api.sessions import session_of
from services.conversations import transcript
from services.conversations.tokens import SessionClaims

router = APIRouter()


def _message(entry: transcript.TranscriptEntry) -> TranscriptMessage:
    return TranscriptMessage(direction=entry.direction, text=entry.text, time=entry.time, kind=entry.kind,
                             author=entry.author, outbox_id=entry.outbox_id,
                             buttons=[Button(**b) for b in entry.buttons] if entry.buttons else None,
                             pending=entry.pending or None)


@router.get("/conversation", response_model=ConversationView, response_model_exclude_none=True)
async def current_conversation(session: SessionClaims = Depends(session_of)) -> ConversationView:
    found = await run_in_threadpool(transcript.current_transcript, session.channel, session.channel_user_id)
    return ConversationView(conversation_id=found.conversation_id, state=found.state,
                            messages=[_message(e) for e in found.entries],
                            buttons=[Button(**b) for b in found.last_buttons] if found.last_buttons else None)
