"""GET /api/v1/agents/directory (api/agent_directory.py): any logged-in agent sees the
active colleagues a conversation can be transferred to, without the supervisors'
fields; nobody without a session does."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from handoff import agents
from services.settings import get_settings
from tests.postgres import free_port

PASSWORD = "directory-test-password"


@pytest.fixture
def gateway(db_url: str, monkeypatch) -> Iterator[TestClient]:
    """The gateway in process on a migrated SQLite or PostgreSQL database (Rasa is not needed)."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("POWERDESK_RASA_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings()), raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def test_an_agent_sees_active_colleagues_without_management_fields(gateway: TestClient) -> None:
    me, _ = agents.create_agent("lin.agent", "客服小林", "agent", 3, PASSWORD)
    colleague, _ = agents.create_agent("zhou.agent", "客服小周", "agent", 5, PASSWORD)
    gone, _ = agents.create_agent("gone.agent", "客服小王", "agent", 3, PASSWORD)
    agents.update_agent(gone.id, active=False)

    assert gateway.get("/api/v1/agents/directory").status_code == 401
    assert gateway.post("/api/v1/agents/login", json={"username": "lin.agent", "password": PASSWORD}).status_code == 200
    assert gateway.get("/api/v1/agents").status_code == 403  # the full list stays the supervisors'

    response = gateway.get("/api/v1/agents/directory")
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert set(items) == {me.id, colleague.id}
    assert items[colleague.id] == {"id": colleague.id, "display_name": "客服小周", "role": "agent", "online": False,
                                   "active": True, "capacity": 5, "load": 0}
    assert items[me.id]["online"] is True  # logging in put me online
