"""Billing queries the dialogue needs: account summary, a month's bill, payments, tariff
tables and cost estimates.

Functions take a SQLAlchemy ``Session`` and plain values and return JSON-ready dicts
(money as strings with two decimals, e.g. ``"123.40"``, so no float ever rounds a bill).
They raise :mod:`services.errors` for anything a caller can get wrong; they know nothing
of HTTP.  Taking and listing payments lives in :mod:`services.billing.payments`, the identity
check and its lock in :mod:`services.billing.identity`.
"""
from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import clock
from services.billing import cycle
from services.billing.late_fee import late_fee
from services.billing.models import Account, Bill, Customer, MeterReading
from services.billing.tariff import (
    BillBreakdown, TariffPlan, Usage, compute_bill, find_plan, load_tariff,
)
from services.errors import Invalid, NotFound
from services.masking import mask_account_no, mask_mobile, mask_name
from services.months import month_of

# ASCII digits only, the whole string (fullmatch: "$" would let a trailing newline in).
ACCOUNT_NO = re.compile(r"[0-9]{10}")
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
# Months a bill or an estimate can be about: none before this year, none past next year.
FIRST_MONTH = "2000-01"
YEARS_AHEAD = 1
RECENT_BILLS = 6


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{Decimal(amount):.2f}"


# ---------------------------------------------------------------------------- validation


def check_account_no(account_no: str) -> str:
    if not ACCOUNT_NO.fullmatch(account_no or ""):
        raise Invalid(
            "malformed_account_no",
            "An account number (户号) is 10 digits",
            "户号应为10位数字，请核对后重新输入。",
        )
    return account_no


def check_month(month: str) -> str:
    if not MONTH.fullmatch(month or ""):
        raise Invalid("malformed_month", "Month must be YYYY-MM, e.g. 2026-10", "月份格式应为YYYY-MM，例如2026-10。")
    last = f"{clock.today().year + YEARS_AHEAD:04d}-12"
    if not FIRST_MONTH <= month <= last:
        raise Invalid("month_out_of_range", f"Month must be between {FIRST_MONTH} and {last}",
                      f"只能查询{FIRST_MONTH[:4]}年1月至{last[:4]}年12月之间的月份。")
    return month


def get_account(session: Session, account_no: str, *, for_update: bool = False) -> Account:
    """The account, or NotFound with a message the bot can relay."""
    query = select(Account).where(Account.account_no == check_account_no(account_no))
    if for_update:
        query = query.with_for_update()
    account = session.scalars(query).one_or_none()
    if account is None:
        raise NotFound(
            "account_not_found",
            f"No account {mask_account_no(account_no)}",
            "未查询到该户号，请核对户号是否正确。",
        )
    return account


# ---------------------------------------------------------------------------- bills


def amount_due(bill: Bill, segment: str, today: date) -> tuple[Decimal, Decimal]:
    """(late fee, amount still due) for ``bill`` as of ``today``."""
    if bill.paid:
        return Decimal(bill.late_fee), Decimal("0.00")
    principal = Decimal(bill.total_amount) - Decimal(bill.paid_amount)
    fee = late_fee(principal, bill.due_date, today, segment)
    return fee, principal + fee


def bill_view(bill: Bill, reading: MeterReading | None, segment: str, today: date) -> dict:
    fee, due = amount_due(bill, segment, today)
    overdue = not bill.paid and today > bill.due_date
    tou = None
    if bill.peak_amount is not None or bill.flat_amount is not None or bill.valley_amount is not None:
        tou = {p: money(getattr(bill, f"{p}_amount")) for p in ("peak", "flat", "valley")
               if getattr(bill, f"{p}_amount") is not None}
    kwh = {"peak": reading.peak_kwh, "flat": reading.flat_kwh, "valley": reading.valley_kwh} if reading else None
    return {
        "period": bill.period,
        "kwh_total": bill.tier1_kwh + bill.tier2_kwh + bill.tier3_kwh,
        "kwh": kwh,
        "tiers": [
            {"tier": n, "kwh": getattr(bill, f"tier{n}_kwh"), "amount": money(getattr(bill, f"tier{n}_amount"))}
            for n in (1, 2, 3)
        ],
        "time_of_use": tou,
        "total_amount": money(bill.total_amount),
        "due_date": bill.due_date.isoformat(),
        "status": "paid" if bill.paid else ("overdue" if overdue else "unpaid"),
        "paid": bill.paid,
        "paid_amount": money(bill.paid_amount),
        "late_fee": money(fee),
        "amount_due": money(due),
    }


def _bills_with_readings(session: Session, account_no: str, month: str | None, limit: int):
    query = (
        select(Bill, MeterReading)
        .outerjoin(MeterReading, (MeterReading.account_no == Bill.account_no) & (MeterReading.period == Bill.period))
        .where(Bill.account_no == account_no)
        .order_by(Bill.period.desc())
    )
    if month is not None:
        query = query.where(Bill.period == month)
    return session.execute(query.limit(limit)).all()


def _segment(session: Session, account: Account) -> str:
    return session.scalar(select(Customer.segment).where(Customer.id == account.customer_id))


def bill_for_month(session: Session, account_no: str, month: str, today: date | None = None) -> dict:
    """The bill of ``month`` (YYYY-MM); NotFound if that month has no bill."""
    account = get_account(session, account_no)
    rows = _bills_with_readings(session, account.account_no, check_month(month), 1)
    if not rows:
        raise NotFound("bill_not_found", f"No bill for {month}", f"未查询到{month}的账单。")
    bill, reading = rows[0]
    return bill_view(bill, reading, _segment(session, account), today or clock.today())


def recent_bills(session: Session, account_no: str, limit: int = RECENT_BILLS, today: date | None = None) -> list[dict]:
    """The latest ``limit`` bills, newest first."""
    account = get_account(session, account_no)
    segment = _segment(session, account)
    return [bill_view(b, r, segment, today or clock.today())
            for b, r in _bills_with_readings(session, account.account_no, None, limit)]


# ---------------------------------------------------------------------------- accounts


def account_summary(session: Session, account_no: str, today: date | None = None) -> dict:
    """What the bot says first about an account; name and mobile masked.  An agent also
    sees whether the identity check is locked."""
    from services.billing import identity  # imported here: identity imports this module

    today = today or clock.today()
    account = get_account(session, account_no)
    customer = session.get(Customer, account.customer_id)
    plan = find_plan(account.tariff_plan)
    unpaid = session.scalars(
        select(Bill).where(Bill.account_no == account.account_no, Bill.paid.is_(False)).order_by(Bill.period)
    ).all()
    dues = [(bill, amount_due(bill, customer.segment, today)[1]) for bill in unpaid]
    arrears = sum((due for bill, due in dues if today > bill.due_date), Decimal("0.00"))
    if account.balance < 0:  # a prepaid meter run below zero owes that much
        arrears += -Decimal(account.balance)
    latest = _bills_with_readings(session, account.account_no, None, 1)
    overdue = [(bill, due) for bill, due in dues if today > bill.due_date]
    upcoming = [(bill, due) for bill, due in dues if today <= bill.due_date]
    return {
        "account_no": account.account_no,
        "customer_name": mask_name(customer.name),
        "mobile": mask_mobile(customer.mobile),
        "segment": customer.segment,
        "province": account.province,
        "tariff_plan": {"code": plan.code, "name_zh": plan.name_zh, "cycle": plan.cycle,
                        "time_of_use": plan.time_of_use},
        "billing_mode": account.billing_mode,
        "balance": money(account.balance),
        "arrears_total": money(arrears),
        "unpaid_total": money(sum((due for _, due in dues), Decimal("0.00"))),
        "unpaid_bills": len(unpaid),
        "overdue_bills": [_owed_view(bill, due, customer.segment, today) for bill, due in overdue],
        "next_due": _owed_view(*upcoming[0], customer.segment, today) if upcoming else None,
        **_prepaid_outlook(session, account),
        "next_bill": {"period": month_of(today), "issue_date": cycle.issue_date(month_of(today)).isoformat()},
        "identity_locked_until": identity.iso_utc(identity.locked_until(session, account.account_no)),
        "latest_bill": bill_view(latest[0][0], latest[0][1], customer.segment, today) if latest else None,
    }


def _owed_view(bill: Bill, due: Decimal, segment: str, today: date) -> dict:
    """One unpaid bill as the customer needs it: what, how much with the late fee, by when."""
    return {"period": bill.period, "total_amount": money(bill.total_amount),
            "late_fee": money(amount_due(bill, segment, today)[0]), "amount_due": money(due),
            "due_date": bill.due_date.isoformat()}


RECENT_USE_MONTHS = 3  # the months a prepaid balance's daily cost is averaged over


def _prepaid_outlook(session: Session, account: Account) -> dict:
    """For a prepaid account: the recent daily cost and how many days the balance lasts."""
    if account.billing_mode != "prepaid":
        return {"daily_cost": None, "days_left": None}
    bills = session.scalars(select(Bill).where(Bill.account_no == account.account_no)
                            .order_by(Bill.period.desc()).limit(RECENT_USE_MONTHS)).all()
    days = sum(monthrange(*(int(p) for p in b.period.split("-")))[1] for b in bills)
    if not days:
        return {"daily_cost": None, "days_left": None}
    daily = (sum((Decimal(b.total_amount) for b in bills), Decimal("0")) / days).quantize(Decimal("0.01"))
    days_left = int(max(Decimal(account.balance), Decimal("0")) / daily) if daily > 0 else None
    return {"daily_cost": money(daily), "days_left": days_left}


# ---------------------------------------------------------------------------- tariffs


def plan_view(plan: TariffPlan) -> dict:
    tiers, lower = [], 0
    for tier in plan.tiers:
        tiers.append({
            "tier": tier.number,
            "from_kwh": lower + 1 if lower else 0,
            "up_to_kwh": tier.up_to_kwh,
            "price": str(tier.price),
            "tou_prices": {p: str(v) for p, v in tier.tou_prices.items()} or None,
        })
        lower = tier.up_to_kwh or lower
    return {
        "code": plan.code,
        "name_zh": plan.name_zh,
        "cycle": plan.cycle,
        "cycle_start_month": plan.cycle_start_month if plan.cycle == "annual" else None,
        "time_of_use": plan.time_of_use,
        "tou_windows": plan.tou_windows,
        "tiers": tiers,
        "source": plan.source,
    }


def tariff_overview(province: str) -> dict:
    """Price levels, tier thresholds, TOU windows (null when the source gives none), source."""
    table = load_tariff(province)
    return {
        "province": table.province,
        "name_zh": table.name_zh,
        "source": table.source,
        "default_plan": table.default_plan,
        "unit": "元/kWh",
        "plans": [plan_view(p) for p in table.plans.values()],
    }


def breakdown_view(breakdown: BillBreakdown) -> dict:
    tou = breakdown.tou_amounts()
    return {
        "tiers": [{"tier": n, "kwh": breakdown.tier_kwh()[n], "amount": money(a)}
                  for n, a in breakdown.tier_amounts().items()],
        "time_of_use": {p: money(a) for p, a in tou.items()} or None,
        "lines": [{"tier": l.tier, "tou_period": l.tou_period, "kwh": l.kwh, "price": str(l.price),
                   "amount": money(l.amount)} for l in breakdown.lines],
        "total_amount": money(breakdown.total),
        "explanation_zh": breakdown.explanation_zh(),
    }


def used_in_cycle_before(session: Session, account_no: str, plan: TariffPlan, month: str) -> int:
    """kWh the account used earlier in ``month``'s tier cycle (0 for the monthly form)."""
    months = plan.months_before_in_cycle(month)
    if not months:
        return 0
    total = session.scalar(
        select(func.coalesce(func.sum(MeterReading.peak_kwh + MeterReading.flat_kwh + MeterReading.valley_kwh), 0))
        .where(MeterReading.account_no == account_no, MeterReading.period.in_(months))
    )
    return int(total)


def _usage_for_estimate(session: Session, plan: TariffPlan, kwh: int, account_no: str | None,
                        peak_kwh: int | None) -> Usage:
    """The estimate's usage split: all flat without TOU; on TOU, the caller's peak kWh or
    else the account's latest peak share."""
    if not plan.time_of_use:
        return Usage(flat=kwh)
    if peak_kwh is None and account_no is not None:
        reading = session.scalars(
            select(MeterReading).where(MeterReading.account_no == account_no).order_by(MeterReading.period.desc())
        ).first()
        if reading is not None and reading.peak_kwh + reading.valley_kwh > 0:
            share = Decimal(reading.peak_kwh) / (reading.peak_kwh + reading.valley_kwh)
            peak_kwh = int((share * kwh).to_integral_value())
    if peak_kwh is None:
        raise Invalid("peak_kwh_required", "A time-of-use estimate needs peak_kwh",
                      "峰谷电价估算需要提供峰段用电量。")
    if not 0 <= peak_kwh <= kwh:
        raise Invalid("bad_peak_kwh", "peak_kwh must be between 0 and kwh", "峰段电量应在0和总电量之间。")
    return Usage(peak=peak_kwh, valley=kwh - peak_kwh)


def estimate_cost(session: Session, province: str, kwh: int, month: str, account_no: str | None = None,
                  plan_code: str | None = None, peak_kwh: int | None = None,
                  used_before_kwh: int | None = None) -> dict:
    """Cost of ``kwh`` used in ``month``.

    With an account: its plan and its usage earlier in the tier cycle.  Without: the
    province's default plan (or ``plan_code``), assuming the start of the cycle unless the
    customer said how much they used earlier in it (``used_before_kwh``)."""
    table = load_tariff(province)
    check_month(month)
    if not 0 <= kwh <= 100_000:
        raise Invalid("bad_kwh", "kwh must be between 0 and 100000", "用电量应在0到100000千瓦时之间。")
    used_before, assumption = 0, "start_of_cycle"
    if account_no is not None:
        account = get_account(session, account_no)
        if account.province != table.province:
            raise Invalid("account_in_other_province", f"Account {account_no} is not in {province}",
                          "该户号不属于所查询的省份。")
        plan = find_plan(account.tariff_plan)
        used_before, assumption = used_in_cycle_before(session, account.account_no, plan, month), "account_usage_in_cycle"
    else:
        plan = table.plans.get(plan_code or table.default_plan)
        if plan is None:
            raise NotFound("unknown_tariff_plan", f"No plan {plan_code!r} in {province}", "该省份没有此电价方案。")
        if used_before_kwh is not None and plan.cycle == "annual":
            if not 0 <= used_before_kwh <= 1_000_000:
                raise Invalid("bad_used_before_kwh", "used_before_kwh must be between 0 and 1000000",
                              "此前用电量应在0到1000000千瓦时之间。")
            used_before, assumption = used_before_kwh, "stated_usage_in_cycle"
    breakdown = compute_bill(plan, _usage_for_estimate(session, plan, kwh, account_no, peak_kwh), used_before)
    return {
        "province": table.province,
        "plan": {"code": plan.code, "name_zh": plan.name_zh, "cycle": plan.cycle, "time_of_use": plan.time_of_use},
        "month": month,
        "kwh": kwh,
        "used_before_kwh": breakdown.used_before_kwh,
        "assumption": assumption,
        **breakdown_view(breakdown),
        "source": plan.source,
    }


MOBILE = re.compile(r"^1\d{10}$")


def accounts_for_mobile(session: Session, mobile: str) -> list[str]:
    """The 户号 registered to this mobile number (a caller's number on the voice line):
    an offer of who the caller may be, never a verification."""
    if not MOBILE.match(mobile):
        raise Invalid("invalid_mobile", "mobile must be 11 digits starting with 1.", "手机号码应为以1开头的11位数字。")
    return list(session.scalars(
        select(Account.account_no).join(Customer, Account.customer_id == Customer.id)
        .where(Customer.mobile == mobile).order_by(Account.account_no)
    ))
