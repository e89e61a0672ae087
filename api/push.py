"""GET /api/v1/ws: the web widget's WebSocket, for pushes and for chatting.

Authenticated like /api/v1/chat: the session cookie (browsers send it with the
handshake) or ``?token=`` (the access log drops query strings).  On connect the
client receives every outbox message it has not acknowledged, then whatever is
pushed while it stays connected.  Frames:

- server → client: ``{"type": "message", "id", "kind", "author", "text", "buttons"}``
  (an outbox message: acknowledge it; ids repeat after a reconnect, show each once),
  ``{"type": "reply", "conversation_id", "messages", "state"}`` (the answer to a message),
  ``{"type": "error", "code", "message", "message_zh"}`` (the message was refused; with
  code ``storage_unavailable`` and ``retry_after_s`` nothing was stored: send it again);
- client → server: ``{"type": "ping"}`` (answered ``{"type": "pong"}``), ``{"type": "ack", "id"}``, ``{"type": "message", "text", "payload"?}``
  (``payload``: a pressed button's, as in ``POST /api/v1/chat``).
"""
from __future__ import annotations

import logging
from collections import defaultdict

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.schemas import ChatRequest
from api.sessions import COOKIE, claims_from
from api.throttle import check_turn, client_ip, client_tag
from api.turns import Inbound, handle_turn
from services.channels import WEB
from services.conversations import tokens
from services.db import StorageUnavailable
from services.outbox import store as outbox
from services.outbox.store import Outgoing

log = logging.getLogger("powerdesk.push")
router = APIRouter()
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


def message_frame(message: Outgoing) -> dict:
    return {"type": "message", "id": message.id, "kind": message.kind, "author": message.author,
            "text": message.text, "buttons": message.buttons}


class WebConnections:
    """The open widget sockets per channel user; the web channel's outbox sender."""

    def __init__(self) -> None:
        self._sockets: dict[str, set[WebSocket]] = defaultdict(set)

    def connected_users(self) -> set[str]:
        """The channel users with a socket open to this process (the delivery loop claims
        only their messages here)."""
        return set(self._sockets)

    def add(self, user: str, socket: WebSocket) -> None:
        self._sockets[user].add(socket)

    def remove(self, user: str, socket: WebSocket) -> None:
        self._sockets[user].discard(socket)
        if not self._sockets[user]:
            del self._sockets[user]

    async def deliver(self, message: Outgoing) -> bool:
        sockets = list(self._sockets.get(message.channel_user_id, ()))
        taken = False
        for socket in sockets:
            try:
                await socket.send_json(message_frame(message))
                taken = True
            except Exception:  # a socket closing under us: the others (or a reconnect) get it
                self.remove(message.channel_user_id, socket)
        return taken


@router.websocket("/ws")
async def widget_socket(socket: WebSocket) -> None:
    query_token = socket.query_params.get("token")
    claims = claims_from(f"Bearer {query_token}" if query_token else None, socket.cookies.get(COOKIE))
    if claims is None or claims.channel != WEB:
        await socket.close(code=POLICY_VIOLATION)
        return
    await socket.accept()
    connections: WebConnections = socket.app.state.web_connections
    user = claims.channel_user_id
    connections.add(user, socket)
    try:
        for message in await run_in_threadpool(outbox.unacknowledged, WEB, user):
            if message.status == outbox.PENDING and not await run_in_threadpool(outbox.claim, message.id):
                continue  # the delivery loop holds it, and sends it to this socket
            await socket.send_json(message_frame(message))
            await run_in_threadpool(outbox.mark_sent, message.id)
        while True:
            await _on_frame(socket, claims, await socket.receive_json())
    except WebSocketDisconnect:
        pass
    except StorageUnavailable:  # the database went away while reading the unsent messages
        await socket.close(code=TRY_AGAIN_LATER)  # the widget reconnects and gets them then
    finally:
        connections.remove(user, socket)


async def _on_frame(socket: WebSocket, claims: tokens.SessionClaims, frame: object) -> None:
    """Answer one frame; while the database is away a message is answered with the
    ``storage_unavailable`` error frame (nothing was stored: the widget sends it again)."""
    try:
        await _answer_frame(socket, claims, frame)
    except StorageUnavailable as exc:
        log.warning("database unavailable during a widget frame")
        await socket.send_json({"type": "error", **exc.to_dict()["error"], "retry_after_s": exc.retry_after_s})


async def _answer_frame(socket: WebSocket, claims: tokens.SessionClaims, frame: object) -> None:
    kind = frame.get("type") if isinstance(frame, dict) else None
    if kind == "ping":  # the widget's heartbeat: a connection that stops answering is replaced
        await socket.send_json({"type": "pong"})
    elif kind == "ack" and isinstance(frame.get("id"), int):
        await run_in_threadpool(outbox.mark_acked, frame["id"], WEB, claims.channel_user_id)
    elif kind == "message":
        try:
            request = ChatRequest(text=frame.get("text") or "", payload=frame.get("payload"))
        except ValidationError:
            await socket.send_json({"type": "error", "code": "invalid_request",
                                    "message": "text must be 1-1000 characters, payload a string of at most 200",
                                    "message_zh": "消息内容不能为空，且不能超过1000个字"})
            return
        settings, ip = socket.app.state.settings, client_ip(socket.scope)
        if (refusal := await check_turn(settings, ip, claims.channel_user_id)) is not None:
            await socket.send_json({"type": "error", **refusal["error"]})  # a chat rate limit: try later
            return
        inbound = Inbound(WEB, claims.channel_user_id, request.text, {"client": client_tag(ip, settings.session_secret)},
                          payload=request.payload)
        result = await handle_turn(inbound, socket.app.state.rasa)
        await socket.send_json({"type": "reply", "conversation_id": result.conversation_id,
                                "messages": [m.model_dump(exclude_none=True) for m in result.messages],
                                "state": result.state, **({"error": result.error} if result.error else {})})
    else:
        await socket.send_json({"type": "error", "code": "unknown_frame",
                                "message": "expected a frame of type ack, message or ping", "message_zh": "无法识别的消息格式"})
