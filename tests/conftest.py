"""Suite-wide options.

``--clock=year-ahead`` or ``--clock=month-end`` moves the one clock (``services.clock``)
for the whole run: for this process and, through the environment, for every process the
fixtures start (gateway, Rasa, action server).  ``make test`` runs the billing and
dialogue tests once more under each, so the suite is shown to pass on any date.
"""
from __future__ import annotations

import calendar
import os
from datetime import datetime, time

import pytest

from services import clock
# The real stack's fixtures (Rasa, action server, services, gateway: one per test session).
from tests.stack import billing, customer, gateway_url, outage, spare_account, stack, stack_db, stack_settings  # noqa: F401

CLOCKS = ("real", "year-ahead", "month-end")


def pytest_addoption(parser) -> None:
    parser.addoption("--clock", choices=CLOCKS, default="real",
                     help="run with the clock moved: a year ahead, or to noon on the last day of this month")


def moved_clock(name: str) -> datetime | None:
    """The instant the clock should read now under ``name`` (None: the real time)."""
    today = clock.today()
    if name == "year-ahead":
        day = today.replace(year=today.year + 1, day=min(today.day, 28) if today.month == 2 else today.day)
        return datetime.combine(day, clock.now().timetz())
    if name == "month-end":
        last = calendar.monthrange(today.year, today.month)[1]
        return datetime.combine(today.replace(day=last), time(12, 0), tzinfo=clock.CHINA)
    return None


def pytest_configure(config) -> None:
    target = moved_clock(config.getoption("--clock"))
    if target is not None:
        os.environ[clock.OFFSET_ENV] = str(clock.offset_to(target))


def pytest_report_header(config) -> str:
    return f"clock: {config.getoption('--clock')} (today {clock.today().isoformat()} in China)"


@pytest.fixture
def move_clock(monkeypatch):
    """``move_clock(minutes)``: the clock reads that many minutes after the test started
    (on top of any ``--clock`` move of the whole run)."""
    start = clock.offset().total_seconds()

    def move(minutes: float) -> None:
        monkeypatch.setenv(clock.OFFSET_ENV, str(start + minutes * 60))

    return move
