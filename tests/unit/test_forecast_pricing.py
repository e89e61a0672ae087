"""A forecast's bill, its saving tip and the in-process cache, on hand-made readings."""
from decimal import Decimal

import pytest

from services import months
from services.billing.tariff import Usage, compute_bill, find_plan
from services.errors import Conflict
from services.forecasting.cache import ForecastCache
from services.forecasting.model import KwhForecast
from services.forecasting.pricing import bill_for, cycle_kwh_before, peak_share, usage_for
from services.forecasting.tips import annual_tier_tip, counterpart, saving_tip, time_of_use_tip

ZJ, ZJ_TOU, BJ = find_plan("zhejiang-annual"), find_plan("zhejiang-annual-tou"), find_plan("beijing-monthly")


def test_the_tier_year_so_far_counts_only_its_own_months():
    kwh = {"2025-12": 500, "2026-01": 300, "2026-02": 200, "2026-03": 250}
    assert cycle_kwh_before(ZJ, kwh, "2026-03") == 500  # January and February, not last December
    assert cycle_kwh_before(ZJ, kwh, "2026-01") == 0
    assert cycle_kwh_before(BJ, kwh, "2026-03") == 0  # a monthly cycle starts afresh


def test_the_forecast_kwh_is_split_by_the_accounts_peak_share():
    share = peak_share([Usage(peak=60, valley=40), Usage(peak=90, valley=10)])
    assert share == Decimal(150) / 200
    assert usage_for(ZJ_TOU, 300, share) == Usage(peak=225, valley=75)
    assert usage_for(ZJ, 300, share) == Usage(flat=300)  # no time-of-use: all flat
    assert peak_share([Usage(flat=300)]) is None
    with pytest.raises(Conflict):
        usage_for(ZJ_TOU, 300, None)


def test_the_bill_is_the_tariff_engines():
    # 2700 kWh earlier in the year: 60 in tier 1 at 0.538, 240 in tier 2 at 0.588
    assert bill_for(ZJ, 300, 2700, None).total == compute_bill(ZJ, 300, 2700).total == Decimal("173.40")
    share = Decimal("0.6")
    assert bill_for(ZJ_TOU, 300, 2700, share).total == compute_bill(ZJ_TOU, Usage(peak=180, valley=120), 2700).total


def test_the_annual_tier_tip_says_how_far_the_next_tier_is():
    tip = annual_tier_tip(ZJ, "2026-11", 2500, 300)
    assert tip == {"kind": "annual_tier", "cycle_start": "2026-01", "used_before_kwh": 2500, "tier": 1, "next_tier": 2,
                   "next_tier_from_kwh": 2761, "kwh_to_next_tier": 260, "price": "0.538", "next_tier_price": "0.588",
                   "forecast_reaches_next_tier": True}
    assert annual_tier_tip(ZJ, "2026-11", 2000, 300)["forecast_reaches_next_tier"] is False
    full = annual_tier_tip(ZJ, "2026-11", 2760, 10)  # tier 1 used up: the next kWh is tier 2's
    assert (full["tier"], full["kwh_to_next_tier"]) == (2, 4800 - 2760)
    assert annual_tier_tip(ZJ, "2026-11", 5000, 300) is None  # already in the last tier
    assert annual_tier_tip(BJ, "2026-11", 0, 300) is None  # monthly tiers


def _tou_year(last_month: str) -> dict[str, Usage]:
    first = months.shift(last_month, -23)
    return {m: Usage(peak=200 + i, valley=120 + 2 * i) for i, m in enumerate(months.months_between(first, last_month))}


def test_the_time_of_use_tip_bills_the_last_year_both_ways():
    readings = _tou_year("2026-10")
    window = list(readings)[-12:]
    assert counterpart(ZJ_TOU) == ZJ and counterpart(ZJ) == ZJ_TOU and counterpart(BJ) is None
    tip = time_of_use_tip(ZJ_TOU, readings, window)
    totals = {m: u.total for m, u in readings.items()}
    with_tou = sum(compute_bill(ZJ_TOU, readings[m], cycle_kwh_before(ZJ_TOU, totals, m)).total for m in window)
    without = sum(compute_bill(ZJ, readings[m].total, cycle_kwh_before(ZJ, totals, m)).total for m in window)
    assert tip["amount_with_time_of_use"] == f"{with_tou:.2f}"
    assert tip["amount_without_time_of_use"] == f"{without:.2f}"
    assert Decimal(tip["saving_with_time_of_use"]) == without - with_tou > 0  # a third of it at valley prices
    assert (tip["first_month"], tip["last_month"]) == ("2025-11", "2026-10")
    assert tip["kwh"] == tip["peak_kwh"] + tip["valley_kwh"] == sum(totals[m] for m in window)


def test_one_tip_the_first_that_applies():
    tou = saving_tip(ZJ_TOU, _tou_year("2026-10"), "2026-11", 3000, 300)
    assert tou["kind"] == "time_of_use"
    flat = {m: Usage(flat=u.total) for m, u in _tou_year("2026-10").items()}
    assert saving_tip(ZJ, flat, "2026-11", 3000, 300)["kind"] == "annual_tier"  # no split: the tier tip
    assert saving_tip(BJ, flat, "2026-11", 0, 300) is None


def test_the_cache_answers_again_only_for_the_same_history():
    cache, calls = ForecastCache(max_entries=2), []

    def compute(kwh: int):
        def run() -> KwhForecast:
            calls.append(kwh)
            return KwhForecast("last_month", (kwh,), kwh - 10, kwh + 10)
        return run

    first = cache.get_or_compute("3300000001", "2026-12", ("2026-11", (1, 2)), compute(300))
    again = cache.get_or_compute("3300000001", "2026-12", ("2026-11", (1, 2)), compute(999))
    assert again is first and calls == [300] and (cache.hits, cache.misses) == (1, 1)
    changed = cache.get_or_compute("3300000001", "2026-12", ("2026-11", (1, 3)), compute(310))
    assert changed.kwh == 310 and calls == [300, 310]
    cache.get_or_compute("3300000002", "2026-12", (), compute(1))
    cache.get_or_compute("3300000003", "2026-12", (), compute(2))
    assert len(cache) == 2  # the oldest went first
    cache.get_or_compute("3300000001", "2026-12", ("2026-11", (1, 3)), compute(320))
    assert calls[-1] == 320
