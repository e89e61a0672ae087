"""HTTP routes for billing (services/app.py mounts ``router`` at ``/billing`` on the services'
internal port; the public gateway does not serve it).

Thin by design: parse the request, call :mod:`services.billing.service`,
:mod:`services.billing.payments` or :mod:`services.billing.identity`, return its answer,
which FastAPI checks against the route's ``response_model`` (:mod:`services.billing.schemas`,
the contract the action server's client parses the same JSON into).
Errors are ``ServiceError``s raised by the service layer; the services' app renders them
(api/errors.py's handlers) as ``{"error": {code, message, message_zh}}``.
Every route needs ``Authorization: Bearer <service_token>``: bills are personal data.
"""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, StrictFloat, StrictInt, StrictStr
from sqlalchemy.orm import Session

from services import clock
from services.auth import require_service_token
from services.billing import identity, payments, schemas, service
from services.db import session_scope
from services.months import month_of

router = APIRouter(dependencies=[Depends(require_service_token)], tags=["billing"])


def get_session() -> Iterator[Session]:
    """One session per request on the configured database (tests override this)."""
    with session_scope() as session:
        yield session


class PaymentIn(BaseModel):
    # A JSON number or a decimal string ("100.50"); strict so true/false is no amount.
    # Range (0.01-5000) and precision (分) are checked by the service: one clear 422.
    amount: StrictStr | StrictInt | StrictFloat
    channel: str


class VerifyIn(BaseModel):
    phone_last4: str


class MobileIn(BaseModel):
    mobile: StrictStr


@router.get("/tariffs/{province}", response_model=schemas.TariffOverview)
def get_tariff(province: str) -> dict:
    return service.tariff_overview(province)


@router.get("/tariffs/{province}/estimate", response_model=schemas.Estimate)
def estimate(province: str, kwh: int, month: str | None = None, account_no: str | None = None,
             plan: str | None = None, peak_kwh: int | None = None, used_before_kwh: int | None = None,
             session: Session = Depends(get_session)) -> dict:
    month = month or month_of(clock.today())
    return service.estimate_cost(session, province, kwh, month, account_no, plan, peak_kwh, used_before_kwh)


@router.get("/accounts/{account_no}", response_model=schemas.AccountSummary)
def get_account(account_no: str, session: Session = Depends(get_session)) -> dict:
    return service.account_summary(session, account_no)


@router.get("/accounts/{account_no}/bills", response_model=schemas.Bills)
def get_bills(account_no: str, month: str | None = Query(default=None, description="YYYY-MM"),
              session: Session = Depends(get_session)) -> dict:
    if month is None:
        bills = service.recent_bills(session, account_no)
    else:
        bills = [service.bill_for_month(session, account_no, month)]
    return {"account_no": account_no, "bills": bills}


@router.get("/accounts/{account_no}/payments", response_model=schemas.Payments)
def get_payments(account_no: str, session: Session = Depends(get_session)) -> dict:
    return {"account_no": account_no, "payments": payments.list_payments(session, account_no)}


@router.post("/accounts/{account_no}/payments", response_model=schemas.Payment)
def post_payment(account_no: str, body: PaymentIn, response: Response,
                 idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
                 session: Session = Depends(get_session)) -> dict:
    answer, replayed = payments.record_payment(session, account_no, body.amount, body.channel, idempotency_key)
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return answer


@router.post("/accounts/{account_no}/verify", response_model=schemas.IdentityCheck)
def verify(account_no: str, body: VerifyIn, session: Session = Depends(get_session),
           client: str | None = Header(default=None, alias="X-PowerDesk-Client", max_length=64)) -> dict:
    return identity.verify_identity(session, account_no, body.phone_last4, client).to_dict()


@router.post("/accounts/by-mobile", response_model=schemas.AccountNos)
def accounts_by_mobile(body: MobileIn, session: Session = Depends(get_session)) -> dict:
    """户号 registered to a mobile (in the body, so the number never lands in a URL or an access log)."""
    return {"account_nos": service.accounts_for_mobile(session, body.mobile)}
