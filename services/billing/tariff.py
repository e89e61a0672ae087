"""The tariff engine: residential tiered pricing (阶梯电价) with optional time-of-use.

Prices live in one YAML table per province under ``tariffs/``, so a price change is a
data change, never a code change.  Each table carries its basis as a customer reads it
(``basis_zh``, kept as ``source`` on the table and its plans: a document's name and a
caveat for whatever the references do not state) and its full ``references`` for the
data and the agent view.  A province is looked up by key, name or city through
:mod:`services.regions`, as the knowledge graph's answers are.  Everything here is a
pure function of its arguments: no database, no clock, no HTTP.

How a bill is computed, the way the utilities do it:

1. The tier is decided by *cumulative* usage in the tier cycle: a calendar month for the
   monthly form, a year for the annual form (年阶梯).  ``used_before_kwh`` is what the
   account already used earlier in the same cycle, so a month can straddle a tier boundary.
2. On a time-of-use plan each tier slice is shared among peak/flat/valley in proportion
   to the month's metered split, in whole kWh (see :func:`allocate_to_periods`).
3. Every line (tier x period) is kWh x price, rounded to 分 half-up; per-tier amounts,
   per-period amounts and the total are sums of those rounded lines, so they always add up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from services.errors import Invalid, NotFound
from services.regions import province_of

TARIFF_DIR = Path(__file__).resolve().parent / "tariffs"
FEN = Decimal("0.01")
TOU_PERIODS = ("peak", "flat", "valley")
# The periods' names, the one home of these labels: the explanations here, and the bills
# and tariffs the bot shows (actions/bill.py, actions/tariff.py: 峰时段, 峰0.568元/度).
PERIOD_ZH = {"peak": "峰", "flat": "平", "valley": "谷"}


def round_to_fen(amount: Decimal) -> Decimal:
    """Money to 分, half-up (四舍五入), as printed on a utility bill."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Tier:
    number: int
    up_to_kwh: int | None  # inclusive upper bound in the cycle; None = no limit
    price: Decimal  # 元/kWh without time-of-use
    tou_prices: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class TariffPlan:
    code: str
    province: str
    name_zh: str
    cycle: str  # "monthly" or "annual"
    tiers: tuple[Tier, ...]
    source: str
    cycle_start_month: int = 1
    time_of_use: bool = False
    tou_windows: dict | None = None
    source_verified: bool = True  # False: ``source`` carries a caveat (see ProvinceTariff.references)

    def months_before_in_cycle(self, month: str) -> list[str]:
        """The months (YYYY-MM) of the same tier cycle that come before ``month``."""
        if self.cycle == "monthly":
            return []
        year, mon = (int(part) for part in month.split("-"))
        start_year = year if mon >= self.cycle_start_month else year - 1
        months, y, m = [], start_year, self.cycle_start_month
        while (y, m) < (year, mon):
            months.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months


@dataclass(frozen=True)
class Reference:
    """One source behind a tariff table, for the data and the agent view."""

    document: str
    issuer: str
    date: str
    url: str
    doc_no: str
    checked_on: str  # YYYY-MM-DD
    status: str  # "verified" (an official document) or "unverified"
    covers: str  # which figures of the table it supports


@dataclass(frozen=True)
class ProvinceTariff:
    province: str
    name_zh: str
    source: str  # the basis as a customer reads it (basis_zh)
    default_plan: str
    plans: dict[str, TariffPlan]
    references: tuple[Reference, ...] = ()
    verified: bool = True  # every reference is an official document (else ``source`` carries a caveat)


@dataclass(frozen=True)
class Usage:
    """One month of metered kWh by time-of-use period (all in ``flat`` on a plain meter)."""

    peak: int = 0
    flat: int = 0
    valley: int = 0

    @property
    def total(self) -> int:
        return self.peak + self.flat + self.valley

    def by_period(self) -> dict[str, int]:
        return {"peak": self.peak, "flat": self.flat, "valley": self.valley}


@dataclass(frozen=True)
class BillLine:
    tier: int
    tou_period: str | None  # None on a plan without time-of-use
    kwh: int
    price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BillBreakdown:
    plan: TariffPlan
    usage: Usage
    used_before_kwh: int
    lines: tuple[BillLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def tier_kwh(self) -> dict[int, int]:
        return {t.number: sum(l.kwh for l in self.lines if l.tier == t.number) for t in self.plan.tiers}

    def tier_amounts(self) -> dict[int, Decimal]:
        return {
            t.number: sum((l.amount for l in self.lines if l.tier == t.number), Decimal("0.00"))
            for t in self.plan.tiers
        }

    def tou_amounts(self) -> dict[str, Decimal]:
        """Amount per time-of-use period; empty on a plan without time-of-use."""
        if not self.plan.time_of_use:
            return {}
        priced = [p for p in TOU_PERIODS if p in self.plan.tiers[0].tou_prices]
        return {
            p: sum((l.amount for l in self.lines if l.tou_period == p), Decimal("0.00")) for p in priced
        }

    def explanation_zh(self) -> str:
        """A sentence the bot can read out: where the month fell in the tiers, and the sum."""
        cycle = "本年度" if self.plan.cycle == "annual" else "本月"
        parts = []
        if self.plan.cycle == "annual":
            parts.append(f"按{self.plan.name_zh}，{cycle}此前已用电{self.used_before_kwh}千瓦时")
        else:
            parts.append(f"按{self.plan.name_zh}")
        parts.append(f"本月用电{self.usage.total}千瓦时")
        for line in self.lines:
            if line.kwh == 0:
                continue
            period = f"{PERIOD_ZH[line.tou_period]}段" if line.tou_period else ""
            parts.append(
                f"第{line.tier}档{period}{line.kwh}千瓦时×{line.price}元={line.amount}元"
            )
        return "，".join(parts) + f"，合计{self.total}元。"


# ---------------------------------------------------------------------------- loading


def _plan_from_yaml(raw: dict, province: str, source: str, verified: bool) -> TariffPlan:
    tiers = tuple(
        Tier(
            number=int(t["tier"]),
            up_to_kwh=None if t.get("up_to_kwh") is None else int(t["up_to_kwh"]),
            price=Decimal(str(t["price"])),
            tou_prices={k: Decimal(str(v)) for k, v in (t.get("tou_prices") or {}).items()},
        )
        for t in raw["tiers"]
    )
    return TariffPlan(
        code=raw["code"],
        province=province,
        name_zh=raw["name_zh"],
        cycle=raw["cycle"],
        tiers=tiers,
        source=raw.get("basis_zh", source),
        source_verified=verified,
        cycle_start_month=int(raw.get("cycle_start_month", 1)),
        time_of_use=bool(raw.get("time_of_use", False)),
        tou_windows=raw.get("tou_windows"),
    )


def available_provinces() -> list[str]:
    return sorted(p.stem for p in TARIFF_DIR.glob("*.yml"))


def _reference(raw: dict) -> Reference:
    fields = ("document", "issuer", "date", "url", "doc_no", "checked_on", "covers")
    return Reference(status=str(raw.get("status") or "verified"), **{name: str(raw.get(name) or "") for name in fields})


@lru_cache(maxsize=None)
def load_tariff(province: str) -> ProvinceTariff:
    """The province's tariff table, by key, name or city ("beijing", "北京", "杭州");
    NotFound for a province without one."""
    named = province_of(province)
    key = named.key if named else province.strip().lower()
    if key not in available_provinces():
        raise NotFound(
            "unknown_province",
            f"No tariff table for province {province!r}; known: {', '.join(available_provinces())}",
            "暂无该省份的电价表。",
        )
    raw = yaml.safe_load((TARIFF_DIR / f"{key}.yml").read_text(encoding="utf-8"))
    references = tuple(_reference(item) for item in raw.get("references") or [])
    verified = bool(references) and all(ref.status == "verified" for ref in references)
    plans = {p["code"]: _plan_from_yaml(p, raw["province"], raw["basis_zh"], verified) for p in raw["plans"]}
    return ProvinceTariff(raw["province"], raw["name_zh"], raw["basis_zh"], raw["default_plan"], plans, references,
                          verified)


def find_plan(code: str) -> TariffPlan:
    """A plan by its code (e.g. ``zhejiang-annual-tou``), searching every province."""
    for province in available_provinces():
        plan = load_tariff(province).plans.get(code)
        if plan is not None:
            return plan
    raise NotFound("unknown_tariff_plan", f"No tariff plan {code!r}", "暂无该电价方案。")


# ---------------------------------------------------------------------------- computing


def split_into_tiers(plan: TariffPlan, kwh: int, used_before_kwh: int) -> list[tuple[int, int]]:
    """This month's ``kwh`` cut at the tier boundaries, given what the cycle used before.

    Returns ``[(tier_number, kwh_in_tier), ...]`` for every tier, zeros included."""
    slices, position, remaining = [], used_before_kwh, kwh
    for tier in plan.tiers:
        room = remaining if tier.up_to_kwh is None else max(0, min(remaining, tier.up_to_kwh - position))
        slices.append((tier.number, room))
        position += room
        remaining -= room
    return slices


def allocate_to_periods(usage: Usage, tier_slices: list[tuple[int, int]]) -> list[tuple[int, str, int]]:
    """Share each tier slice among the time-of-use periods in proportion to the month's split.

    Done on cumulative totals — the peak kWh up to the end of each tier is
    round_half_up(peak share x cumulative kWh) — so the whole-kWh slices add up exactly
    to both the tier slices and the metered period totals.  The last period present takes
    the remainder."""
    periods = [(p, k) for p, k in usage.by_period().items() if k > 0]
    total = usage.total
    allocated: list[tuple[int, str, int]] = []
    cumulative = 0
    before = {p: 0 for p, _ in periods}
    for tier, kwh in tier_slices:
        cumulative += kwh
        remainder = cumulative
        for index, (period, period_kwh) in enumerate(periods):
            if index == len(periods) - 1:
                upto = remainder
            else:
                upto = int((Decimal(period_kwh * cumulative) / total).quantize(Decimal(1), ROUND_HALF_UP))
                remainder -= upto
            allocated.append((tier, period, upto - before[period]))
            before[period] = upto
    return allocated


def compute_bill(plan: TariffPlan, usage: Usage | int, used_before_kwh: int = 0) -> BillBreakdown:
    """The bill for one month of ``usage`` on ``plan``.

    ``used_before_kwh`` is the usage earlier in the same tier cycle (ignored for the
    monthly form).  A plain ``int`` means kWh on a meter without time-of-use."""
    if isinstance(usage, int):
        usage = Usage(flat=usage)
    if min(usage.peak, usage.flat, usage.valley, used_before_kwh) < 0:
        raise Invalid("negative_kwh", "kWh cannot be negative", "用电量不能为负数。")
    used_before = used_before_kwh if plan.cycle == "annual" else 0
    slices = split_into_tiers(plan, usage.total, used_before)
    prices = {t.number: t for t in plan.tiers}
    lines: list[BillLine] = []
    if not plan.time_of_use:
        for tier, kwh in slices:
            price = prices[tier].price
            lines.append(BillLine(tier, None, kwh, price, round_to_fen(kwh * price)))
    else:
        for tier, period, kwh in allocate_to_periods(usage, slices):
            price = prices[tier].tou_prices.get(period)
            if price is None:
                raise Invalid(
                    "no_price_for_period",
                    f"Plan {plan.code} has no {period} price",
                    f"该电价方案没有{PERIOD_ZH[period]}段电价。",
                )
            lines.append(BillLine(tier, period, kwh, price, round_to_fen(kwh * price)))
    return BillBreakdown(plan, usage, used_before, tuple(lines))
