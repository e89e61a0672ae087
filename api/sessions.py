"""POST /api/v1/sessions: a web chat session, and the check every chat request passes.

The gateway creates the channel user and signs a token for it
(services.conversations.tokens); the client sends it back as
``Authorization: Bearer <token>`` or in the HttpOnly cookie set here.  Whatever id a
client puts in a request body is not a credential.

The cookie is SameSite=Strict (and Secure when the page came over HTTPS): it serves the
chat page opened on the gateway's own site.  A widget in a frame on another site (a
utility's pages, /chat/embed.js) carries the token itself, as a bearer header and as
the socket's ``?token=``, never a SameSite=None cookie: such a cookie would go with
every request another site's page makes to the gateway (a forged "确认" to a top-up in
progress, a socket opened to read a customer's conversation), and browsers that block or
partition third-party cookies would drop it anyway.
"""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.schemas import SessionRequest, SessionResponse
from services.conversations import store, tokens
from services.errors import ServiceError

router = APIRouter()
COOKIE = "powerdesk_session"


class SessionRequired(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("session_required", "A valid session token is required (POST /api/v1/sessions).",
                         "会话已失效，请刷新页面后重新开始对话。")


def claims_from(bearer_header: str | None, cookie: str | None) -> tokens.SessionClaims | None:
    """The claims of a bearer token (``Authorization: Bearer …``) or else the cookie's; None if invalid."""
    header = bearer_header or ""
    token = header[7:].strip() if header.lower().startswith("bearer ") else cookie
    try:
        return tokens.read_token(token)
    except tokens.InvalidToken:
        return None


def session_of(request: Request) -> tokens.SessionClaims:
    """FastAPI dependency: the request's session; 401 without a valid one."""
    claims = claims_from(request.headers.get("authorization"), request.cookies.get(COOKIE))
    if claims is None:
        raise SessionRequired()
    return claims


@router.post("/sessions", response_model=SessionResponse, status_code=201)
async def create_session(body: SessionRequest, request: Request, response: Response) -> SessionResponse:
    channel_user_id = tokens.new_channel_user_id(body.channel)
    token, claims = tokens.issue_token(body.channel, channel_user_id)
    conversation = await run_in_threadpool(store.open_conversation, body.channel, channel_user_id)
    max_age = int((claims.expires_at - tokens.clock.utcnow()).total_seconds())
    response.set_cookie(COOKIE, token, max_age=max_age, httponly=True, samesite="strict", path="/api/v1",
                        secure=request.url.scheme == "https")
    return SessionResponse(token=token, conversation_id=conversation.id, expires_at=claims.expires_at)
