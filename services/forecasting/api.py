"""HTTP route for forecasts (mounted at ``/forecast`` beside billing by services/app.py).

Thin by design: call :mod:`services.forecasting.service` and type its answer
(:mod:`services.forecasting.schemas`).  Errors are ``ServiceError``s from the service
layer, rendered as ``{"error": {code, message, message_zh}}``: 422 ``malformed_account_no``; 404 ``account_not_found``,
``no_usage_history`` (no reading at all) or ``no_recent_usage`` (none in the last year);
409 ``no_time_of_use_split`` (a time-of-use account whose readings have no peak/valley).
The route needs ``Authorization: Bearer <service_token>``: a household's usage is
personal data.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from services.auth import require_service_token
from services.billing.api import get_session  # the billing database's session: one override serves both
from services.forecasting import service
from services.forecasting.schemas import Forecast

router = APIRouter(dependencies=[Depends(require_service_token)], tags=["forecast"])


@router.get("/{account_no}", response_model=Forecast)
def get_forecast(account_no: str, session: Session = Depends(get_session)) -> dict:
    return service.forecast_for_account(session, account_no)
