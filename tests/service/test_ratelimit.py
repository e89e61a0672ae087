"""The shared rate limiter (services/ratelimit.py) on a real database, SQLite and PostgreSQL:
limits hold, waiting Retry-After is enough, the window slides, and parallel threads and
separate processes share one count."""
from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sqlalchemy import select

from services import clock, ratelimit
from services.db import session_scope

WINDOW = 3600.0  # long, so the real seconds a test takes are a negligible part of it


@pytest.fixture
def at_window_start(monkeypatch):
    """``at_window_start(fraction=0.0, windows=0)``: pin the clock just after the start of a
    window (plus ``fraction`` of one, ``windows`` windows later than the next boundary)."""
    base = clock.offset().total_seconds()

    def move(fraction: float = 0.0, windows: int = 0) -> None:
        now = clock.utcnow().timestamp() - (clock.offset().total_seconds() - base)  # clock without our move
        boundary = (math.floor(now / WINDOW) + 1 + windows) * WINDOW
        monkeypatch.setenv(clock.OFFSET_ENV, str(base + boundary + fraction * WINDOW + 0.01 - now))

    return move


def hits(url: str, key: str, n: int, limit: int) -> list[ratelimit.Decision]:
    return [ratelimit.hit(key, limit, WINDOW, url=url) for _ in range(n)]


def test_the_limit_holds_and_refusals_say_when_to_come_back(db_url, at_window_start):
    at_window_start()
    decisions = hits(db_url, "chat:ip:203.0.113.7", 4, limit=3)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    refused = decisions[-1]
    # Three hits at the start of a window weigh 1 + 3 x (1 - t/W) <= 3 only a third into the next.
    assert refused.retry_after_s == pytest.approx(WINDOW * 4 / 3, abs=5)
    assert refused.retry_after_header.isdigit() and int(refused.retry_after_header) >= 1
    # Another key has its own count.
    assert ratelimit.hit("chat:ip:198.51.100.1", 3, WINDOW, url=db_url).allowed


def test_waiting_retry_after_is_enough_and_refusals_are_not_counted(db_url, at_window_start, monkeypatch):
    at_window_start()
    hits(db_url, "k", 3, limit=3)
    refused = hits(db_url, "k", 20, limit=3)  # hammering while refused changes nothing
    assert not any(d.allowed for d in refused)
    wait = refused[-1].retry_after_s
    monkeypatch.setenv(clock.OFFSET_ENV, str(clock.offset().total_seconds() + wait - 5))
    assert not ratelimit.peek("k", 3, WINDOW, url=db_url).allowed
    monkeypatch.setenv(clock.OFFSET_ENV, str(clock.offset().total_seconds() + 6))
    assert ratelimit.hit("k", 3, WINDOW, url=db_url).allowed


def test_the_window_slides_over_the_boundary(db_url, at_window_start):
    at_window_start(fraction=0.9)  # all three hits late in one window ...
    assert all(d.allowed for d in hits(db_url, "slide", 3, limit=3))
    at_window_start(fraction=0.1, windows=1)  # ... still count just after the boundary
    assert not ratelimit.hit("slide", 3, WINDOW, url=db_url).allowed
    at_window_start(fraction=0.7, windows=1)  # 3 x 0.3 left of them: room for two more
    assert [d.allowed for d in hits(db_url, "slide", 3, limit=3)] == [True, True, False]


def test_peek_counts_nothing(db_url, at_window_start):
    at_window_start()
    for _ in range(5):
        assert ratelimit.peek("peek", 1, WINDOW, url=db_url).allowed
    assert ratelimit.hit("peek", 1, WINDOW, url=db_url).allowed
    assert not ratelimit.peek("peek", 1, WINDOW, url=db_url).allowed


def test_parallel_threads_share_one_count(db_url, at_window_start):
    at_window_start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        decisions = list(pool.map(lambda _: ratelimit.hit("race", 25, WINDOW, url=db_url), range(60)))
    assert sum(d.allowed for d in decisions) == 25


def _hits_in_another_process(url: str, offset: str, n: int) -> int:
    import os

    from services import clock as child_clock, ratelimit as child_ratelimit

    os.environ[child_clock.OFFSET_ENV] = offset
    return sum(child_ratelimit.hit("processes", 15, WINDOW, url=url).allowed for _ in range(n))


def test_separate_processes_share_one_count(db_url, at_window_start):
    at_window_start()
    offset = str(clock.offset().total_seconds())
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        allowed = list(pool.map(_hits_in_another_process, [db_url] * 2, [offset] * 2, [10, 10]))
    assert sum(allowed) == 15


def test_keys_are_stored_hashed_and_old_rows_are_purged(db_url, at_window_start):
    at_window_start()
    ratelimit.hit("verify:account:3300000001", 5, WINDOW, url=db_url)
    with session_scope(db_url) as session:
        stored = session.scalars(select(ratelimit.RateLimitRow.key_hash)).all()
    assert stored and not any("3300000001" in k for k in stored)
    assert ratelimit.purge_expired(db_url) == 0
    at_window_start(windows=ratelimit.STALE_AFTER_WINDOWS + 1)
    assert ratelimit.purge_expired(db_url) == len(stored)


def test_nonsense_limits_are_refused():
    with pytest.raises(ValueError):
        ratelimit.hit("k", 0, 60)
    with pytest.raises(ValueError):
        ratelimit.hit("k", 1, 0)


def test_migration_0009_goes_down_and_up(db_url):
    from alembic import command
    from sqlalchemy import inspect

    from services.db import engine_for, migrate
    from tests.service.test_billing_migration import alembic_config

    engine_for(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0006_outbox")
    names = set(inspect(engine_for(db_url)).get_table_names())
    assert not {"rate_limits", "idempotency_keys"} & names
    assert "uq_payments_idempotency_key" in {c["name"] for c in inspect(engine_for(db_url)).get_unique_constraints("payments")}
    engine_for(db_url).dispose()
    migrate(db_url)
    assert {"rate_limits", "idempotency_keys"} <= set(inspect(engine_for(db_url)).get_table_names())


def test_hit_all_counts_a_request_on_every_limit_or_on_none(db_url, at_window_start):
    at_window_start()
    limits = [("all:ip", 5, WINDOW), ("all:session", 2, WINDOW)]
    assert ratelimit.hit_all(limits, url=db_url).allowed
    assert ratelimit.hit_all(limits, url=db_url).allowed
    refused = ratelimit.hit_all(limits, url=db_url)
    assert not refused.allowed and refused.refused_by == 1
    # The refused request did not use up the IP's count: three more fit under its 5.
    assert [ratelimit.hit("all:ip", 5, WINDOW, url=db_url).allowed for _ in range(4)] == [True, True, True, False]
