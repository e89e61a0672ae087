"""The action server's HTTP client for the services (billing, outage, forecasting).

Actions hold no state and no SQL: everything they know about a customer comes
through here.  A service that cannot be reached raises :class:`ServiceUnavailable`;
a service that answers with an error raises :class:`ServiceFailed` carrying the
service's code and Chinese message, which the action may show to the customer.

Answers are parsed into the models the routes declare (:mod:`services.billing.schemas`,
:mod:`services.outage.schemas`, :mod:`services.forecasting.schemas`): one contract,
checked on both sides.  An account's
summary is read once per customer message (:func:`account_summary`'s ``turn``), however
many actions of that turn need it.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from services.access_log import masked_path
from services.billing.schemas import AccountSummary, Bill, Bills, Estimate, IdentityCheck, Payment, TariffOverview
from services.forecasting.schemas import Forecast
from services.outage.schemas import AccountContactView, PlannedOutageList, ReportResult, RestoreNoticeView, TicketView
from services.settings import get_settings

log = logging.getLogger("powerdesk.actions")
Model = TypeVar("Model", bound=BaseModel)
# What the customer may be shown when a service's error carries no Chinese message of its own.
BUSY_ZH = "系统繁忙，请稍后再试。"


class ServiceUnavailable(Exception):
    """The service did not answer (down, timeout)."""


class ServiceFailed(Exception):
    """The service answered with an error."""

    def __init__(self, status: int, code: str, message_zh: str):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message_zh = message_zh

    @property
    def refused(self) -> bool:
        """The service refused what was asked (4xx): an answer about the request (not
        found, not allowed), not a fault of the service's own."""
        return self.status < 500


async def call(method: str, path: str, *, retries: int = 1, **kwargs: Any) -> Any:
    """One service call, retried on connection errors and timeouts.

    Retrying is safe: reads are idempotent and payments carry an Idempotency-Key.
    """
    settings = get_settings()
    headers = {"Authorization": f"Bearer {settings.service_token}", **kwargs.pop("headers", {})}
    async with httpx.AsyncClient(base_url=settings.services_url, timeout=settings.service_timeout_s) as client:
        for attempt in range(retries + 1):
            try:
                response = await client.request(method, path, headers=headers, **kwargs)
                break
            except httpx.TransportError as exc:
                log.warning("service call %s %s failed (attempt %d): %s", method, masked_path(path), attempt + 1, exc)
                if attempt == retries:
                    raise ServiceUnavailable(f"{method} {path}") from exc
                await asyncio.sleep(0.2 * (attempt + 1))
    if response.status_code >= 400:
        raise _failure(response)
    return response.json() if response.content else None  # 204: nothing to read


def _failure(response: httpx.Response) -> ServiceFailed:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    if response.status_code >= 500:
        log.error("service error %s on %s", response.status_code, response.request.url.path)
    return ServiceFailed(
        response.status_code,
        error.get("code", f"http_{response.status_code}"),
        error.get("message_zh", BUSY_ZH),
    )


def parsed(model: type[Model], answer: Any, what: str) -> Model:
    """A service's answer as its contract's model; an answer that breaks the contract is a
    failed call (the action apologises), never a crash or a silently missing field."""
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        log.error("%s broke its contract (%s): %s", what, model.__name__, exc.errors(include_input=False)[:3])
        raise ServiceFailed(502, "contract_violation", BUSY_ZH) from exc


async def answer(model: type[Model], what: str, method: str, path: str, **kwargs: Any) -> Model:
    """One call (:func:`call`) whose answer is parsed into its contract's ``model``."""
    return parsed(model, await call(method, path, **kwargs), what)


# Billing ----------------------------------------------------------------------------

async def verify_identity(account_no: str, phone_last4: str, client: str | None = None) -> IdentityCheck:
    """The service counts failures per account and, with ``client`` (who asks), wrong
    answers per client."""
    headers = {"X-PowerDesk-Client": client} if client else {}
    answer = await call("POST", f"/billing/accounts/{account_no}/verify", json={"phone_last4": phone_last4},
                        headers=headers)
    return parsed(IdentityCheck, answer, "verify")


async def link_conversation(conversation_id: str, account_no: str) -> None:
    """Tell the services who the customer of this conversation is (after verification)."""
    await call("PUT", f"/conversations/{conversation_id}/account", json={"account_no": account_no})


# Summaries read during one customer message: (turn, account_no) -> (when, summary).  A turn
# runs several actions (the form's validation, then its question or its answer), each a
# request of its own; they share one read.  Kept a few seconds, dropped on a payment.
SUMMARY_TTL_S = 10.0
_summaries: dict[tuple[str, str], tuple[float, AccountSummary]] = {}


async def account_summary(account_no: str, turn: str | None = None) -> AccountSummary:
    """The account's summary; with ``turn`` (:func:`actions.form_turn.turn_key`), read
    once for that customer message."""
    now = time.monotonic()
    for key in [k for k, (at, _) in _summaries.items() if now - at > SUMMARY_TTL_S]:
        del _summaries[key]
    if turn is not None and (turn, account_no) in _summaries:
        return _summaries[turn, account_no][1]
    summary = parsed(AccountSummary, await call("GET", f"/billing/accounts/{account_no}"), "account summary")
    if turn is not None:
        _summaries[turn, account_no] = (now, summary)
    return summary


def forget_summaries(account_no: str) -> None:
    """A payment changed the account: no cached summary of it may be read again."""
    for key in [k for k in _summaries if k[1] == account_no]:
        del _summaries[key]


async def bill_for_month(account_no: str, month: str) -> Bill:
    answer = await call("GET", f"/billing/accounts/{account_no}/bills", params={"month": month})
    return parsed(Bills, answer, "bills").bills[0]


IN_PROGRESS_RETRIES = 3  # a retried payment may find its first attempt still running (409)


async def pay(account_no: str, amount: str, idempotency_key: str, channel: str) -> Payment:
    forget_summaries(account_no)
    for attempt in range(IN_PROGRESS_RETRIES + 1):
        try:
            return parsed(Payment, await call(
                "POST",
                f"/billing/accounts/{account_no}/payments",
                json={"amount": amount, "channel": channel},
                headers={"Idempotency-Key": idempotency_key},
                retries=2,
            ), "payment")
        except ServiceFailed as failure:
            if failure.code == "contract_violation":  # taken or not, the answer does not say
                raise ServiceUnavailable("payment answer unreadable") from failure
            if failure.code != "idempotency_key_in_progress" or attempt == IN_PROGRESS_RETRIES:
                raise
            await asyncio.sleep(1.0 * (attempt + 1))  # then the same key answers with the payment
    raise AssertionError("unreachable")


async def tariff_overview(province: str) -> TariffOverview:
    return parsed(TariffOverview, await call("GET", f"/billing/tariffs/{province}"), "tariff")


async def estimate_cost(province: str, kwh: int, month: str, account_no: str | None,
                        used_before_kwh: int | None = None) -> Estimate:
    params: dict[str, Any] = {"kwh": kwh, "month": month}
    if account_no:
        params["account_no"] = account_no
    elif used_before_kwh is not None:
        params["used_before_kwh"] = used_before_kwh
    return parsed(Estimate, await call("GET", f"/billing/tariffs/{province}/estimate", params=params), "estimate")


# Outage -----------------------------------------------------------------------------

async def check_outage(address: str, kind: str) -> ReportResult:
    """What a report of ``address`` would become (a covering planned outage or known
    fault, an open ticket, or none), creating nothing."""
    return await answer(ReportResult, "outage check", "GET", "/outage/reports/check",
                        params={"address": address, "kind": kind})


async def report_outage(report: dict[str, Any]) -> ReportResult:
    """File a report (the body of ``POST /outage/reports``); the service decides what it becomes."""
    return await answer(ReportResult, "outage report", "POST", "/outage/reports", json=report)


async def outage_ticket(ticket_id: str) -> TicketView:
    return await answer(TicketView, "outage ticket", "GET", f"/outage/tickets/{ticket_id}")


async def planned_outages(address: str, when: str) -> PlannedOutageList:
    """The planned outages at ``address`` on the days the customer's words ``when`` name."""
    return await answer(PlannedOutageList, "planned outages", "GET", "/outage/planned",
                        params={"address": address, "when": when})


async def subscribe_restore_notice(notice: dict[str, Any]) -> RestoreNoticeView:
    """Store the customer's wish to be told when power is back (once per conversation and outage)."""
    return await answer(RestoreNoticeView, "restore notice", "POST", "/outage/restore-notices", json=notice)


async def account_contact(account_no: str) -> AccountContactView:
    """The verified account's address and masked mobile, offered in the outage form."""
    return await answer(AccountContactView, "account contact", "GET", f"/outage/accounts/{account_no}/contact")


# Forecasting ------------------------------------------------------------------------

async def forecast(account_no: str) -> Forecast:
    return await answer(Forecast, "forecast", "GET", f"/forecast/{account_no}")
