"""The kWh forecast of an account's coming months from its own monthly series.

Pure functions of the series (no database, no clock).  The method depends on how much
history there is (:func:`method_for`):

* ``harmonic_regression`` (24 months or more): log kWh regressed on the first three
  harmonics of the calendar month (sin and cos of 2πkm/12, k = 1-3: a summer and a winter
  peak of their own widths in six parameters rather than twelve monthly ones, which 2-3
  years cannot pin down) with AR(1) errors (a household above its usual level last month
  tends to stay above).  That is statsmodels' ARIMA(1,0,0) with exogenous regressors, the
  SARIMAX state-space family, estimated by GLS with Burg's AR estimator (a tenth of the
  time of full maximum likelihood).  A month more than 2.5 residual sds off the fit (a
  month away from home) is replaced by the fitted value and the model fitted again, for
  the centre only.  The 80% interval is the first fit's forecast variance on the log
  scale, widened for the k = 8 parameters estimated (variance x n/(n-k), t quantile with
  n-k degrees of freedom): the state-space variance takes the parameters as known.
* ``same_month_last_year`` (12-23 months: under two years the fallback): the kWh of the
  same month a year before.  (Scaling it by how the last three months compare with the
  same three a year before measured worse on the development draw: the ratio carries
  last season's weather and noise.)  Interval: this rule's own errors on the account's
  history (a t quantile, for their small number), or :data:`DEFAULT_LOG_SPREAD` while
  fewer than 3 exist.
* ``last_month`` (1-11 months): the latest month's kWh.  Without a year of history the
  season is unknown, and nothing in so short a series beat the latest month (the mean of
  the last three lagged behind the season's turns); the interval is
  :data:`DEFAULT_LOG_SPREAD` wide.

If the regression cannot be estimated (a degenerate series), the same month last year answers.
Every method forecasts the months after the history in turn (``path``); the interval is
for the last of them.  ``make eval-forecast`` measures each method (reports/forecast.md).
"""
from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from services import months

LEVEL = 0.80  # coverage of the prediction interval
MODEL_MIN_MONTHS = 24  # two years: the harmonic regression
SEASONAL_MIN_MONTHS = 12  # a year: the same month last year is known
MAX_HORIZON = 12  # the fallback looks back a year from the month it forecasts
HARMONICS = 3
REGRESSION_PARAMS = 2 + 2 * HARMONICS  # intercept, AR(1) coefficient, a sin and a cos per harmonic
OUTLIER_SD = 2.5  # a month this many residual sds off the fit is not let move the level
MIN_OWN_ERRORS = 3  # past errors of the fallback before its spread is measured, not assumed
# The spread (sd of log kWh) assumed where the account's history cannot measure one:
# chosen on the backtest's development draw (--seed 1), where last_month's interval with
# it held 76% of the actual months; reports/forecast.md measures it on the default draw.
DEFAULT_LOG_SPREAD = 0.30

Method = Literal["harmonic_regression", "same_month_last_year", "last_month"]
log = logging.getLogger("powerdesk.forecasting")


@dataclass(frozen=True)
class KwhForecast:
    """Point forecasts for the months after the history; the interval is for the last one."""

    method: Method
    path: tuple[int, ...]
    low: int
    high: int

    @property
    def kwh(self) -> int:
        return self.path[-1]


def method_for(history_months: int) -> Method:
    """The method a series of this many months gets."""
    if history_months >= MODEL_MIN_MONTHS:
        return "harmonic_regression"
    return "same_month_last_year" if history_months >= SEASONAL_MIN_MONTHS else "last_month"


def forecast(kwh: Sequence[int], last_month: str, horizon: int = 1, method: Method | None = None) -> KwhForecast:
    """Forecast the ``horizon`` months after ``last_month`` from ``kwh``, the consecutive
    months of usage ending with ``last_month``.  ``method`` forces one (the backtest)."""
    if not kwh:
        raise ValueError("no usage history to forecast from")
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be 1-{MAX_HORIZON} months")
    method = method or method_for(len(kwh))
    series = np.asarray(kwh, dtype=float)
    if method == "harmonic_regression":
        try:
            return _harmonic_regression(series, last_month, horizon)
        except Exception:  # any failure of the numerical fit: the simpler rule still answers
            log.warning("harmonic regression failed on %d months; using the same month last year", len(kwh),
                        exc_info=True)
            method = "same_month_last_year" if len(kwh) >= SEASONAL_MIN_MONTHS else "last_month"
    if method == "same_month_last_year":
        return _same_month_last_year(series, horizon)
    if method == "last_month":
        return _last_month(series, horizon)
    raise ValueError(f"unknown method {method!r}")


# ---------------------------------------------------------------------------- the model


def _harmonics(last_month: str, count: int, ahead: int) -> np.ndarray:
    """sin/cos regressors for the ``count`` months ending with ``last_month`` and the
    ``ahead`` months after it."""
    first = months.shift(last_month, 1 - count)
    calendar = np.array([int(m[5:]) for m in months.months_between(first, months.shift(last_month, ahead))])
    columns = []
    for k in range(1, HARMONICS + 1):
        angle = 2 * np.pi * k * calendar / 12
        columns += [np.cos(angle), np.sin(angle)]
    return np.column_stack(columns)


def _fit(log_kwh: np.ndarray, exog: np.ndarray):
    """Regression on ``exog`` with AR(1) errors, by GLS and Burg's estimator."""
    # Imported here: statsmodels (and pandas under it) take a second or two to import,
    # which the gateway's start-up should not pay for a route it may never call.
    from statsmodels.tsa.arima.model import ARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' convergence chatter; the forecast is checked instead
        return ARIMA(log_kwh, exog=exog, order=(1, 0, 0), trend="c").fit(method="burg")


def _without_outliers(log_kwh: np.ndarray, fitted) -> np.ndarray | None:
    """The series with months further than OUTLIER_SD residual sds from the fit (a month
    away, a meter estimate) replaced by the fitted value; None if there is none."""
    residuals = np.asarray(fitted.resid)
    outliers = np.abs(residuals) > OUTLIER_SD * residuals.std()
    return np.where(outliers, log_kwh - residuals, log_kwh) if outliers.any() else None


def _harmonic_regression(series: np.ndarray, last_month: str, horizon: int) -> KwhForecast:
    from scipy.stats import t as student_t  # see _fit

    n = len(series)
    exog = _harmonics(last_month, n, horizon)
    log_kwh = np.log(np.maximum(series, 1.0))
    raw = _fit(log_kwh, exog[:n])
    cleaned = _without_outliers(log_kwh, raw)
    centre = raw if cleaned is None else _fit(cleaned, exog[:n])
    # The centre from the cleaned series, so that one odd month does not move the level;
    # the spread from the raw one, because such months happen again.
    mean = np.asarray(centre.get_forecast(horizon, exog=exog[n:]).predicted_mean)
    variance = np.asarray(raw.get_forecast(horizon, exog=exog[n:]).var_pred_mean)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(variance))):
        raise ValueError("the regression gave no finite forecast")
    dof = n - REGRESSION_PARAMS
    spread = math.sqrt(max(float(variance[-1]), 0.0) * n / dof)
    return _from_log(mean, spread, float(student_t.ppf(0.5 + LEVEL / 2, dof)), "harmonic_regression")


# ---------------------------------------------------------------------------- the fallbacks


def _same_month_last_year(series: np.ndarray, horizon: int) -> KwhForecast:
    """Each month ahead at its kWh a year before; the interval from this rule's own errors
    on the history (a t quantile, for how few they are), or the default spread."""
    n = len(series)
    path = [float(series[n + step - 12]) for step in range(horizon)]
    errors = [math.log(max(series[j], 1.0) / max(series[j - 12], 1.0)) for j in range(12, n)]
    if len(errors) >= MIN_OWN_ERRORS:
        from scipy.stats import t as student_t  # see _fit

        spread = math.sqrt(sum(e * e for e in errors) / len(errors))
        quantile = float(student_t.ppf(0.5 + LEVEL / 2, len(errors)))
    else:
        spread, quantile = DEFAULT_LOG_SPREAD, _normal_quantile()
    return _from_log(np.log(np.maximum(path, 1.0)), spread, quantile, "same_month_last_year")


def _last_month(series: np.ndarray, horizon: int) -> KwhForecast:
    """The latest month's kWh, the same for every month ahead."""
    path = np.log(np.full(horizon, max(float(series[-1]), 1.0)))
    return _from_log(path, DEFAULT_LOG_SPREAD, _normal_quantile(), "last_month")


# ---------------------------------------------------------------------------- shared


def _normal_quantile() -> float:
    from scipy.stats import norm  # see _harmonic_regression

    return float(norm.ppf(0.5 + LEVEL / 2))


def _from_log(log_path: np.ndarray, spread: float, quantile: float, method: Method) -> KwhForecast:
    """Whole kWh from log-scale forecasts: the median (exp of the mean) and the interval
    exp(mean ± quantile x spread) around the last month."""
    last = float(log_path[-1])
    path = tuple(max(0, round(math.exp(float(v)))) for v in log_path)
    low = max(0, math.floor(math.exp(last - quantile * spread)))
    high = math.ceil(math.exp(last + quantile * spread))
    return KwhForecast(method, path, min(low, path[-1]), max(high, path[-1]))
