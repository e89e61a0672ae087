"""A saving tip's data, computed from the account's own readings (the wording is the
dialogue's: responses in the domain say it; nothing here is meant for a customer).

One tip per forecast, the first that applies:

* ``time_of_use`` — when the last 12 months' readings split peak and valley: what those
  months cost on the account's plan and what the same readings would have cost on the
  province's plan with the same tier cycle and thresholds and the other time-of-use
  setting, both billed by the tariff engine month by month with each month's place in
  its tier cycle.
* ``annual_tier`` — on an annual tier plan (年阶梯): the kWh used earlier in the tier year,
  how many are left before the next tier, both tiers' prices, and whether the forecast
  month is expected to cross into it.
* none — a monthly tier plan without a split, or an account already in its last tier.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from services.billing.service import money
from services.billing.tariff import TariffPlan, Usage, compute_bill, load_tariff, split_into_tiers
from services.forecasting.pricing import cycle_kwh_before

TIP_MONTHS = 12


def saving_tip(plan: TariffPlan, readings: Mapping[str, Usage], month: str, used_before_kwh: int,
               forecast_kwh: int) -> dict | None:
    """The tip for the forecast of ``month``; ``readings`` are the account's, oldest first."""
    window = list(readings)[-TIP_MONTHS:]
    if len(window) == TIP_MONTHS and _split_known(readings[m] for m in window):
        tip = time_of_use_tip(plan, readings, window)
        if tip is not None:
            return tip
    return annual_tier_tip(plan, month, used_before_kwh, forecast_kwh)


def _split_known(usages: Iterable[Usage]) -> bool:
    """Whether the meter reported peak and valley (and nothing as flat) in these months."""
    usages = list(usages)
    return all(u.flat == 0 for u in usages) and any(u.peak + u.valley > 0 for u in usages)


def counterpart(plan: TariffPlan) -> TariffPlan | None:
    """The province's plan that differs from ``plan`` only in having time-of-use or not."""
    thresholds = [t.up_to_kwh for t in plan.tiers]
    for other in load_tariff(plan.province).plans.values():
        if (other.time_of_use != plan.time_of_use and other.cycle == plan.cycle
                and other.cycle_start_month == plan.cycle_start_month
                and [t.up_to_kwh for t in other.tiers] == thresholds):
            return other
    return None


def time_of_use_tip(plan: TariffPlan, readings: Mapping[str, Usage], window: list[str]) -> dict | None:
    """What the months of ``window`` cost with and without time-of-use pricing."""
    other = counterpart(plan)
    if other is None:
        return None
    totals = {m: u.total for m, u in readings.items()}
    own = alternative = Decimal("0.00")
    for month in window:
        used_before = cycle_kwh_before(plan, totals, month)
        own += compute_bill(plan, readings[month], used_before).total
        alternative += compute_bill(other, readings[month], used_before).total
    with_tou, without_tou = (own, alternative) if plan.time_of_use else (alternative, own)
    return {
        "kind": "time_of_use",
        "first_month": window[0],
        "last_month": window[-1],
        "kwh": sum(totals[m] for m in window),
        "peak_kwh": sum(readings[m].peak for m in window),
        "valley_kwh": sum(readings[m].valley for m in window),
        "plan": plan.code,
        "compared_plan": other.code,
        "amount_with_time_of_use": money(with_tou),
        "amount_without_time_of_use": money(without_tou),
        "saving_with_time_of_use": money(without_tou - with_tou),
    }


def annual_tier_tip(plan: TariffPlan, month: str, used_before_kwh: int, forecast_kwh: int) -> dict | None:
    """How close the tier year's usage before ``month`` is to the next annual tier."""
    if plan.cycle != "annual":
        return None
    # the tier the next kWh falls in, as the engine cuts it
    number = next(n for n, kwh in split_into_tiers(plan, 1, used_before_kwh) if kwh)
    index = [t.number for t in plan.tiers].index(number)
    tier = plan.tiers[index]
    if tier.up_to_kwh is None:
        return None
    following = plan.tiers[index + 1]
    crossing = any(n > number and kwh for n, kwh in split_into_tiers(plan, forecast_kwh, used_before_kwh))
    before = plan.months_before_in_cycle(month)
    return {
        "kind": "annual_tier",
        "cycle_start": before[0] if before else month,
        "used_before_kwh": used_before_kwh,
        "tier": tier.number,
        "next_tier": following.number,
        "next_tier_from_kwh": tier.up_to_kwh + 1,
        "kwh_to_next_tier": tier.up_to_kwh - used_before_kwh,
        "price": str(tier.price),
        "next_tier_price": str(following.price),
        "forecast_reaches_next_tier": crossing,
    }
