"""The gateway on its own: bad input gets a clear bilingual 4xx, and with the bot
unreachable the customer gets an apology while the message stays stored."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services import clock
from handoff import queue as handoff_queue
from services.conversations import store
from services.settings import get_settings
from tests.gateway import offline_gateway


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[TestClient]:
    with offline_gateway(tmp_path, monkeypatch) as client:
        yield client


def new_session(client: TestClient) -> dict:
    response = client.post("/api/v1/sessions", json={"channel": "web"})
    assert response.status_code == 201, response.text
    return response.json()


def chat(client: TestClient, session: dict | None = None, **overrides) -> object:
    session = session or new_session(client)
    return client.post("/api/v1/chat", json={"text": "查电费", **overrides},
                       headers={"Authorization": f"Bearer {session['token']}"})


def assert_bilingual(body: dict, code: str) -> None:
    error = body["error"]
    assert error["code"] == code
    assert error["message"] and error["message_zh"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message_zh"])
    assert "Traceback" not in str(body)


def test_invalid_json_is_a_400(gateway: TestClient) -> None:
    headers = {"content-type": "application/json", "Authorization": f"Bearer {new_session(gateway)['token']}"}
    response = gateway.post("/api/v1/chat", content=b'{"text": ', headers=headers)
    assert response.status_code == 400
    assert_bilingual(response.json(), "invalid_json")


def test_a_body_that_is_not_an_object_is_a_422(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/chat", json=["查电费"],
                            headers={"Authorization": f"Bearer {new_session(gateway)['token']}"})
    assert response.status_code == 422
    assert_bilingual(response.json(), "invalid_request")


@pytest.mark.parametrize(
    ("overrides", "field", "zh"),
    [
        ({"text": "   "}, "text", "不能为空"),
        ({"text": "电" * 1001}, "text", "1000"),
    ],
)
def test_bad_fields_are_422_with_a_chinese_message(gateway: TestClient, overrides: dict, field: str, zh: str) -> None:
    response = chat(gateway, **overrides)
    assert response.status_code == 422
    body = response.json()
    assert_bilingual(body, "invalid_request")
    assert zh in body["error"]["message_zh"]
    assert body["error"]["details"][0]["field"] == field


def test_exactly_1000_characters_is_accepted(gateway: TestClient) -> None:
    assert chat(gateway, text="电" * 1000).status_code == 200


def test_bot_down_gives_an_apology_and_keeps_the_message(gateway: TestClient) -> None:
    response = chat(gateway, text="我家停电了，户号3300000001")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "bot" and body["error"] == "bot_unavailable"
    assert "抱歉" in body["messages"][0]["text"]
    stored = store.history(body["conversation_id"])
    assert [(m.direction, m.text, m.status) for m in stored] == [("user", "我家停电了，户号3300000001", "failed")]


def test_in_handoff_messages_are_queued_for_the_agent_not_sent_to_the_bot(gateway: TestClient) -> None:
    session = new_session(gateway)
    handoff_queue.start(session["conversation_id"], "request_human")  # as api/handoff_flow.begin does
    store.set_state(session["conversation_id"], store.HANDOFF)
    body = chat(gateway, session, text="还在吗").json()
    assert body["state"] == "handoff" and "error" not in body
    stored = store.history(session["conversation_id"])
    assert [(m.direction, m.status) for m in stored] == [("user", "queued"), ("bot", "sent")]  # the gateway's notice


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Bearer v1.e30.forged", "Basic abc"])
def test_chat_without_a_valid_session_token_is_a_401(gateway: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = gateway.post("/api/v1/chat", json={"text": "查电费", "sender_id": "victim1"}, headers=headers)
    assert response.status_code == 401
    assert_bilingual(response.json(), "session_required")


def test_a_token_from_another_secret_or_past_its_time_is_refused(gateway: TestClient, monkeypatch) -> None:
    session = new_session(gateway)
    monkeypatch.setenv("POWERDESK_SESSION_SECRET", "another-secret")
    get_settings.cache_clear()
    assert chat(gateway, session).status_code == 401
    monkeypatch.delenv("POWERDESK_SESSION_SECRET")
    get_settings.cache_clear()
    assert chat(gateway, session).status_code == 200
    later = clock.offset().total_seconds() + 25 * 3600  # past the 24 h token lifetime
    monkeypatch.setenv(clock.OFFSET_ENV, str(later))
    assert chat(gateway, session).status_code == 401


def test_the_session_cookie_is_http_only_and_works_without_the_header(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/sessions", json={"channel": "web"})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    reply = gateway.post("/api/v1/chat", json={"text": "你好"})  # TestClient sends the cookie back
    assert reply.status_code == 200 and reply.json()["conversation_id"] == response.json()["conversation_id"]


def test_the_session_cookie_is_secure_over_https_and_never_sent_cross_site(gateway: TestClient) -> None:
    """Over HTTPS the cookie is Secure (behind a proxy, uvicorn makes the scheme https
    from the X-Forwarded-Proto of an address in --forwarded-allow-ips); it is
    SameSite=Strict either way, never None: a widget on another site's page carries its
    token as a bearer header instead."""
    plain = gateway.post("/api/v1/sessions", json={"channel": "web"}).headers["set-cookie"].lower()
    assert "samesite=strict" in plain and "; secure" not in plain
    response = gateway.post("https://testserver/api/v1/sessions", json={"channel": "web"})
    cookie = response.headers["set-cookie"].lower()
    assert response.status_code == 201 and "samesite=strict" in cookie and "; secure" in cookie, cookie
    gateway.cookies.clear()  # the frame on another site: no cookie comes back, the token does
    token = gateway.post("/api/v1/sessions", json={"channel": "web"}).json()["token"]
    gateway.cookies.clear()
    reply = gateway.post("/api/v1/chat", json={"text": "你好"}, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


def test_sessions_are_for_the_web_channel_only(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/sessions", json={"channel": "wechat"})
    assert response.status_code == 422
    assert_bilingual(response.json(), "invalid_request")


def test_health_is_503_and_names_what_is_down(gateway: TestClient) -> None:
    response = gateway.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["gateway"] == "up" and components["database"] == "up"
    assert components["rasa"] == "down" and components["action_server"] == "down"


def test_parse_with_nlu_down_is_a_503_not_a_crash(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/nlu/parse", json={"text": "查电费"})
    assert response.status_code == 503
    assert_bilingual(response.json(), "nlu_unavailable")


def test_parse_rejects_empty_text(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/nlu/parse", json={"text": ""})
    assert response.status_code == 422
    assert_bilingual(response.json(), "invalid_request")


def test_unknown_path_is_a_bilingual_404(gateway: TestClient) -> None:
    response = gateway.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert_bilingual(response.json(), "http_404")


def test_billing_is_not_on_the_public_port(gateway: TestClient) -> None:
    """Personal data lives on the services' loopback port only, even with the token."""
    headers = {"Authorization": f"Bearer {get_settings().service_token}"}
    for path in ("/api/v1/billing/accounts/3300000001", "/billing/accounts/3300000001",
                 "/api/v1/billing/accounts/3300000001/bills"):
        response = gateway.get(path, headers=headers)
        assert response.status_code == 404, path
        assert "5678" not in response.text
    assert gateway.get("/api/v1/kg/search", params={"q": "过户需要什么材料"}).status_code == 200
