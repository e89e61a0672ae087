"""The gateway's hardening on its own (Rasa down, a real SQLite database): bad text,
oversized and badly encoded requests, rate limits, secrets, browser headers.
Every refusal is the project's error body; nothing that was valid is lost."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from services.conversations.models import Message
from services.db import session_scope
from services.secret_files import InsecureConfiguration, checked_secrets_dir, refuse_dev_secrets
from services.settings import Settings, get_settings
from tests.gateway import offline_gateway

LIMITS = {"POWERDESK_MAX_BODY_BYTES": "4096", "POWERDESK_SESSIONS_PER_IP_PER_HOUR": "5",
          "POWERDESK_CHAT_PER_SESSION_PER_MIN": "4", "POWERDESK_CHAT_PER_IP_PER_MIN": "6",
          "POWERDESK_AGENT_LOGINS_PER_IP_PER_HOUR": "3",
          "POWERDESK_ALLOWED_ORIGINS": "https://www.example-grid.cn"}


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[TestClient]:
    """A gateway with small limits, whose Rasa and action server are down."""
    with offline_gateway(tmp_path, monkeypatch, LIMITS) as client:
        yield client


def token(client: TestClient) -> str:
    response = client.post("/api/v1/sessions", json={"channel": "web"})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message_zh"])
    assert "Traceback" not in response.text and "File \"" not in response.text
    return error


def stored_texts(database_url: str) -> list[str]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(Message.text).where(Message.direction == "user")))


@pytest.mark.parametrize("raw", [b'{"text": "\\ud800"}', b'{"text": "\\udfff\\u7535\\u8d39"}', b'{"text": "a\\u0000b"}'])
def test_unstorable_text_is_a_422_and_valid_text_is_still_stored(gateway: TestClient, raw: bytes):
    headers = {"content-type": "application/json", "Authorization": f"Bearer {token(gateway)}"}
    error = assert_error(gateway.post("/api/v1/chat", content=raw, headers=headers), 422, "invalid_request")
    assert "无法识别的字符" in error["message_zh"]
    assert_error(gateway.post("/api/v1/nlu/parse", content=raw, headers=headers), 422, "invalid_request")
    valid = gateway.post("/api/v1/chat", json={"text": "查电费 😀 \u202e<script>alert(1)</script>"}, headers=headers)
    assert valid.status_code == 200 and valid.json()["error"] == "bot_unavailable"
    assert stored_texts(get_settings().database_url) == ["查电费 😀 \u202e<script>alert(1)</script>"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(gateway: TestClient):
    auth = {"Authorization": f"Bearer {token(gateway)}"}
    big = json.dumps({"text": "查电费", "extra": "x" * 10_000})
    assert_error(gateway.post("/api/v1/chat", content=big, headers={**auth, "content-type": "application/json"}),
                 413, "body_too_large")

    def chunks():  # no Content-Length: counted as it streams, cut off at the limit
        yield '{"text": "查电费", "extra": "'.encode()
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    streamed = gateway.post("/api/v1/chat", content=chunks(), headers={**auth, "content-type": "application/json"})
    assert_error(streamed, 413, "body_too_large")
    assert stored_texts(get_settings().database_url) == []


@pytest.mark.parametrize("url", ["/api/v1/kg/topics/%ff%fe", "/api/v1/kg/search?q=%e7%94", "/healthz?x=%c3%28"])
def test_a_url_that_is_not_utf8_is_a_400(gateway: TestClient, url: str):
    assert_error(gateway.get(url), 400, "bad_encoding")


def test_chat_is_limited_per_session_and_per_ip_with_retry_after(gateway: TestClient):
    first, second = token(gateway), token(gateway)
    answers = [gateway.post("/api/v1/chat", json={"text": f"第{i}条"}, headers={"Authorization": f"Bearer {first}"})
               for i in range(5)]
    assert [a.status_code for a in answers] == [200] * 4 + [429]
    error = assert_error(answers[-1], 429, "rate_limited")
    assert "太频繁" in error["message_zh"] and int(answers[-1].headers["retry-after"]) >= 1
    # Another session from the same IP still has the IP's remaining two turns.
    others = [gateway.post("/api/v1/chat", json={"text": "你好"}, headers={"Authorization": f"Bearer {second}"})
              for _ in range(3)]
    assert [a.status_code for a in others] == [200, 200, 429]
    assert len(stored_texts(get_settings().database_url)) == 6  # refused turns were not taken


def test_session_creation_is_limited_per_ip(gateway: TestClient):
    answers = [gateway.post("/api/v1/sessions", json={"channel": "web"}) for _ in range(6)]
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert "新建对话太频繁" in assert_error(answers[-1], 429, "rate_limited")["message_zh"]


def test_agent_log_in_attempts_are_limited_per_address_whatever_the_names(gateway: TestClient):
    """Guessing across many agent names from one address (each name's own lock after wrong
    passwords is handoff/agents.py's)."""
    answers = [gateway.post("/api/v1/agents/login", json={"username": f"guess{n}", "password": "x" * 12})
               for n in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert "登录尝试过于频繁" in assert_error(answers[-1], 429, "rate_limited")["message_zh"]
    assert int(answers[-1].headers["retry-after"]) > 0


def test_security_headers_on_every_answer(gateway: TestClient):
    for response in (gateway.get("/healthz"), gateway.post("/api/v1/chat", json={"text": "x"}),
                     gateway.get("/no/such/page")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert gateway.post("/api/v1/sessions", json={}).headers["cache-control"] == "no-store"


def test_cors_answers_only_the_configured_origins(gateway: TestClient):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    good = gateway.options("/api/v1/chat", headers={"Origin": "https://www.example-grid.cn", **preflight})
    assert good.headers.get("access-control-allow-origin") == "https://www.example-grid.cn"
    bad = gateway.options("/api/v1/chat", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in bad.headers
    simple = gateway.post("/api/v1/sessions", json={}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_websocket_from_another_origin_is_closed(gateway: TestClient):
    from starlette.websockets import WebSocketDisconnect

    session = token(gateway)
    with pytest.raises(WebSocketDisconnect) as closed:
        with gateway.websocket_connect(f"/api/v1/ws?token={session}", headers={"Origin": "https://evil.example"}) as ws:
            ws.receive_json()
    assert closed.value.code == 1008
    with gateway.websocket_connect(f"/api/v1/ws?token={session}",
                                   headers={"Origin": "https://www.example-grid.cn"}) as ws:
        ws.send_json({"type": "ack", "id": 0})  # accepted: the configured origin


def test_the_dev_secrets_are_refused_off_loopback():
    dev = Settings()
    refuse_dev_secrets(dev, "127.0.0.1")
    refuse_dev_secrets(dev, "::1")
    with pytest.raises(InsecureConfiguration, match="POWERDESK_SESSION_SECRET"):
        refuse_dev_secrets(dev, "0.0.0.0")
    with pytest.raises(InsecureConfiguration):
        create_app(Settings(gateway_host="0.0.0.0"))
    real = Settings(service_token="a" * 40, rasa_token="b" * 40, action_token="c" * 40, session_secret="d" * 40)
    refuse_dev_secrets(real, "0.0.0.0")


def test_secret_files_must_be_private(tmp_path):
    secret = tmp_path / "POWERDESK_SESSION_SECRET"
    secret.write_text("from-a-file")
    secret.chmod(0o644)
    with pytest.raises(InsecureConfiguration, match="chmod 600"):
        checked_secrets_dir(tmp_path)
    secret.chmod(0o600)
    assert Settings(_secrets_dir=checked_secrets_dir(tmp_path)).session_secret == "from-a-file"
    assert checked_secrets_dir(tmp_path / "absent") is None


def test_chat_over_the_websocket_is_limited_like_post_chat(gateway: TestClient):
    session = token(gateway)
    with gateway.websocket_connect(f"/api/v1/ws?token={session}") as ws:
        answers = []
        for i in range(5):
            ws.send_json({"type": "message", "text": f"第{i}条"})
            answers.append(ws.receive_json())
    assert [a["type"] for a in answers] == ["reply"] * 4 + ["error"]
    assert answers[-1]["code"] == "rate_limited" and "太频繁" in answers[-1]["message_zh"]
    assert len(stored_texts(get_settings().database_url)) == 4
