"""A forecast kWh billed by the tariff engine, the way the account's bill would be.

The engine (:mod:`services.billing.tariff`) cuts the tiers and prices the lines; this
module only derives the engine's inputs from the account's own readings: the kWh used
earlier in the tier cycle, and on a time-of-use plan how the kWh splits into peak and
valley.  Pure functions of readings (``{month: Usage}``), so the service and the
backtest bill a forecast the same way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from services.billing.tariff import BillBreakdown, TariffPlan, Usage, compute_bill
from services.errors import Conflict

SHARE_MONTHS = 12  # the peak share of a forecast month: the account's last year of readings


def cycle_kwh_before(plan: TariffPlan, kwh_by_month: Mapping[str, int], month: str) -> int:
    """kWh in ``kwh_by_month`` from the months of ``month``'s tier cycle before it (0 on a
    monthly cycle): the ``used_before_kwh`` the engine needs."""
    return sum(kwh_by_month.get(m, 0) for m in plan.months_before_in_cycle(month))


def peak_share(readings: Iterable[Usage]) -> Decimal | None:
    """Peak kWh / (peak + valley) over ``readings``; None when none of them is split."""
    peak = valley = 0
    for usage in readings:
        peak, valley = peak + usage.peak, valley + usage.valley
    return None if peak + valley == 0 else Decimal(peak) / (peak + valley)


def usage_for(plan: TariffPlan, kwh: int, share: Decimal | None) -> Usage:
    """``kwh`` as the meter would report it: all flat, or split by the peak share."""
    if not plan.time_of_use:
        return Usage(flat=kwh)
    if share is None:
        raise Conflict("no_time_of_use_split", "The account's readings have no peak/valley split to price by",
                       "该户的抄表记录没有峰谷电量，无法按峰谷电价测算。")
    peak = int((share * kwh).to_integral_value(ROUND_HALF_UP))
    return Usage(peak=peak, valley=kwh - peak)


def bill_for(plan: TariffPlan, kwh: int, used_before_kwh: int, share: Decimal | None) -> BillBreakdown:
    """The engine's bill for ``kwh`` after ``used_before_kwh`` earlier in the cycle."""
    return compute_bill(plan, usage_for(plan, kwh, share), used_before_kwh)
