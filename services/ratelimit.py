"""Rate limits shared by every process: counters in the services' database.

Why the database: the gateway may run as several worker processes (and the services as
another), and a limit kept in one process's memory is multiplied by the number of
processes.  A small table (``rate_limits``, migration 0009_hardening) works the same on
SQLite and PostgreSQL, and the time comes from the one clock (``services/clock.py``), so
tests move it instead of sleeping.

The algorithm is the "sliding window counter": one row per key and fixed window counts
the hits in that window; a hit is allowed when

    hits in the current window + hits in the previous window x (the part of the previous
    window still inside the sliding one)

stays within the limit.  That smooths the burst a plain fixed window allows at its edge
(up to twice the limit) with two rows per key.  A refused hit is not counted, so a client
that waits ``retry_after_s`` is let through, however often it was refused before.

Keys are hashed before they are stored (with the window length, so one key can be limited
over two windows): the table holds no IP address, account number or session id.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import BigInteger, Engine, Float, Integer, String, delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from services import clock
from services.db import Base, make_engine, transaction
from services.settings import get_settings

# Rows whose windows ended this many windows ago are no longer read and may be deleted.
STALE_AFTER_WINDOWS = 2
# Every this many hits (per process) the expired rows of every key are deleted.
PURGE_EVERY_HITS = 500


class RateLimitRow(Base):
    """How many hits one key made in one fixed window."""

    __tablename__ = "rate_limits"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # floor(epoch seconds / window_s)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds; then the row is garbage


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    """The limiter's own connections to the services' database, committing without
    waiting for the disk: a count lost to a power cut is harmless, an fsync on every
    request is not (about 25 ms a commit on this machine's disk).  SQLite in WAL mode with
    synchronous=NORMAL stays consistent; PostgreSQL's synchronous_commit=off likewise."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_wait_for_disk(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=NORMAL" if url.startswith("sqlite") else "SET synchronous_commit TO OFF")
        cur.close()
        if not url.startswith("sqlite"):
            dbapi_conn.commit()

    return engine


@lru_cache(maxsize=4)
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=_engine(url))


@contextmanager
def _limiter_session(url: str | None = None) -> Iterator[Session]:
    """A session on the limiter's engine that commits on success, rolls back on error."""
    with transaction(_sessionmaker(url or get_settings().database_url)) as session:
        yield session


@dataclass(frozen=True)
class Decision:
    """The answer to one hit: allowed or not, and when to try again if not."""

    allowed: bool
    retry_after_s: float  # 0 when allowed
    refused_by: int = -1  # hit_all: the index of the limit that refused

    @property
    def retry_after_header(self) -> str:
        """The ``Retry-After`` header value: whole seconds, rounded up, at least 1."""
        return str(max(1, math.ceil(self.retry_after_s)))


def key_hash(key: str, window_s: float) -> str:
    return hashlib.sha256(f"{window_s:g}|{key}".encode("utf-8", "surrogatepass")).hexdigest()


def estimate(current: int, previous: int, elapsed_s: float, window_s: float) -> float:
    """Hits within the last ``window_s`` seconds, assuming the previous window's were even."""
    return current + previous * (1.0 - elapsed_s / window_s)


def wait_until_allowed(current: int, previous: int, elapsed_s: float, window_s: float, limit: int) -> float:
    """Seconds from now until one more hit fits under ``limit`` if none comes meanwhile."""
    if current + 1 <= limit and previous > 0:
        # Still in this window: the previous window's weight must shrink enough.
        fraction = 1.0 - (limit - current - 1) / previous
        wait = fraction * window_s - elapsed_s
        if wait <= window_s - elapsed_s:
            return max(wait, 0.0)
    # In the next window the current one becomes "previous": its weight must shrink.
    rest_of_window = window_s - elapsed_s
    if current == 0:
        return rest_of_window
    return rest_of_window + max(0.0, 1.0 - (limit - 1) / current) * window_s


def _counts(session: Session, digest: str, window: int) -> tuple[int, int]:
    """Hits in ``window`` and in the one before it (one query)."""
    rows = dict(session.execute(
        select(RateLimitRow.window_no, RateLimitRow.hits)
        .where(RateLimitRow.key_hash == digest, RateLimitRow.window_no.in_((window, window - 1)))
    ).all())
    return rows.get(window, 0), rows.get(window - 1, 0)


def _bump(session: Session, digest: str, window: int, hits: int) -> int:
    """hits += ``hits`` on the row of (``digest``, ``window``); how many rows changed."""
    return session.execute(
        update(RateLimitRow).where(RateLimitRow.key_hash == digest, RateLimitRow.window_no == window)
        .values(hits=RateLimitRow.hits + hits)
    ).rowcount


def _increment(session: Session, digest: str, window: int, expires_at: float) -> None:
    """hits += 1 on the row, creating it; a parallel creator's row is incremented instead."""
    if _bump(session, digest, window, 1):
        return
    try:
        with session.begin_nested():
            session.add(RateLimitRow(key_hash=digest, window_no=window, hits=1, expires_at=expires_at))
    except IntegrityError:  # another process inserted it first
        _bump(session, digest, window, 1)


@dataclass(frozen=True)
class _Slot:
    """Where one hit on a key lands now."""

    digest: str
    window: int
    elapsed: float
    window_s: float
    limit: int

    @classmethod
    def now(cls, key: str, limit: int, window_s: float) -> "_Slot":
        now = clock.utcnow().timestamp()
        window = math.floor(now / window_s)
        return cls(key_hash(key, window_s), window, now - window * window_s, window_s, limit)


def _decide(session: Session, slot: _Slot) -> Decision:
    """Count the hit and decide (the caller takes it back when refused)."""
    # The write first: on PostgreSQL it locks the row, on SQLite it takes the write lock,
    # so parallel hits on one key are counted one after the other.
    _increment(session, slot.digest, slot.window, (slot.window + 1 + STALE_AFTER_WINDOWS) * slot.window_s)
    current, previous = _counts(session, slot.digest, slot.window)
    if estimate(current, previous, slot.elapsed, slot.window_s) <= slot.limit:
        return Decision(True, 0.0)
    return Decision(False, wait_until_allowed(current - 1, previous, slot.elapsed, slot.window_s, slot.limit))


_hits_since_purge = 0


def purge_expired(url: str | None = None) -> int:
    """Delete the rows no hit will read again; returns how many."""
    with _limiter_session(url) as session:
        result = session.execute(delete(RateLimitRow).where(RateLimitRow.expires_at < clock.utcnow().timestamp()))
        return result.rowcount or 0


def hit_all(limits: list[tuple[str, int, float]], url: str | None = None) -> Decision:
    """One request against several limits ``(key, limit, window_s)``, in one transaction:
    counted on all of them if every one allows it, on none if any refuses (so a refused
    request costs the client nothing); the first refusal is returned.

    ``url`` is the database (default: the services' database from the settings).  Blocking
    (a database round trip): call it from a thread in async code."""
    global _hits_since_purge
    if any(limit < 1 or window_s <= 0 for _, limit, window_s in limits):
        raise ValueError("a rate limit needs limit >= 1 and window_s > 0")
    slots = [_Slot.now(key, limit, window_s) for key, limit, window_s in limits]
    refusal = None
    with _limiter_session(url) as session:
        for index, slot in enumerate(slots):
            decision = _decide(session, slot)
            if not decision.allowed:
                refusal = Decision(False, decision.retry_after_s, index)
                for counted in slots[: index + 1]:  # take back every hit of this request
                    _bump(session, counted.digest, counted.window, -1)
                break
    _hits_since_purge += 1
    if _hits_since_purge >= PURGE_EVERY_HITS:
        _hits_since_purge = 0
        purge_expired(url)
    return refusal or Decision(True, 0.0)


def hit(key: str, limit: int, window_s: float, url: str | None = None) -> Decision:
    """Count one hit on ``key`` if at most ``limit`` hits fall within ``window_s`` seconds
    (refused hits are not counted)."""
    return hit_all([(key, limit, window_s)], url)


def peek(key: str, limit: int, window_s: float, url: str | None = None) -> Decision:
    """Would a hit on ``key`` be allowed now?  Counts nothing."""
    slot = _Slot.now(key, limit, window_s)
    with _limiter_session(url) as session:
        current, previous = _counts(session, slot.digest, slot.window)
    if estimate(current + 1, previous, slot.elapsed, window_s) <= limit:
        return Decision(True, 0.0)
    return Decision(False, wait_until_allowed(current, previous, slot.elapsed, window_s, limit))
