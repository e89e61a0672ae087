"""Database plumbing: the declarative base, engines, sessions, migrations, a liveness check.

SQLite is the embedded default and PostgreSQL the production choice; the same models
and Alembic migrations serve both.  SQL is written in ``services/`` and in ``handoff/``
(the agents' functions on the same database), and in the scripts that seed or start a
cluster; the gateway (``api/``) and the action server (``actions/``) write none: they
call plain functions (the gateway's health check calls :func:`is_up`).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from services import clock
from services.errors import ServiceError
from services.settings import get_settings

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class StorageUnavailable(ServiceError):
    """The database cannot be reached (down, restarting, a dropped connection): nothing
    of the request was stored, so the client should keep what it sent and send it again
    (503 with Retry-After, api/errors.py).  Raised instead of the driver's error, so
    callers need no SQLAlchemy to tell an outage from a bug."""
    status_code = 503
    retry_after_s = 5

    def __init__(self) -> None:
        super().__init__("storage_unavailable",
                         "The database is unavailable; nothing was stored. Send the request again in a few seconds.",
                         "系统正在恢复，刚才的消息没有发送成功，请稍后重新发送。")


# SQLite reports every error as OperationalError, a missing table or bad SQL too; these
# are the ones that pass.
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "unable to open database file",
                    "disk I/O error")


def unreachable(exc: BaseException) -> bool:
    """The error says the database could not be reached or was too busy (not that the
    statement or the schema was wrong)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if type(exc.orig).__module__.startswith("sqlite3"):
        return any(fragment in str(exc.orig) for fragment in SQLITE_TRANSIENT)
    return True  # PostgreSQL: a refused or dropped connection, a restart, a cancelled statement


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timestamps are stored in UTC, from the one clock; the bot shows them in China time."""
    return clock.utcnow()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout so that
    the gateway, the services and scripts can share one file safely."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(get_settings().database_url)


def is_up() -> bool:
    """Whether the configured database answers a trivial query (for /healthz)."""
    try:
        with default_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "down" for a health check
        return False


@lru_cache(maxsize=4)
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with transaction(_sessionmaker(url or get_settings().database_url)) as session:
        yield session


@contextmanager
def transaction(maker: sessionmaker[Session]) -> Iterator[Session]:
    """A session from ``maker`` that commits on success and rolls back on any error (the
    rate limiter uses it with its own engine).  A database that cannot be reached is
    :class:`StorageUnavailable`; the pool pings a connection before lending it
    (``pool_pre_ping``), so once the database is back the next transaction works."""
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        _roll_back(session)
        if unreachable(exc):
            raise StorageUnavailable() from exc
        raise
    finally:
        session.close()


def _roll_back(session: Session) -> None:
    """Roll back; on a connection that is already gone the rollback fails too, and that
    second error must not hide the first."""
    try:
        session.rollback()
    except DBAPIError:
        pass


def migrate(url: str | None = None) -> None:
    """Bring the database at ``url`` to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    from services.settings import REPO_ROOT

    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "services" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    command.upgrade(cfg, "head")
