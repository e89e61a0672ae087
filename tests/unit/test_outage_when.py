"""The days a customer names for planned outages (services/outage/when.py)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.outage.when import days_asked

TODAY = date(2026, 12, 3)  # a Thursday


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.mark.parametrize("text, expected", [
    ("文三路188号明天会停电吗", (day(1), day(1))),
    ("后天呢", (day(2), day(2))),
    ("今天下午两点到五点停电吗", (day(0), day(0))),
    ("西湖区下周有没有计划停电", (date(2026, 12, 7), date(2026, 12, 13))),
    ("下周三上午会停电吗", (date(2026, 12, 9), date(2026, 12, 9))),
    ("12月5号停不停电", (date(2026, 12, 5), date(2026, 12, 5))),
    ("这两天我家那边停电吗", (day(0), day(1))),
    ("最近有计划停电吗", (day(0), day(6))),
])
def test_the_days_named_are_read_relative_to_today(text: str, expected: tuple[date, date]) -> None:
    assert days_asked(text, TODAY) == expected


def test_house_numbers_are_not_years() -> None:
    address = "嘉兴市南湖区和平里街172号19幢2103室"
    assert days_asked(f"{address}明天会停电吗", TODAY, address) == (day(1), day(1))
    assert days_asked("和平里街172号19幢2103室停电吗", TODAY) is None


def test_no_time_named_leaves_the_default_to_the_service() -> None:
    assert days_asked("文三路188号有停电计划吗", TODAY) is None


def test_the_same_words_move_with_today() -> None:
    later = date(2027, 2, 27)
    assert days_asked("明天停电吗", later) == (date(2027, 2, 28), date(2027, 2, 28))
