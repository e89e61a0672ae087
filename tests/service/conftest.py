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
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.errors import install_error_handlers
from services.billing.seed import seed
from services.outage.seed import demo_addresses
from services.db import engine_for, session_scope
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


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _copy_of_template(request, backend: str, directory: Path) -> str:
    """A new database holding the seeded template's data; returns its URL."""
    if backend == "sqlite":
        path = directory / f"billing-{next(_counter)}.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = f"billing_test_{next(_counter)}"
    _admin(server, f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return server.url(name)


def _drop(request, url: str) -> None:
    engine_for(url).dispose()
    if url.startswith("postgresql"):
        server: PostgresServer = request.getfixturevalue("postgres_server")
        _admin(server, f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh seeded database for a test that writes."""
    url = _copy_of_template(request, request.param, tmp_path)
    yield url
    _drop(request, url)


@pytest.fixture(scope="session", params=BACKENDS)
def shared_db_url(request, tmp_path_factory) -> Iterator[str]:
    """One seeded database per back end shared by read-only tests (they must not write)."""
    url = _copy_of_template(request, request.param, tmp_path_factory.mktemp("billing-shared"))
    yield url
    _drop(request, url)


@pytest.fixture
def db(db_url: str, monkeypatch) -> Iterator[str]:
    """``db_url`` as the process's own database (POWERDESK_DATABASE_URL): for tests of
    service functions that read it from the settings rather than take a session."""
    monkeypatch.setenv("POWERDESK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def make_app(db_url: str, services: tuple[str, ...] = ("billing",)) -> FastAPI:
    """An app with the routers of ``services`` (billing, forecast, outage) where the
    services' process mounts them (/billing, /forecast, /outage), on ``db_url``."""
    from services.billing import api as billing
    from services.forecasting import api as forecast
    from services.outage import api as outage

    routers = {"billing": billing.router, "forecast": forecast.router, "outage": outage.router}
    app = FastAPI()
    install_error_handlers(app)  # the services process's, so errors render as in production
    for name in services:
        app.include_router(routers[name], prefix=f"/{name}")

    def test_session():
        with session_scope(db_url) as session:
            yield session

    app.dependency_overrides[billing.get_session] = test_session  # the forecast route's too
    app.dependency_overrides[outage.get_session] = test_session
    return app


def authorized_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {get_settings().service_token}"
        yield client


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return make_app(db_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client on a fresh database: for tests that pay."""
    yield from authorized_client(app)


@pytest.fixture(scope="session")
def readonly_client(shared_db_url: str) -> Iterator[TestClient]:
    """A client on the shared database: for tests that only read."""
    yield from authorized_client(make_app(shared_db_url))


@pytest.fixture
def outage_client(db_url: str) -> Iterator[TestClient]:
    """A client of the outage routes on a fresh database: for tests that report or change."""
    yield from authorized_client(make_app(db_url, ("outage",)))


@pytest.fixture(scope="session")
def readonly_outage_client(shared_db_url: str) -> Iterator[TestClient]:
    """A client of the outage routes on the shared database: for tests that only read."""
    yield from authorized_client(make_app(shared_db_url, ("outage",)))


@pytest.fixture(scope="session")
def readonly_forecast_client(shared_db_url: str) -> Iterator[TestClient]:
    """A client of the forecast (and billing) routes on the shared database."""
    yield from authorized_client(make_app(shared_db_url, ("billing", "forecast")))


def demo_address_texts(db_url: str) -> dict[str, str]:
    """The demo accounts' addresses as written, by 户号 (the seeded outages are around them)."""
    with session_scope(db_url) as session:
        return {no: address.raw for no, address in demo_addresses(session).items()}


@pytest.fixture
def demo(db_url: str) -> dict[str, str]:
    """The demo accounts' addresses on the test's fresh database."""
    return demo_address_texts(db_url)
