"""HTTP route for forecasts (mounted at ``/forecast`` beside billing by services/app.py).

Thin by design: call :mod:`services.forecasting.service` and type its answer.  Errors are
``ServiceError``s from the service layer, rendered as ``{"error": {code, message,
message_zh}}``: 422 ``malformed_account_no``; 404 ``account_not_found``,
``no_usage_history`` (no reading at all) or ``no_recent_usage`` (none in the last year);
409 ``no_time_of_use_split`` (a time-of-use account whose readings have no peak/valley).
The route needs ``Authorization: Bearer <service_token>``: a household's usage is
personal data.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from services.auth import require_service_token
from services.billing.api import get_session  # the billing database's session: one override serves both
from services.forecasting import service
from services.forecasting.model import Method

router = APIRouter(dependencies=[Depends(require_service_token)], tags=["forecast"])

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="元, two decimals")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class ComparedToLastYear(BaseModel):
    month: Month
    kwh: int
    amount: Money | None = Field(description="that month's bill; null if it has none")
    kwh_change_percent: float | None = Field(description="forecast kWh against that month's, in %; null if it was 0")
    amount_change_percent: float | None


class TimeOfUseTip(BaseModel):
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


class AnnualTierTip(BaseModel):
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


class Forecast(BaseModel):
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
    saving_tip: Annotated[TimeOfUseTip | AnnualTierTip, Field(discriminator="kind")] | None


@router.get("/{account_no}", response_model=Forecast)
def get_forecast(account_no: str, session: Session = Depends(get_session)) -> dict:
    return service.forecast_for_account(session, account_no)
