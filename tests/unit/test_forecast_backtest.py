"""The backtest behind ``make eval-forecast``: its households, baselines and scoring."""
import math
from datetime import date

import pytest

from services import months
from services.billing.models import MeterReading
from services.billing.seed import generate
from services.forecasting import backtest

TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def houses():
    return backtest.households(3, TODAY, seed=1)


def test_the_households_are_the_seed_generators(houses):
    rows = generate(3, TODAY, 1, n_months=backtest.WINDOW).tables[MeterReading]
    assert len(houses) == 3 + 4  # and the demo accounts
    assert {h.account_no for h in houses} == {r["account_no"] for r in rows}
    first = houses[0]
    assert list(first.readings) == months.months_between("2024-06", "2026-11")  # 30 months ending last month
    reading = next(r for r in rows if r["account_no"] == first.account_no and r["period"] == "2026-11")
    assert first.readings["2026-11"].total == reading["peak_kwh"] + reading["flat_kwh"] + reading["valley_kwh"]


def test_the_naive_baselines_and_their_intervals():
    kwh = [100, 120, 110, 130, 90, 100, 140, 150, 120, 100, 105, 115, 110, 125]
    point, low, high, _ = backtest.naive(12)(kwh, "2026-02")
    # its interval: the 10th and 90th percentiles of its own past errors, here +10% and +4.2%
    errors = sorted([math.log(110 / 100), math.log(125 / 120)])
    q10, q90 = errors[0] + 0.1 * (errors[1] - errors[0]), errors[0] + 0.9 * (errors[1] - errors[0])
    assert (point, low, high) == (110, math.floor(110 * math.exp(q10)), math.ceil(110 * math.exp(q90)))
    assert backtest.naive(1)(kwh, "2026-02")[0] == 125
    assert backtest.naive(12)(kwh[:11], "2025-12") is None  # no same month last year yet


def test_every_origin_is_scored_from_the_months_before_it_only(houses, monkeypatch):
    seen = []

    def spy(kwh, last_month):
        seen.append((len(kwh), last_month))
        return kwh[-1], kwh[-1], kwh[-1], "spy"

    scores = backtest.run_regime(houses, 24, {"spy": spy, "model": backtest.by_model(None)})
    origins = sorted(set(seen))
    assert [n for n, _ in origins] == list(range(18, 24))  # the last 24 months: 18-23 known
    assert [m for _, m in origins] == months.months_between("2026-05", "2026-10")
    assert len(scores["spy"].ape) == len(scores["model"].ape) == 6 * len(houses)
    assert scores["model"].methods == {"same_month_last_year": 6 * len(houses)}
    assert 0 <= backtest.percent(scores["model"].hits) <= 100
