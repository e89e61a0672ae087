"""The seeded data: deterministic, idempotent, realistic enough, and billed by the tariff engine."""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from services.billing.models import Account, Bill, MeterReading
from services.billing.seed import generate, months_ending_before, seed
from services.billing.tariff import Usage, compute_bill, find_plan
from services import clock
from services.db import session_scope
from datetime import date


def test_months_window_ends_with_the_month_before_today():
    months = months_ending_before(date(2026, 11, 1))
    assert len(months) == 24 and months[0] == "2024-11" and months[-1] == "2026-10"
    assert months_ending_before(date(2026, 1, 15))[-1] == "2025-12"


def test_generation_is_deterministic():
    first, second = generate(10), generate(10)
    assert first.tables[Bill] == second.tables[Bill]
    assert first.tables[MeterReading] == second.tables[MeterReading]
    assert generate(10, seed=1).tables[MeterReading] != first.tables[MeterReading]


def test_seeding_twice_does_nothing(shared_db_url):
    with session_scope(shared_db_url) as session:
        before = session.scalar(select(func.count()).select_from(Bill))
    assert seed(shared_db_url, n_accounts=10) is False
    with session_scope(shared_db_url) as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == before


def test_seeded_bills_match_the_tariff_engine_and_show_seasons(shared_db_url):
    with session_scope(shared_db_url) as session:
        accounts = session.scalars(select(Account)).all()
        readings = session.scalars(select(MeterReading).order_by(MeterReading.period)).all()
        bills = {(b.account_no, b.period): b for b in session.scalars(select(Bill))}
    plans = {a.account_no: find_plan(a.tariff_plan) for a in accounts}
    used: dict[tuple[str, str], int] = defaultdict(int)
    by_month: dict[str, list[int]] = defaultdict(list)
    for r in readings:
        plan = plans[r.account_no]
        cycle = r.period[:4] if plan.cycle == "annual" else r.period
        usage = Usage(r.peak_kwh, r.flat_kwh, r.valley_kwh)
        expected = compute_bill(plan, usage, used[(r.account_no, cycle)])
        used[(r.account_no, cycle)] += usage.total
        assert bills[(r.account_no, r.period)].total_amount == expected.total
        by_month[r.period[5:]].append(usage.total)
    mean = {m: sum(v) / len(v) for m, v in by_month.items()}
    assert mean["08"] > 1.4 * mean["04"]  # summer air-conditioning
    assert mean["01"] > 1.2 * mean["04"]  # winter heating
    assert len(accounts) == 44  # 40 generated + 4 demo accounts


def test_seed_has_arrears_and_low_prepaid_balances(shared_db_url):
    with session_scope(shared_db_url) as session:
        overdue = session.scalar(select(func.count(func.distinct(Bill.account_no)))
                                 .where(Bill.paid.is_(False), Bill.due_date < clock.today()))
        low = session.scalar(select(func.count()).select_from(Account)
                             .where(Account.billing_mode == "prepaid", Account.balance < Decimal("20")))
    assert overdue >= 1 and low >= 1
