"""An in-process gateway with nothing behind it: for tests of what the gateway does on
its own (bad input, limits, the outbox, the apology when the bot is unreachable)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from services.db import migrate
from services.settings import get_settings
from tests.postgres import free_port


@contextmanager
def offline_gateway(directory: Path, monkeypatch: pytest.MonkeyPatch,
                    env: Mapping[str, str] | None = None) -> Iterator[TestClient]:
    """A gateway on a fresh SQLite database in ``directory`` whose Rasa and action server
    are down (nothing listens at their ports); ``env`` adds settings (POWERDESK_*)."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", f"sqlite:///{directory / 'gateway.db'}")
    monkeypatch.setenv("POWERDESK_RASA_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("POWERDESK_ACTION_SERVER_URL", f"http://127.0.0.1:{free_port()}")
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    migrate()
    try:
        with TestClient(create_app(get_settings()), raise_server_exceptions=False) as client:
            yield client
    finally:
        get_settings.cache_clear()
