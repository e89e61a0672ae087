"""uvicorn's HTTP protocol with the project's limits and its JSON error body.

Some requests never reach the app: bytes that are not HTTP (raw non-ASCII in the request
line, chunked garbage), and — with these limits — a request line or headers larger than
any real client sends.  uvicorn answers those itself, in plain text ("Invalid HTTP
request received.").  These subclasses answer with ``{"error": {code, message,
message_zh}}`` like the rest of the gateway, and refuse

* a URL over ``settings.max_url_bytes`` with 414 ``url_too_long`` (uvicorn has no limit of
  its own on the httptools parser: a 1 MB URL was buffered whole);
* headers over ``settings.max_header_bytes`` in total with 431 ``headers_too_large``;
* anything the parser rejects with 400 ``bad_http_request``;
* a request whose headers and body have not all arrived ``settings.request_read_timeout_s``
  after it began (or after the connection opened) with 408 ``request_timeout``, and the
  connection closed.  uvicorn has no such limit: its keep-alive timeout runs only between
  requests, so a client sending its headers a byte at a time (slowloris), its body a byte
  at a time, or nothing at all after connecting held its connection for as long as it
  liked (measured: still open after 120 s), and enough of them use up the process's file
  descriptors, after which nobody else gets in.

Use: ``uvicorn api.app:app --http api.http_protocol:GatewayHttpToolsProtocol``
(scripts/stack.py does), or ``GatewayH11Protocol`` with ``--http`` for the pure-Python
parser, whose ``--h11-max-incomplete-event-size`` bounds the request line and headers
together (then 400, not 414/431).
"""
from __future__ import annotations

import asyncio
import json

import httptools
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api import wording
from api.errors import error_body
from services.settings import get_settings

REASONS = {400: b"Bad Request", 408: b"Request Timeout", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}
LINGER_S = 2.0  # how long a refused connection's remaining bytes are read and dropped
BAD_REQUEST = (400, "bad_http_request", "The request is not valid HTTP.", wording.BAD_HTTP)


def error_response(status: int, code: str, message: str, message_zh: str, default_headers=()) -> bytes:
    """A complete HTTP/1.1 response carrying the project's error body; the connection closes."""
    body = json.dumps(error_body(code, message, message_zh), ensure_ascii=False).encode("utf-8")
    lines = [b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status])]
    lines += [name + b": " + value + b"\r\n" for name, value in default_headers]
    lines += [b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(body),
              b"connection: close\r\n", b"\r\n", body]
    return b"".join(lines)


def linger_and_close(protocol) -> None:
    """Close after the answer without losing it: closing a socket with the client's bytes
    still unread makes the kernel send a reset, which can destroy the answer in flight
    (a 1 MB URL is still arriving when the 414 is sent).  So: send FIN after the answer,
    drop whatever still arrives, and close for good after ``LINGER_S``."""
    protocol.discarding = True
    if protocol.transport.can_write_eof():
        protocol.transport.write_eof()
    asyncio.get_running_loop().call_later(LINGER_S, protocol.transport.close)


class GatewayHttpToolsProtocol(HttpToolsProtocol):
    """httptools (uvicorn's default parser) with URL and header limits and JSON errors."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_url_bytes = settings.max_url_bytes
        self.max_header_bytes = settings.max_header_bytes
        self.refusal = BAD_REQUEST
        self.header_bytes = 0
        self.discarding = False
        self.read_timeout_s = settings.request_read_timeout_s
        self.read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_read_deadline()  # a connection that sends nothing is closed too

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.refusal, self.header_bytes = BAD_REQUEST, 0
        self._arm_read_deadline()

    def on_message_complete(self) -> None:
        self._disarm_read_deadline()  # all of it arrived; the app's time is not limited here
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm_read_deadline()  # the socket's protocol takes the connection over
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_read_deadline()
        super().connection_lost(exc)

    def _arm_read_deadline(self) -> None:
        self._disarm_read_deadline()
        self.read_deadline = self.loop.call_later(self.read_timeout_s, self._read_timed_out)

    def _disarm_read_deadline(self) -> None:
        if self.read_deadline is not None:
            self.read_deadline.cancel()
            self.read_deadline = None

    def _read_timed_out(self) -> None:
        """The request is still arriving after its time: answer 408 (unless an answer has
        begun) and close; a route waiting for the rest of the body sees a disconnect."""
        self.read_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(error_response(
                408, "request_timeout", f"The request did not arrive within {self.read_timeout_s:g} s.",
                wording.REQUEST_TIMEOUT, self.server_state.default_headers))
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        linger_and_close(self)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_url_bytes:
            self.refusal = (414, "url_too_long", f"The URL is over {self.max_url_bytes} bytes.", wording.URL_TOO_LONG)
            raise httptools.HttpParserError("url too long")  # the parser stops; send_400_response answers

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self.header_bytes += len(name) + len(value) + 4
        if self.header_bytes > self.max_header_bytes:
            self.refusal = (431, "headers_too_large", f"The headers are over {self.max_header_bytes} bytes.",
                            wording.HEADERS_TOO_LARGE)
            raise httptools.HttpParserError("headers too large")

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        self.transport.write(error_response(*self.refusal, self.server_state.default_headers))
        linger_and_close(self)


class GatewayH11Protocol(H11Protocol):
    """h11 (pure Python) with JSON errors; its size limit is uvicorn's --h11-max-incomplete-event-size."""

    discarding = False

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        self.transport.write(error_response(*BAD_REQUEST, self.server_state.default_headers))
        linger_and_close(self)
