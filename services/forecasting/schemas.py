"""The forecast API's answer, as typed models: one contract for both sides.

The route (:mod:`services.forecasting.api`) declares :class:`Forecast` as its
``response_model`` and the action server's client (:mod:`actions.services_client`) parses
the same JSON into it, so an action reads ``forecast.saving_tip.kwh_to_next_tier`` and a
field renamed on one side fails loudly on the other.  Money is a string with two decimals
("123.40"), as the service layer writes it: no float ever rounds a bill.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from services.contract import Contract
from services.forecasting.model import Method

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="元, two decimals")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class ComparedToLastYear(Contract):
    month: Month
    kwh: int
    amount: Money | None = Field(description="that month's bill; null if it has none")
    kwh_change_percent: float | None = Field(description="forecast kWh against that month's, in %; null if it was 0")
    amount_change_percent: float | None


class TimeOfUseTip(Contract):
    """The last 12 months billed with and without time-of-use (峰谷) prices."""

    kind: Literal["time_of_use"]
    first_month: Month
    last_month: Month
    kwh: int
    peak_kwh: int
    valley_kwh: int
    plan: str
    compared_plan: str
    amount_with_time_of_use: Money
    amount_without_time_of_use: Money
    saving_with_time_of_use: Money = Field(description="without minus with; negative: time-of-use cost more")


class AnnualTierTip(Contract):
    """Where the tier year stands before the forecast month."""

    kind: Literal["annual_tier"]
    cycle_start: Month
    used_before_kwh: int = Field(description="kWh earlier in the tier year (forecast for months not yet read)")
    tier: int
    next_tier: int
    next_tier_from_kwh: int
    kwh_to_next_tier: int
    price: str = Field(description="元/kWh in the current tier")
    next_tier_price: str
    forecast_reaches_next_tier: bool


SavingTip = Annotated[TimeOfUseTip | AnnualTierTip, Field(discriminator="kind")]


class Forecast(Contract):
    account_no: str
    month: Month = Field(description="the next bill's period")
    kwh: int = Field(description="median forecast")
    kwh_low: int = Field(description="80% prediction interval, lower end")
    kwh_high: int
    amount: Money = Field(description="the tariff engine's bill for kwh, given the tier year so far")
    amount_low: Money
    amount_high: Money
    method: Method
    history_months: int
    compared_to_last_year: ComparedToLastYear | None
    saving_tip: SavingTip | None
