"""The kWh forecast's methods on series whose answer is known (services/forecasting/model.py)."""
import math

import numpy as np
import pytest
from scipy.stats import norm, t as student_t

from services import months
from services.forecasting import model

SEASON = [1.35, 1.25, 1.00, 0.85, 0.90, 1.15, 1.60, 1.70, 1.20, 0.90, 0.95, 1.25]  # Jan..Dec


def seasonal_series(n: int, last_month: str, base: float = 200.0, noise: float = 0.05, seed: int = 7) -> list[int]:
    """``n`` months ending with ``last_month``: base x the season x log-normal noise."""
    rng = np.random.default_rng(seed)
    first = months.shift(last_month, 1 - n)
    return [round(base * SEASON[int(m[5:]) - 1] * math.exp(rng.normal(0, noise)))
            for m in months.months_between(first, last_month)]


@pytest.mark.parametrize(("history", "method"), [
    (36, "harmonic_regression"), (24, "harmonic_regression"), (23, "same_month_last_year"),
    (12, "same_month_last_year"), (11, "last_month"), (1, "last_month"),
])
def test_the_method_follows_the_length_of_the_history(history, method):
    assert model.method_for(history) == method
    assert model.forecast(seasonal_series(history, "2026-10"), "2026-10").method == method


def test_the_model_finds_the_season_and_its_interval_holds_the_point():
    kwh = seasonal_series(30, "2026-06")  # next: July, 1.60 x 200 = 320 kWh
    result = model.forecast(kwh, "2026-06")
    assert result.method == "harmonic_regression"
    assert result.low <= result.kwh <= result.high
    assert 290 <= result.kwh <= 350  # the summer rise, not June's level (~230)
    assert result.high / result.low < 1.5  # 5% noise: a narrow interval


def test_the_interval_widens_with_the_noise():
    quiet = model.forecast(seasonal_series(30, "2026-06", noise=0.03), "2026-06")
    noisy = model.forecast(seasonal_series(30, "2026-06", noise=0.20), "2026-06")
    assert noisy.high / noisy.low > quiet.high / quiet.low


def test_a_longer_horizon_forecasts_every_month_on_the_way():
    kwh = seasonal_series(26, "2026-06")
    one, three = model.forecast(kwh, "2026-06", 1), model.forecast(kwh, "2026-06", 3)
    assert len(three.path) == 3 and three.kwh == three.path[-1]
    assert three.path[0] == one.kwh  # the same fit, one step
    assert three.low <= three.kwh <= three.high


def test_under_two_years_each_month_is_forecast_at_last_years():
    last_year = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210]
    kwh = last_year + [round(v * 1.1) for v in last_year[:6]]  # 18 months, the last 6 up 10%
    result = model.forecast(kwh, "2026-06", 2)
    assert result.method == "same_month_last_year" and result.path == (160, 170)
    # its 6 past errors are all log(1.1): the interval is a t(6) quantile of that around the point
    spread = student_t.ppf(0.9, 6) * math.log(1.1)
    assert (result.low, result.high) == (math.floor(170 * math.exp(-spread)), math.ceil(170 * math.exp(spread)))
    short = model.forecast(kwh[:14], "2026-02")  # 2 past errors: the default spread
    spread = norm.ppf(0.9) * model.DEFAULT_LOG_SPREAD
    assert (short.kwh, short.low, short.high) == (120, math.floor(120 * math.exp(-spread)),
                                                  math.ceil(120 * math.exp(spread)))


def test_a_young_account_gets_its_last_month_and_the_default_spread():
    result = model.forecast([200, 230, 260, 290], "2026-06")
    assert result.method == "last_month" and result.kwh == 290
    assert result.high / result.low == pytest.approx(math.exp(2 * norm.ppf(0.9) * model.DEFAULT_LOG_SPREAD), rel=0.02)


def test_a_constant_series_gives_that_constant():
    result = model.forecast([250] * 24, "2026-06")
    assert result.kwh == 250 and result.low <= 250 <= result.high


def test_when_the_regression_cannot_be_fitted_the_same_month_last_year_answers(monkeypatch):
    def broken(*_args):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(model, "_harmonic_regression", broken)
    result = model.forecast(seasonal_series(24, "2026-06"), "2026-06")
    assert result.method == "same_month_last_year"


@pytest.mark.parametrize(("kwh", "horizon"), [([], 1), ([100] * 24, 0), ([100] * 24, 13)])
def test_what_cannot_be_forecast_is_refused(kwh, horizon):
    with pytest.raises(ValueError):
        model.forecast(kwh, "2026-06", horizon)
