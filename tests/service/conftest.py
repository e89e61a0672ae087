"""Fixtures for the service tests: one seeded database per test, on SQLite AND PostgreSQL.

``db_url`` is parametrized over both back ends.  Each gets a migrated, seeded template
built once per session (40 generated accounts plus the demo accounts, same fixed seed and
"today" as production seeding), then every test receives a fresh copy: a file copy on
SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.  The PostgreSQL server is started
only if a postgresql-parametrized test runs, and stopped at the end of the session.
"""
from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from services.billing.seed import seed
from services.db import engine_for, session_scope
from services.errors import ServiceError
from services.settings import get_settings
from tests.postgres import PostgresServer

TEST_ACCOUNTS = 40
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def _admin(server: PostgresServer, sql: str) -> None:
    engine = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("billing-template") / "template.db"
    url = f"sqlite:///{path}"
    seed(url, n_accounts=TEST_ACCOUNTS)
    engine_for(url).dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    _admin(postgres_server, "CREATE DATABASE billing_template")
    url = postgres_server.url("billing_template")
    seed(url, n_accounts=TEST_ACCOUNTS)
    engine_for(url).dispose()  # a template must have no open connections
    return "billing_template"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, seeded database for this test."""
    if request.param == "sqlite":
        path = tmp_path / "billing.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        yield url
        engine_for(url).dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = f"billing_test_{next(_counter)}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    url = server.url(name)
    yield url
    engine_for(url).dispose()
    _admin(server, f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def app(db_url: str) -> FastAPI:
    """An app with the billing router where the gateway mounts it, on the test database."""
    from services.billing.api import get_session, router

    app = FastAPI()
    app.include_router(router, prefix="/api/v1/billing")

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    def test_session():
        with session_scope(db_url) as session:
            yield session

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {get_settings().service_token}"
        yield client
