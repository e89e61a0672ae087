"""What uvicorn answers before the app sees a request, with the gateway's protocol class
(api/http_protocol.py): the project's JSON error body for bytes that are not HTTP, a URL
or headers over the limits; a real uvicorn server on a loopback port, raw sockets."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from api.http_protocol import GatewayH11Protocol, GatewayHttpToolsProtocol
from services.settings import get_settings
from tests.postgres import free_port


async def echo_app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = json.dumps({"path": scope["path"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def serve(protocol) -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(echo_app, host="127.0.0.1", port=port, http=protocol, lifespan="off",
                                           log_level="warning", h11_max_incomplete_event_size=16 * 1024))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def httptools_port() -> Iterator[int]:
    yield from serve(GatewayHttpToolsProtocol)


@pytest.fixture(scope="module")
def h11_port() -> Iterator[int]:
    yield from serve(GatewayH11Protocol)


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        try:
            conn.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def request(target: bytes, extra: bytes = b"", body: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n" + body


MALFORMED = {
    "raw bytes in the path": request(b"/api/v1/kg/topics/\xff\xfe"),
    "raw bytes in the query": request(b"/api/v1/kg/search?q=\xe7\x94"),
    "chunked garbage": (b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        b"Connection: close\r\n\r\nzz\r\ngarbage\r\n"),
    "a space in the path": b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n",
}


def assert_json_error(status: int, headers: dict, body: bytes, expected_status: int, code: str) -> None:
    assert status == expected_status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"] and error["message_zh"]


@pytest.mark.parametrize("name", MALFORMED)
def test_bytes_that_are_not_http_get_the_json_error(httptools_port: int, h11_port: int, name: str):
    assert_json_error(*exchange(httptools_port, MALFORMED[name]), 400, "bad_http_request")
    assert_json_error(*exchange(h11_port, MALFORMED[name]), 400, "bad_http_request")


def test_a_url_over_the_limit_is_a_414(httptools_port: int):
    limit = get_settings().max_url_bytes
    assert exchange(httptools_port, request(b"/" + b"a" * (limit - 100)))[0] == 200
    assert_json_error(*exchange(httptools_port, request(b"/" + b"a" * 1_000_000)), 414, "url_too_long")


def test_headers_over_the_limit_are_a_431(httptools_port: int):
    limit = get_settings().max_header_bytes
    assert exchange(httptools_port, request(b"/", b"X-Big: " + b"a" * (limit // 2) + b"\r\n"))[0] == 200
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 1000) for i in range(limit // 1000 + 1))
    assert_json_error(*exchange(httptools_port, request(b"/", many)), 431, "headers_too_large")


def test_the_connection_after_a_refusal_serves_nothing_more(httptools_port: int):
    pipelined = request(b"/a\xff") + request(b"/second")
    status, _, body = exchange(httptools_port, pipelined)
    assert status == 400 and b"/second" not in body


def test_h11_request_line_and_headers_are_bounded_together(h11_port: int):
    # h11 counts what is buffered while a request is incomplete: a request that arrives in
    # one read passes whole, one that keeps arriving past the 16 KB set here is refused.
    assert_json_error(*exchange(h11_port, request(b"/" + b"a" * 1_000_000)), 400, "bad_http_request")
