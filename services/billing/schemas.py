"""The billing API's answers, as typed models: one contract for both sides.

The routes (:mod:`services.billing.api`) declare these as their ``response_model``s, so
FastAPI checks every answer against them and documents them; the action server's client
(:mod:`actions.services_client`) parses the same JSON into them, so an action reads
``summary.latest_bill.total_amount`` and a field renamed on one side fails loudly on the
other instead of turning into a silent ``None``.

Money is a string with two decimals ("123.40") and dates are ISO strings, exactly as the
service layer writes them: no float ever rounds a bill, and the JSON does not change.
"""
from __future__ import annotations

from typing import Any, Literal

from services.contract import Contract

Money = str  # "123.40": two decimals, never a float
IsoDate = str  # "2026-11-25"


# ---------------------------------------------------------------------------- bills


class TierAmount(Contract):
    tier: int
    kwh: int
    amount: Money | None


class Bill(Contract):
    """One month's bill as the customer reads it (``service.bill_view``)."""

    period: str  # YYYY-MM
    kwh_total: int
    kwh: dict[str, int] | None  # metered kWh by time-of-use period: peak / flat / valley
    tiers: list[TierAmount]
    time_of_use: dict[str, Money] | None  # amount by period, on a time-of-use plan
    total_amount: Money
    due_date: IsoDate
    status: Literal["paid", "unpaid", "overdue"]
    paid: bool
    paid_amount: Money
    late_fee: Money
    amount_due: Money


class Bills(Contract):
    account_no: str
    bills: list[Bill]


class OwedBill(Contract):
    """An unpaid bill: what, how much with the late fee, by when."""

    period: str
    total_amount: Money
    late_fee: Money
    amount_due: Money
    due_date: IsoDate


class PlanRef(Contract):
    code: str
    name_zh: str
    cycle: Literal["monthly", "annual"]
    time_of_use: bool


class NextBill(Contract):
    period: str
    issue_date: IsoDate


class AccountSummary(Contract):
    """What the bot says first about an account; name and mobile masked."""

    account_no: str
    customer_name: str
    mobile: str
    segment: str
    province: str
    tariff_plan: PlanRef
    billing_mode: Literal["prepaid", "postpaid"]
    balance: Money
    arrears_total: Money
    unpaid_total: Money
    unpaid_bills: int
    overdue_bills: list[OwedBill]
    next_due: OwedBill | None
    daily_cost: Money | None  # prepaid: the recent daily cost
    days_left: int | None  # prepaid: how long the balance lasts at that cost
    next_bill: NextBill
    identity_locked_until: str | None  # ISO instant, UTC
    latest_bill: Bill | None

    @property
    def prepaid(self) -> bool:
        return self.billing_mode == "prepaid"


# ---------------------------------------------------------------------------- payments and identity


class AppliedTo(Contract):
    period: str
    amount: Money


class Payment(Contract):
    """A payment's answer, the same on a replay of its idempotency key."""

    payment_id: int
    account_no: str
    amount: Money
    channel: str
    status: str
    created_at: str  # ISO instant, UTC
    applied_to: list[AppliedTo]
    balance_after: Money | None


class Payments(Contract):
    account_no: str
    payments: list[Payment]


class IdentityCheck(Contract):
    verified: bool
    attempts_left: int
    locked_until: str | None  # ISO instant, UTC, while a lock holds


class AccountNos(Contract):
    account_nos: list[str]


# ---------------------------------------------------------------------------- tariffs


class TariffTier(Contract):
    tier: int
    from_kwh: int
    up_to_kwh: int | None  # None: no upper bound
    price: str  # 元/kWh
    tou_prices: dict[str, str] | None  # 元/kWh by time-of-use period


class TariffPlan(Contract):
    code: str
    name_zh: str
    cycle: Literal["monthly", "annual"]
    cycle_start_month: int | None
    time_of_use: bool
    tou_windows: dict[str, Any] | None  # None where the source gives no windows
    tiers: list[TariffTier]
    source: str


class TariffOverview(Contract):
    province: str
    name_zh: str
    source: str
    default_plan: str
    unit: str
    plans: list[TariffPlan]


class EstimateLine(Contract):
    tier: int
    tou_period: str | None
    kwh: int
    price: str
    amount: Money


class Estimate(Contract):
    """The cost of a stated usage, with the assumption it rests on and its computation."""

    province: str
    plan: PlanRef
    month: str
    kwh: int
    used_before_kwh: int
    assumption: Literal["account_usage_in_cycle", "stated_usage_in_cycle", "start_of_cycle"]
    tiers: list[TierAmount]
    time_of_use: dict[str, Money] | None
    lines: list[EstimateLine]
    total_amount: Money
    explanation_zh: str
    source: str
