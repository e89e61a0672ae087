"""Deterministic demo data: 5,000 accounts x 24 months of readings, bills and payments.

``python -m services.billing.seed [--accounts N] [--today YYYY-MM-DD] [--database-url URL]``
migrates the database and seeds it once; if any account exists it does nothing.

Decisions a reader should know:

* Time: the 24 months end with the month before ``today``, which defaults to the one
  clock's today (``services.clock``), so the demo always has last month's bill and the
  tests pass on any date.  The same ``today`` always gives the same data.  Accounts
  "open" at the first month, so their first tier cycle starts at zero.
* Randomness: one ``random.Random(seed)`` drives everything, in a fixed order.
* Usage (``_kwh_series``): a household's month = its base kWh (log-normal, median ~190)
  x its trend x a seasonal factor x a persistent deviation, now and then a month away.
  The seasonal factor is a baseline plus a summer air-conditioning bump (Jun-Sep, highest
  in Aug) and a winter heating bump (Nov-Mar, highest in Jan), each scaled by how much
  this household cools and heats (log-normal around 1; Beijing's winter bump is smaller:
  most homes there have district heating) and by the region's weather that month (a
  hotter summer or colder winter than normal moves every household in the province).
  The deviation is AR(1) on the log scale (a household that used more than usual last
  month tends to again).  30% of households have a trend (-10% to +15% a year), 10% a
  step change from one month on (x0.75 to x1.30: someone moved in or out, a new
  appliance), and any month has a 2% chance of being mostly away (x0.35 to x0.70).
  Demo accounts have the average seasonal shape, no trend, step or month away.
* Bills come from the tariff engine; issue and due dates from ``cycle.py`` (the 1st and
  the 25th of the month after the period: demo conventions, not rules from the reference).  About 5% of postpaid accounts owe
  1-3 past-due bills; the latest bill of many postpaid accounts is unpaid but not yet due;
  about 10% of prepaid accounts have a balance under 20 元.
* Only 居民 (residential) accounts are generated: the reference has no 一般工商业 prices.
* Demo accounts (demo_accounts.yml) get fixed details and scenarios.
"""
from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from services.billing.cycle import due_date
from services.billing.models import (
    Account, Bill, Customer, MeterReading, Payment, PaymentAllocation, TariffPlanRow,
)
from services.billing.tariff import (
    BillBreakdown, TariffPlan, Usage, available_provinces, compute_bill, find_plan, load_tariff,
)
from services import clock, months
from services.db import migrate, session_scope
from services.settings import get_settings

DEFAULT_ACCOUNTS = 5000
DEFAULT_SEED = 20261122
MONTHS = 24
DEMO_FILE = Path(__file__).resolve().parent / "demo_accounts.yml"

# Share of generated accounts per plan, and the province's 户号 prefix.
PLAN_MIX = [("zhejiang-annual", 0.45), ("zhejiang-annual-tou", 0.20), ("beijing-monthly", 0.20), ("beijing-annual", 0.15)]
ACCOUNT_PREFIX = {"zhejiang": "33", "beijing": "11"}
PREPAID_SHARE, ARREARS_SHARE, LOW_BALANCE_SHARE, LATEST_UNPAID_SHARE = 0.25, 0.05, 0.10, 0.35
# Seasonal factor by calendar month = BASELINE + cooling x COOLING + heating x HEATING
# (a household with cooling = heating = 1 and Zhejiang's winter: 1.35 in Jan, 0.85 in Apr,
# 1.70 in Aug).  HEATING_SCALE: Beijing's homes mostly have district heating.
BASELINE = 0.85
COOLING = {5: 0.05, 6: 0.30, 7: 0.75, 8: 0.85, 9: 0.35, 10: 0.05}
HEATING = {11: 0.10, 12: 0.40, 1: 0.50, 2: 0.40, 3: 0.15}
HEATING_SCALE = {"zhejiang": 1.0, "beijing": 0.6}
WEATHER_SD = 0.12  # a month's regional weather anomaly, as a share of its heating/cooling use
TREND_SHARE, TREND_RANGE = 0.30, (-0.10, 0.15)  # households with a trend; its yearly change
STEP_SHARE, STEP_RANGE = 0.10, (0.75, 1.30)  # households whose usage steps once; the factor
AWAY_SHARE, AWAY_RANGE = 0.02, (0.35, 0.70)  # chance of a month mostly away; its factor

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉玲红春梅海燕鹏飞俊婷"
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "156", "158", "159", "177", "180", "181", "182", "186", "187", "188", "189", "199"]
PLACES = {
    "zhejiang": ("浙江省", "330", ["杭州市西湖区", "杭州市拱墅区", "宁波市鄞州区", "温州市鹿城区", "绍兴市越城区", "嘉兴市南湖区"]),
    "beijing": ("北京市", "110", ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区"]),
}
ROADS = ["文三路", "解放路", "中山路", "人民路", "建设路", "和平里街", "学院路", "新华街", "东风路", "长安街"]


def months_ending_before(today: date, count: int = MONTHS) -> list[str]:
    """The ``count`` months (YYYY-MM) ending with the month before ``today``."""
    last = months.shift(months.month_of(today), -1)
    return months.months_between(months.shift(last, 1 - count), last)


@dataclass
class Profile:
    """Everything the generator decides about one account before computing its bills."""

    account_no: str
    name: str
    mobile: str
    province: str
    plan: str
    billing_mode: str
    base_kwh: float
    scenario: str = "normal"  # normal | arrears | low_balance | paid_up | latest_unpaid
    unpaid_months: int = 0
    balance: Decimal | None = None
    valley_share: float = 0.0
    # The usage shape (``_kwh_series``); the defaults are the demo accounts' average household.
    cooling: float = 1.0  # summer air-conditioning, times the regional norm
    heating: float = 1.0  # winter heating, times the regional norm
    growth: float = 0.0  # trend: change per year (0.08 = +8 %)
    step_at: int | None = None  # month index from which usage is multiplied by ``step``
    step: float = 1.0
    persistence: float = 0.5  # AR(1) coefficient of the log deviation from the usual month
    noise: float = 0.06  # sd of each month's new log deviation
    away_share: float = 0.0  # chance of a month mostly away from home


@dataclass
class SeedRows:
    tables: dict[type, list[dict]] = field(default_factory=lambda: {
        TariffPlanRow: [], Customer: [], Account: [], MeterReading: [], Bill: [], Payment: [], PaymentAllocation: []})

    def add(self, model: type, row: dict) -> int:
        """Append a row with the next id (explicit ids let bills and payments refer to each other)."""
        rows = self.tables[model]
        if "id" not in row and model is not TariffPlanRow and model is not Account:
            row["id"] = len(rows) + 1
        rows.append(row)
        return row.get("id", 0)


# ---------------------------------------------------------------------------- generating


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _draw_shape(rng: random.Random, profile: Profile, n_months: int) -> None:
    """The household's own seasonal amplitudes, trend, step change and noise."""
    profile.cooling, profile.heating = rng.lognormvariate(0, 0.35), rng.lognormvariate(0, 0.45)
    if rng.random() < TREND_SHARE:
        profile.growth = rng.uniform(*TREND_RANGE)
    if rng.random() < STEP_SHARE:
        profile.step_at, profile.step = rng.randrange(1, n_months), rng.uniform(*STEP_RANGE)
    profile.persistence, profile.noise = rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.12)
    profile.away_share = AWAY_SHARE


def _generated_profiles(rng: random.Random, n: int, taken: set[str], n_months: int = MONTHS) -> list[Profile]:
    plans, weights = zip(*PLAN_MIX)
    profiles = []
    for i in range(n):
        plan = rng.choices(plans, weights)[0]
        province = plan.split("-")[0]
        account_no = ACCOUNT_PREFIX[province] + f"{(i * 7919 + 1234567) % 10**8:08d}"
        if account_no in taken:
            continue
        prepaid = rng.random() < PREPAID_SHARE
        profile = Profile(account_no, _name(rng), _mobile(rng), province, plan,
                          "prepaid" if prepaid else "postpaid", rng.lognormvariate(math.log(190), 0.45))
        roll = rng.random()
        if prepaid and roll < LOW_BALANCE_SHARE:
            profile.scenario, profile.balance = "low_balance", Decimal(rng.randrange(0, 2000)) / 100
        elif not prepaid and roll < ARREARS_SHARE:
            profile.scenario, profile.unpaid_months = "arrears", rng.randint(2, 4)  # the latest is never overdue
        elif not prepaid and roll < ARREARS_SHARE + LATEST_UNPAID_SHARE:
            profile.scenario, profile.unpaid_months = "latest_unpaid", 1
        if prepaid and profile.balance is None:
            profile.balance = Decimal(rng.randrange(2000, 80000)) / 100
        _draw_shape(rng, profile, n_months)
        profiles.append(profile)
    return profiles


def _demo_profiles() -> list[Profile]:
    demos = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["accounts"]
    return [
        Profile(d["account_no"], d["name"], d["phone"], d["province"], d["tariff_plan"], d["billing_mode"],
                float(d["base_kwh"]), d.get("scenario", "normal"), int(d.get("unpaid_months", 0)),
                Decimal(str(d["balance"])) if "balance" in d else (Decimal("300.00") if d["billing_mode"] == "prepaid" else None))
        for d in demos
    ]


def _weather(rng: random.Random, periods: list[str]) -> dict[tuple[str, str], float]:
    """Each province's weather anomaly per month: the share by which heating and cooling
    use is above (hotter summer, colder winter) or below the norm, for every household."""
    return {(province, period): rng.gauss(0.0, WEATHER_SD)
            for province in sorted(ACCOUNT_PREFIX) for period in periods}


def _seasonal_factor(profile: Profile, month: int, anomaly: float) -> float:
    heating = profile.heating * HEATING_SCALE[profile.province] * HEATING.get(month, 0.0)
    bumps = profile.cooling * COOLING.get(month, 0.0) + heating
    return BASELINE + bumps * (1.0 + anomaly)


def _kwh_series(rng: random.Random, profile: Profile, periods: list[str],
                weather: dict[tuple[str, str], float]) -> list[int]:
    """The household's total kWh per month (the shape is described in the module docstring)."""
    stationary_sd = profile.noise / math.sqrt(1.0 - profile.persistence ** 2)
    deviation = rng.gauss(0.0, stationary_sd)
    series = []
    for index, period in enumerate(periods):
        level = profile.base_kwh * (1.0 + profile.growth) ** (index / 12)
        if profile.step_at is not None and index >= profile.step_at:
            level *= profile.step
        season = _seasonal_factor(profile, int(period[5:]), weather[(profile.province, period)])
        deviation = profile.persistence * deviation + rng.gauss(0.0, profile.noise)
        away = rng.uniform(*AWAY_RANGE) if rng.random() < profile.away_share else 1.0
        series.append(max(0, round(level * season * math.exp(deviation) * away)))
    return series


def _metered(rng: random.Random, profile: Profile, plan: TariffPlan, kwh: int) -> Usage:
    """A month's kWh as the meter reports it: all flat, or split into peak and valley."""
    if not plan.time_of_use:
        return Usage(flat=kwh)
    valley = round(kwh * profile.valley_share * rng.uniform(0.9, 1.1))
    return Usage(peak=kwh - valley, valley=valley)


def _customer_details(rng: random.Random, profile: Profile) -> dict:
    prefix, id_region, districts = PLACES[profile.province]
    last4 = f"{rng.randrange(1000):03d}" + rng.choice("0123456789X")
    return {
        "name": profile.name,
        "mobile": profile.mobile,
        "id_number_masked": f"{id_region}{'*' * 11}{last4}",
        "address": f"{prefix}{rng.choice(districts)}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
                   f"{rng.randint(1, 30)}幢{rng.randint(1, 28)}0{rng.randint(1, 4)}室",
        "segment": "居民",
    }


def _add_account(rows: SeedRows, rng: random.Random, profile: Profile, periods: list[str], today: date,
                 weather: dict[tuple[str, str], float]) -> None:
    """The customer, the account and its months of readings, bills and payments."""
    plan = find_plan(profile.plan)
    profile.valley_share = rng.uniform(0.30, 0.45)
    customer_id = rows.add(Customer, _customer_details(rng, profile))
    rows.add(Account, {
        "account_no": profile.account_no, "customer_id": customer_id, "province": profile.province,
        "tariff_plan": plan.code, "billing_mode": profile.billing_mode,
        "balance": profile.balance if profile.billing_mode == "prepaid" else Decimal("0.00"),
        "opened_on": date(int(periods[0][:4]), int(periods[0][5:]), 1),
    })
    used_in_cycle: dict[str, int] = {}  # cycle (year, or month for the monthly form) -> kWh so far
    unpaid_from = len(periods) - profile.unpaid_months
    kwh_series = _kwh_series(rng, profile, periods, weather)
    for index, period in enumerate(periods):
        usage = _metered(rng, profile, plan, kwh_series[index])
        cycle = period[:4] if plan.cycle == "annual" else period  # calendar-year cycles (tariff YAML)
        breakdown = compute_bill(plan, usage, used_in_cycle.get(cycle, 0))
        used_in_cycle[cycle] = used_in_cycle.get(cycle, 0) + usage.total
        rows.add(MeterReading, {"account_no": profile.account_no, "period": period,
                                "peak_kwh": usage.peak, "flat_kwh": usage.flat, "valley_kwh": usage.valley})
        paid = profile.billing_mode == "prepaid" or index < unpaid_from
        paid_at = _midnight(min(due_date(period) - timedelta(days=rng.randint(0, 20)), today)) if paid else None
        bill_id = rows.add(Bill, _bill_row(profile.account_no, period, breakdown, paid_at))
        if paid and profile.billing_mode == "postpaid" and index >= len(periods) - 6:
            _add_bill_payment(rows, rng, profile.account_no, period, bill_id, breakdown.total, paid_at)
    if profile.billing_mode == "prepaid":
        _add_top_up(rows, rng, profile, today)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


def _bill_row(account_no: str, period: str, breakdown: BillBreakdown, paid_at: datetime | None) -> dict:
    tiers, tier_amounts, tou = breakdown.tier_kwh(), breakdown.tier_amounts(), breakdown.tou_amounts()
    return {
        "account_no": account_no, "period": period,
        **{f"tier{n}_kwh": tiers.get(n, 0) for n in (1, 2, 3)},
        **{f"tier{n}_amount": tier_amounts.get(n, Decimal("0.00")) for n in (1, 2, 3)},
        **{f"{p}_amount": tou.get(p) for p in ("peak", "flat", "valley")},
        "total_amount": breakdown.total, "due_date": due_date(period), "paid": paid_at is not None,
        "paid_amount": breakdown.total if paid_at else Decimal("0.00"), "paid_at": paid_at,
        "late_fee": Decimal("0.00"),  # seeded bills were paid on time or are still unpaid
    }


def _add_bill_payment(rows: SeedRows, rng: random.Random, account_no: str, period: str, bill_id: int,
                      amount: Decimal, paid_at: datetime) -> None:
    """The payment that settled a postpaid bill (seeded for the last 6 months only)."""
    payment_id = rows.add(Payment, {
        "account_no": account_no, "amount": amount, "channel": rng.choice(["app", "wechat", "alipay", "bank"]),
        "idempotency_key": f"seed-{account_no}-{period}", "request_hash": "seed", "status": "succeeded",
        "balance_after": Decimal("0.00"), "created_at": paid_at})
    rows.add(PaymentAllocation, {"payment_id": payment_id, "bill_id": bill_id, "amount": amount})


def _add_top_up(rows: SeedRows, rng: random.Random, profile: Profile, today: date) -> None:
    """A prepaid account's latest top-up (its bills are deducted from the balance)."""
    rows.add(Payment, {
        "account_no": profile.account_no, "amount": Decimal(rng.choice([50, 100, 200, 300])),
        "channel": rng.choice(["app", "wechat", "alipay"]), "idempotency_key": f"seed-{profile.account_no}-topup",
        "request_hash": "seed", "status": "succeeded", "balance_after": profile.balance,
        "created_at": _midnight(today - timedelta(days=rng.randint(3, 25)))})


def generate(n_accounts: int = DEFAULT_ACCOUNTS, today: date | None = None, seed: int = DEFAULT_SEED,
             n_months: int = MONTHS) -> SeedRows:
    """All seed rows, computed in memory; the same arguments always give the same rows.

    ``n_months`` other than the database's 24: the forecast backtest's longer histories
    from the same generator (``seed()`` always writes 24)."""
    today = today or clock.today()
    rng = random.Random(seed)
    rows = SeedRows()
    for province in available_provinces():
        for plan in load_tariff(province).plans.values():
            rows.add(TariffPlanRow, {"code": plan.code, "province": plan.province, "name_zh": plan.name_zh,
                                     "cycle": plan.cycle, "time_of_use": plan.time_of_use, "source": plan.source})
    periods = months_ending_before(today, n_months)
    weather = _weather(rng, periods)
    demos = _demo_profiles()
    profiles = demos + _generated_profiles(rng, n_accounts, {d.account_no for d in demos}, n_months)
    for profile in profiles:
        _add_account(rows, rng, profile, periods, today, weather)
    return rows


# ---------------------------------------------------------------------------- writing


def is_seeded(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Account)) or 0) > 0


def write(session: Session, rows: SeedRows, chunk: int = 20_000) -> None:
    """Bulk-insert every table in dependency order."""
    for model, table_rows in rows.tables.items():
        for start in range(0, len(table_rows), chunk):
            session.execute(insert(model), table_rows[start:start + chunk])
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for model in (Customer, MeterReading, Bill, Payment, PaymentAllocation):
            table = model.__tablename__
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))


def seed(url: str | None = None, n_accounts: int = DEFAULT_ACCOUNTS, today: date | None = None,
         seed_value: int = DEFAULT_SEED, run_migrations: bool = True) -> bool:
    """Migrate and seed the database at ``url`` once, then renew the demo outages;
    False if it already had accounts."""
    url = url or get_settings().database_url
    if run_migrations:
        migrate(url)
    with session_scope(url) as session:
        fresh = not is_seeded(session)
        if fresh:
            write(session, generate(n_accounts, today, seed_value))
    from services.outage.seed import seed_outages  # imported here: that module imports this one

    seed_outages(url, today)  # the demo's planned outages and faults, kept current on every run
    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="default: the clock's today")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    get_settings().var_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = seed(args.database_url, args.accounts, args.today, args.seed)
    elapsed = time.perf_counter() - started
    print(f"seeded {args.accounts} accounts in {elapsed:.1f}s" if done else "already seeded; nothing to do")


if __name__ == "__main__":
    main()
