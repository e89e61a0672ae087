"""What a request may be before any route sees it: a URL that decodes, a bounded body.

An ASGI middleware, so it covers every route of the app it wraps (the chat, the
sessions, the channels' webhooks, the agent console's API) without the route doing
anything:

* the path and the query string must be UTF-8 once percent-decoded (``/kg/topics/%ff``
  is answered 400 ``bad_encoding``, not turned into U+FFFD and passed on);
* a body larger than ``settings.max_body_bytes`` is answered 413 ``body_too_large``
  *before* it is read whole: a ``Content-Length`` over the limit is refused at once, and
  a streamed (chunked) body is counted as it arrives and cut off at the limit.

What uvicorn refuses before the app exists (bytes that are not HTTP, a request line or
headers over their limits) is answered by api/http_protocol.py in the same JSON shape.
"""
from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import wording
from api.errors import error_body


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit.  An HTTPException, so
    FastAPI's body parsing passes it on and the app's handler answers it (api/errors.py)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=error_body("body_too_large", f"The request body is over {limit} bytes.",
                                                wording.BODY_TOO_LARGE))


def decodes_as_utf8(raw: bytes) -> bool:
    """``raw`` (a path or query string as sent) is valid UTF-8 once percent-decoded."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        raw.decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def send_error(send: Send, status: int, body: dict, extra_headers: list[tuple[bytes, bytes]] | None = None
                     ) -> None:
    """A complete JSON response with the project's error body ``body`` from middleware.
    Without ``extra_headers`` the connection closes after it (a request refused unread)."""
    content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + (extra_headers if extra_headers is not None else [(b"connection", b"close")])})
    await send({"type": "http.response.body", "body": content})


class RequestLimits:
    """The middleware (``app.add_middleware(RequestLimits, max_body_bytes=...)``)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        if not (decodes_as_utf8(raw_path) and decodes_as_utf8(scope.get("query_string", b""))):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await send_error(send, 400, error_body("bad_encoding", "The URL is not valid UTF-8 once percent-decoded.",
                                                       wording.BAD_URL))
            return
        if scope["type"] == "websocket":  # frames are bounded by the server's --ws-max-size
            await self.app(scope, receive, send)
            return
        declared = content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send)
            return
        await self._call_counting(scope, receive, send)

    async def _call_counting(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:  # raised where no exception handler answered it
            if started:  # too late for an answer: the route was streaming its own
                raise
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await send_error(send, 413, BodyTooLarge(self.max_body_bytes).detail)
