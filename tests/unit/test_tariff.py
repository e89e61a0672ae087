"""The tariff engine against bills worked out by hand (the arithmetic is in the comments)."""
from decimal import Decimal

import pytest

from services.billing.tariff import (
    Usage, available_provinces, compute_bill, find_plan, load_tariff, round_to_fen,
)
from services.errors import Invalid, NotFound

ZJ = find_plan("zhejiang-annual")
ZJ_TOU = find_plan("zhejiang-annual-tou")
BJ_MONTHLY = find_plan("beijing-monthly")
BJ_ANNUAL = find_plan("beijing-annual")


def test_every_table_names_its_source_and_prices_from_the_reference():
    assert available_provinces() == ["beijing", "zhejiang"]
    for province in available_provinces():
        table = load_tariff(province)
        assert table.source
        assert table.default_plan in table.plans
    assert [t.price for t in ZJ.tiers] == [Decimal("0.538"), Decimal("0.588"), Decimal("0.838")]
    assert [t.up_to_kwh for t in ZJ.tiers] == [2760, 4800, None]
    assert [t.tou_prices for t in ZJ_TOU.tiers][2] == {"peak": Decimal("0.868"), "valley": Decimal("0.588")}
    assert [t.up_to_kwh for t in BJ_MONTHLY.tiers] == [240, 400, None]
    assert [t.up_to_kwh for t in BJ_ANNUAL.tiers] == [2880, 4800, None]


def test_unknown_province_is_not_found():
    with pytest.raises(NotFound):
        load_tariff("atlantis")


def test_rounding_is_half_up_to_fen():
    assert round_to_fen(Decimal("73.245")) == Decimal("73.25")  # banker's rounding would give 73.24
    assert round_to_fen(Decimal("20.444")) == Decimal("20.44")


def test_zhejiang_month_inside_tier_one():
    # 200 kWh, nothing used before in the year: 200 x 0.538 = 107.60
    bill = compute_bill(ZJ, 200, used_before_kwh=0)
    assert bill.total == Decimal("107.60")
    assert bill.tier_kwh() == {1: 200, 2: 0, 3: 0}


def test_zhejiang_month_crossing_tier_one_to_two_mid_year():
    # 2,700 kWh used earlier this year; tier 1 ends at 2,760.
    # This month 300 kWh: 60 kWh in tier 1 x 0.538 = 32.28
    #                     240 kWh in tier 2 x 0.588 = 141.12      total 173.40
    bill = compute_bill(ZJ, 300, used_before_kwh=2700)
    assert bill.tier_kwh() == {1: 60, 2: 240, 3: 0}
    assert bill.tier_amounts() == {1: Decimal("32.28"), 2: Decimal("141.12"), 3: Decimal("0.00")}
    assert bill.total == Decimal("173.40")


def test_zhejiang_month_crossing_two_boundaries():
    # 2,700 used before, 2,200 this month (cumulative 4,900):
    # tier 1: 60 x 0.538 = 32.28; tier 2: 2,040 x 0.588 = 1,199.52; tier 3: 100 x 0.838 = 83.80
    # total 1,315.60
    bill = compute_bill(ZJ, 2200, used_before_kwh=2700)
    assert bill.tier_kwh() == {1: 60, 2: 2040, 3: 100}
    assert bill.total == Decimal("1315.60")


def test_whole_month_in_tier_three():
    # 5,000 used before: all 100 kWh in tier 3: 100 x 0.838 = 83.80
    assert compute_bill(ZJ, 100, used_before_kwh=5000).total == Decimal("83.80")


def test_zhejiang_time_of_use_bill_crossing_a_tier():
    # 2,700 used before; this month peak 180 + valley 120 = 300 kWh -> tier 1 gets 60, tier 2 gets 240.
    # Shares: peak 180/300 = 60%.  Cumulative split: at 60 kWh peak = 36, valley = 24;
    # at 300 kWh peak = 180, valley = 120 -> tier 2 peak 144, valley 96.
    #   tier 1 peak    36 x 0.568 = 20.448 -> 20.45
    #   tier 1 valley  24 x 0.288 =  6.912 ->  6.91
    #   tier 2 peak   144 x 0.618 = 88.992 -> 88.99
    #   tier 2 valley  96 x 0.338 = 32.448 -> 32.45
    # total 148.80; peak 109.44, valley 39.36; tier 1 27.36, tier 2 121.44
    bill = compute_bill(ZJ_TOU, Usage(peak=180, valley=120), used_before_kwh=2700)
    lines = [(l.tier, l.tou_period, l.kwh, l.amount) for l in bill.lines if l.kwh]
    assert lines == [
        (1, "peak", 36, Decimal("20.45")), (1, "valley", 24, Decimal("6.91")),
        (2, "peak", 144, Decimal("88.99")), (2, "valley", 96, Decimal("32.45")),
    ]
    assert bill.total == Decimal("148.80")
    assert bill.tou_amounts() == {"peak": Decimal("109.44"), "valley": Decimal("39.36")}
    assert bill.tier_amounts()[1] == Decimal("27.36") and bill.tier_amounts()[2] == Decimal("121.44")


def test_time_of_use_split_keeps_metered_totals_exact():
    # Odd numbers that do not divide evenly: each period's kWh must still add up to the meter.
    bill = compute_bill(ZJ_TOU, Usage(peak=101, valley=66), used_before_kwh=2750)
    peak = sum(l.kwh for l in bill.lines if l.tou_period == "peak")
    valley = sum(l.kwh for l in bill.lines if l.tou_period == "valley")
    assert (peak, valley) == (101, 66)
    assert bill.tier_kwh() == {1: 10, 2: 157, 3: 0}
    assert all(l.kwh >= 0 for l in bill.lines)


def test_time_of_use_plan_rejects_flat_kwh_it_has_no_price_for():
    with pytest.raises(Invalid):
        compute_bill(ZJ_TOU, Usage(flat=100), used_before_kwh=0)


def test_beijing_monthly_ignores_usage_earlier_in_the_year():
    # Monthly form: 450 kWh in one month, whatever came before:
    # 240 x 0.4883 = 117.192 -> 117.19; 160 x 0.5383 = 86.128 -> 86.13; 50 x 0.7883 = 39.415 -> 39.42
    # total 242.74
    bill = compute_bill(BJ_MONTHLY, 450, used_before_kwh=9999)
    assert bill.tier_kwh() == {1: 240, 2: 160, 3: 50}
    assert bill.total == Decimal("242.74")


def test_beijing_monthly_half_up_on_an_exact_half_fen():
    # 150 x 0.4883 = 73.245 exactly -> 73.25 (half-up; half-even would say 73.24)
    assert compute_bill(BJ_MONTHLY, 150).total == Decimal("73.25")


def test_beijing_annual_crossing_tier_boundary():
    # 2,800 used before, tier 1 ends at 2,880: 80 x 0.4883 = 39.064 -> 39.06;
    # 120 x 0.5383 = 64.596 -> 64.60; total 103.66
    assert compute_bill(BJ_ANNUAL, 200, used_before_kwh=2800).total == Decimal("103.66")


def test_months_before_in_cycle():
    assert ZJ.months_before_in_cycle("2026-03") == ["2026-01", "2026-02"]
    assert ZJ.months_before_in_cycle("2026-01") == []
    assert BJ_MONTHLY.months_before_in_cycle("2026-08") == []


def test_explanation_mentions_tiers_and_total():
    text = compute_bill(ZJ, 300, used_before_kwh=2700).explanation_zh()
    assert "2700" in text and "第1档" in text and "第2档" in text and "173.40" in text


def test_negative_usage_is_invalid():
    with pytest.raises(Invalid):
        compute_bill(ZJ, -1)


def test_a_table_is_found_by_the_province_name_a_customer_uses():
    assert load_tariff("北京").plans == load_tariff("beijing").plans
    assert load_tariff("宁波").province == "zhejiang"


def test_the_basis_a_customer_reads_is_chinese_with_a_caveat_where_unverified():
    # Beijing's prices rest on a newspaper report and its annual tiers are derived:
    # the basis says so, and names neither the paper nor anything in English.
    beijing = load_tariff("beijing")
    assert not beijing.verified and all(ref.status == "unverified" for ref in beijing.references)
    assert "未经北京市官方文件核实" in beijing.source and "推算" in beijing.source
    assert BJ_ANNUAL.source == beijing.source and not BJ_ANNUAL.source_verified
    zhejiang = load_tariff("zhejiang")
    assert zhejiang.source.startswith("浙江省物价局2012年居民阶梯电价通知")
    assert any(ref.status == "verified" and ref.url for ref in zhejiang.references)
    for table in (beijing, zhejiang):
        assert "China Daily" not in table.source and not any(c.isascii() and c.isalpha() for c in table.source)
