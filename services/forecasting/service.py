"""An account's forecast: next month's kWh with its 80% interval, the bill for that kWh,
the same month last year, and a saving tip's data.

"Next month" is the period of the account's next bill: the current month by the one
clock, read at its end and billed early in the month after (the billing summary's
``next_bill``), or the month after the latest reading if the readings already cover it.
The forecast uses the account's own readings only: the consecutive months ending with
the latest one (:mod:`services.forecasting.model`); months between that reading and the
forecast month, if any, count at their forecast in the tier cycle.

Takes a ``Session`` and plain values and returns a JSON-ready dict (money as "123.40"
strings), raises :mod:`services.errors`; knows nothing of HTTP.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import clock, months
from services.billing.models import Bill, MeterReading
from services.billing.service import get_account, money
from services.billing.tariff import Usage, find_plan
from services.errors import NotFound
from services.forecasting import model
from services.forecasting.cache import forecasts
from services.forecasting.pricing import SHARE_MONTHS, bill_for, cycle_kwh_before, peak_share
from services.forecasting.tips import saving_tip


def forecast_for_account(session: Session, account_no: str, today: date | None = None) -> dict:
    """The forecast of the account's next bill; NotFound for an unknown account or one
    without a reading in the last year, Invalid for a malformed account number."""
    account = get_account(session, account_no)
    plan = find_plan(account.tariff_plan)
    readings = _readings(session, account.account_no)
    if not readings:
        raise NotFound("no_usage_history", f"Account {account_no} has no meter readings to forecast from",
                       "该户暂无抄表记录，无法预测电费。")
    history = _consecutive_tail(readings)
    last = history[-1][0]
    month = max(months.month_of(today or clock.today()), months.shift(last, 1))
    ahead = months.months_between(months.shift(last, 1), month)
    if len(ahead) > model.MAX_HORIZON:
        raise NotFound("no_recent_usage", f"Account {account_no} has no meter reading in the last year",
                       "该户近一年没有抄表记录，无法预测电费。")
    kwh_history = tuple(kwh for _, kwh in history)
    predicted = forecasts.get_or_compute(account.account_no, month, (last, kwh_history),
                                         lambda: model.forecast(kwh_history, last, len(ahead)))
    totals = {m: u.total for m, u in readings.items()} | dict(zip(ahead[:-1], predicted.path[:-1]))
    used_before = cycle_kwh_before(plan, totals, month)
    share = peak_share(list(readings.values())[-SHARE_MONTHS:])
    amount, low, high = (bill_for(plan, kwh, used_before, share).total
                         for kwh in (predicted.kwh, predicted.low, predicted.high))
    return {
        "account_no": account.account_no,
        "month": month,
        "kwh": predicted.kwh,
        "kwh_low": predicted.low,
        "kwh_high": predicted.high,
        "amount": money(amount),
        "amount_low": money(low),
        "amount_high": money(high),
        "method": predicted.method,
        "history_months": len(history),
        "compared_to_last_year": _last_year(session, account.account_no, readings, month, predicted.kwh, amount),
        "saving_tip": saving_tip(plan, readings, month, used_before, predicted.kwh),
    }


def _readings(session: Session, account_no: str) -> dict[str, Usage]:
    """The account's metered usage per month, oldest first."""
    rows = session.scalars(select(MeterReading).where(MeterReading.account_no == account_no)
                           .order_by(MeterReading.period)).all()
    return {r.period: Usage(peak=r.peak_kwh, flat=r.flat_kwh, valley=r.valley_kwh) for r in rows}


def _consecutive_tail(readings: dict[str, Usage]) -> list[tuple[str, int]]:
    """(month, kWh) of the consecutive months ending with the latest reading: a gap in
    the readings starts the series afresh after it."""
    tail: list[tuple[str, int]] = []
    for period in reversed(list(readings)):
        if tail and period != months.shift(tail[-1][0], -1):
            break
        tail.append((period, readings[period].total))
    return tail[::-1]


def _last_year(session: Session, account_no: str, readings: dict[str, Usage], month: str, kwh: int,
               amount: Decimal) -> dict | None:
    """The same month a year before, and how the forecast compares (None without a reading)."""
    earlier = months.shift(month, -12)
    usage = readings.get(earlier)
    if usage is None:
        return None
    billed = session.scalar(select(Bill.total_amount).where(Bill.account_no == account_no, Bill.period == earlier))
    return {
        "month": earlier,
        "kwh": usage.total,
        "amount": money(billed),
        "kwh_change_percent": _change_percent(Decimal(kwh), Decimal(usage.total)),
        "amount_change_percent": None if billed is None else _change_percent(amount, Decimal(billed)),
    }


def _change_percent(new: Decimal, old: Decimal) -> float | None:
    """(new - old) / old in percent, one decimal; None when ``old`` is zero."""
    if old == 0:
        return None
    return float(((new - old) * 100 / old).quantize(Decimal("0.1")))
