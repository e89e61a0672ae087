"""POST /api/v1/chat: one customer turn from the web widget or any HTTP client.

The caller is the channel user its session token names (api/sessions.py); the turn
itself is the pipeline's (api/turns.py), as for every channel.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.schemas import ChatRequest, ChatResponse
from api.sessions import session_of
from api.throttle import client_ip, client_tag
from api.turns import Inbound, handle_turn
from services.conversations.tokens import SessionClaims

router = APIRouter()


@router.post("/chat", response_model=ChatResponse, response_model_exclude_none=True)
async def chat(body: ChatRequest, request: Request, session: SessionClaims = Depends(session_of)) -> ChatResponse:
    client = client_tag(client_ip(request.scope), request.app.state.settings.session_secret)  # per-client limits
    result = await handle_turn(Inbound(session.channel, session.channel_user_id, body.text, {"client": client},
                                       payload=body.payload), request.app.state.rasa)
    return ChatResponse(conversation_id=result.conversation_id, messages=result.messages,
                        state=result.state, error=result.error)
