"""Bad input against the real stack (uvicorn with the gateway's protocol class, Rasa, the
action server, the services): what reaches Rasa never gives a 5xx or loses a valid
message, malformed HTTP gets the JSON error, and nothing a customer writes forges a line
in gateway.log.  Few examples: every turn is a real Rasa turn."""
from __future__ import annotations

import json
import socket
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.service.test_fuzz_gateway import LEAKS
from tests.stack import Customer

pytestmark = pytest.mark.conversation

FEW = settings(max_examples=8, derandomize=True, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CUSTOMER_TEXT = st.one_of(
    st.sampled_from(["<script>alert('电费')</script>", "查电费😀😀", "\u202e费电查", "3300000001' OR '1'='1",
                     "交 １００ 元电费", "交١٠٠元电费", "ＮａＮ元", "交1e309元电费", "交0.001元", "\x1b[2J清屏"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40),
)


@FEW
@given(text=CUSTOMER_TEXT)
def test_any_customer_text_gets_a_reply_from_the_real_bot(gateway_url: str, text: str):
    customer = Customer(gateway_url)
    response = customer.client.post("/api/v1/chat", json={"text": text})
    assert response.status_code in (200, 422), response.text
    assert not any(leak in response.text for leak in LEAKS)
    if response.status_code == 200:
        reply = response.json()
        assert reply["messages"] and "error" not in reply  # the bot answered, not the apology


def test_a_lone_surrogate_is_a_422_and_the_conversation_goes_on(customer: Customer):
    bad = customer.client.post("/api/v1/chat", content=b'{"text": "\\ud800"}',
                               headers={"content-type": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    assert customer.say("你好")["messages"]


def test_nothing_a_customer_writes_forges_a_log_line(stack, customer: Customer):
    marker = f"FORGED-{uuid.uuid4().hex[:8]}"
    customer.say(f"查电费\r\n2026-12-03 08:00:00,000 INFO powerdesk.turns {marker}\x07\x1b[31m")
    log = (stack.log_dir / "gateway.log").read_text(encoding="utf-8", errors="replace")
    lines = [line for line in log.splitlines() if marker in line]
    assert lines, "the message was not logged at all"
    assert all(not line.startswith("2026-12-03 08:00:00,000") for line in lines)
    assert all("\\r\\n" in line for line in lines)


def raw(port: int, request: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        try:
            conn.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_malformed_http_gets_the_json_error_from_the_real_gateway(stack):
    port = stack.settings.gateway_port
    status, body = raw(port, b"GET /api/v1/kg/topics/\xff HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 400 and body["error"]["code"] == "bad_http_request"
    status, body = raw(port, b"GET /" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and body["error"]["code"] == "url_too_long"
    status, body = raw(port, b"GET /api/v1/kg/topics/%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 400 and body["error"]["code"] == "bad_encoding"


def test_a_big_body_is_a_413_from_the_real_gateway(customer: Customer):
    response = customer.client.post("/api/v1/chat", json={"text": "查电费", "extra": "x" * 10_000_000})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"
    assert customer.say("你好")["messages"]


def test_security_headers_from_the_real_gateway(gateway_url: str):
    response = httpx.get(f"{gateway_url}/healthz", timeout=30)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
