"""The gateway on its own: bad input gets a clear bilingual 4xx, and with the bot
unreachable the customer gets an apology while the message stays stored."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from services.conversations import store
from services.db import migrate
from services.settings import get_settings
from tests.postgres import free_port


@pytest.fixture
def gateway(tmp_path, monkeypatch) -> Iterator[TestClient]:
    """A gateway whose Rasa and action server are down (nothing listens there)."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'gateway.db'}")
    monkeypatch.setenv("POWERDESK_RASA_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("POWERDESK_ACTION_SERVER_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    migrate()
    with TestClient(create_app(get_settings()), raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def chat(client: TestClient, **overrides) -> object:
    return client.post("/api/v1/chat", json={"sender_id": "cust-1", "text": "查电费", "channel": "web", **overrides})


def assert_bilingual(body: dict, code: str) -> None:
    error = body["error"]
    assert error["code"] == code
    assert error["message"] and error["message_zh"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message_zh"])
    assert "Traceback" not in str(body)


def test_invalid_json_is_a_400(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/chat", content=b'{"sender_id": "x", "text": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert_bilingual(response.json(), "invalid_json")


def test_a_body_that_is_not_an_object_is_a_422(gateway: TestClient) -> None:
    response = gateway.post("/api/v1/chat", json=["查电费"])
    assert response.status_code == 422
    assert_bilingual(response.json(), "invalid_request")


@pytest.mark.parametrize(
    ("overrides", "field", "zh"),
    [
        ({"text": "   "}, "text", "不能为空"),
        ({"text": "电" * 1001}, "text", "1000"),
        ({"channel": "fax"}, "channel", "渠道"),
        ({"sender_id": "bad id!"}, "sender_id", "会话标识"),
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
    response = chat(gateway, sender_id="cust-down", text="我家停电了，户号3300000001")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "bot" and body["error"] == "bot_unavailable"
    assert "抱歉" in body["messages"][0]["text"]
    stored = store.history("cust-down")
    assert [(m.direction, m.text, m.status) for m in stored] == [("user", "我家停电了，户号3300000001", "failed")]


def test_in_handoff_messages_are_queued_for_the_agent_not_sent_to_the_bot(gateway: TestClient) -> None:
    store.set_state("cust-agent", store.HANDOFF)
    body = chat(gateway, sender_id="cust-agent", text="还在吗").json()
    assert body["state"] == "handoff" and "error" not in body
    assert [m.status for m in store.history("cust-agent")] == ["queued"]


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


def test_billing_needs_the_service_token(gateway: TestClient) -> None:
    response = gateway.get("/api/v1/billing/accounts/3300000001")
    assert response.status_code == 401
    assert_bilingual(response.json(), "unauthorized")
