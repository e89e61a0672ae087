"""Cases customers really type or say, for services.textnorm."""

from datetime import date
from decimal import Decimal

import pytest

from services import textnorm

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３３０１２３４５６７", "3301234567"),
        ("ＡＢＣ　ｋＷｈ", "ABC kWh"),
        ("￥５０", "¥50"),
        ("你好，请问？", "你好，请问？"),  # Chinese punctuation stays
        ("", ""),
    ],
)
def test_to_halfwidth(raw: str, expected: str) -> None:
    assert textnorm.to_halfwidth(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  户号 3301 2345 67  ", "户号 3301234567"),
        ("我的\t户号\n\n是", "我的 户号 是"),
        ("３３０１　２３４　５６７", "3301234567"),
        ("交 100 元", "交 100 元"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert textnorm.normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("零", "0"),
        ("十", "10"),
        ("十五", "15"),
        ("二十", "20"),
        ("三百", "300"),
        ("两百五", "250"),
        ("两百五十", "250"),
        ("一千二", "1200"),
        ("三万五", "35000"),
        ("一百零五", "105"),
        ("一千零二十", "1020"),
        ("一万零五百", "10500"),
        ("3千", "3000"),
        ("3千5", "3500"),
        ("1.5万", "15000"),
        ("十万", "100000"),
        ("一亿两千万", "120000000"),
        ("三点五", "3.5"),
        ("幺百", "100"),
        ("二〇二六", "2026"),
        ("1,000", "1000"),
        ("300", "300"),
        ("两百50", "250"),
    ],
)
def test_chinese_to_number(raw: str, expected: str) -> None:
    assert textnorm.chinese_to_number(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "电费", "三四百", "一百多", "3301abc"])
def test_chinese_to_number_rejects(raw: str) -> None:
    assert textnorm.chinese_to_number(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3301234567", "3301234567"),
        ("3301 234 567", "3301234567"),
        ("3301-234-567", "3301234567"),
        ("３３０１２３４５６７", "3301234567"),
        ("我的户号是4402918837查一下", "4402918837"),
        ("三三零一二三四五六七", "3301234567"),
        ("三三洞幺二三四五六七", "3301234567"),
        ("户号 三三零一 二三四 五六七", "3301234567"),
        ("0000000000", "0000000000"),
    ],
)
def test_parse_account_no(raw: str, expected: str) -> None:
    assert textnorm.parse_account_no(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "330123456",  # 9 digits
        "33012345678",  # 11 digits
        "没有户号",
        "3301234567 和 4402918837",  # two different numbers: ask again
        "",
    ],
)
def test_parse_account_no_rejects(raw: str) -> None:
    assert textnorm.parse_account_no(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("手机１３８１２３４５６７８", "13812345678"),
        ("幺三八幺二三四五六七八", "13812345678"),
        ("+86 13812345678", "13812345678"),
    ],
)
def test_parse_phone(raw: str, expected: str) -> None:
    assert textnorm.parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "3301234567", ""])
def test_parse_phone_rejects(raw: str) -> None:
    assert textnorm.parse_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5678", "5678"), ("尾号0021", "0021"), ("五六七八", "5678"), ("幺洞洞八", "1008")],
)
def test_parse_last4(raw: str, expected: str) -> None:
    assert textnorm.parse_last4(raw) == expected


@pytest.mark.parametrize("raw", ["567", "56789", "一下"])
def test_parse_last4_rejects(raw: str) -> None:
    assert textnorm.parse_last4(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一百块", "100.00"),
        ("100元", "100.00"),
        ("两百五", "250.00"),
        ("￥50", "50.00"),
        ("¥ 50", "50.00"),
        ("50.5元", "50.50"),
        ("一百二十块五毛", "120.50"),
        ("五十块钱", "50.00"),
        ("1,000", "1000.00"),
        ("1,000元", "1000.00"),
        ("一千", "1000.00"),
        ("三块五", "3.50"),
        ("一块二毛三分", "1.23"),
        ("五毛钱", "0.50"),
        ("八分", "0.08"),
        ("交两百块钱", "200.00"),
        ("人民币300", "300.00"),
        ("0元", "0.00"),
        ("2千块", "2000.00"),
        ("零点五元", "0.50"),    # the decimal part is read, never 5 yuan
        ("一点八块", "1.80"),
    ],
)
def test_parse_amount(raw: str, expected: str) -> None:
    assert textnorm.parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "充一百", "一百多块", "好多钱"])
def test_parse_amount_rejects(raw: str) -> None:
    assert textnorm.parse_amount(raw) is None


def test_parse_amount_does_not_take_a_month_for_jiao() -> None:
    assert textnorm.parse_amount("100元5月") == Decimal("100.00")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("三百度", "300"),
        ("300度", "300"),
        ("300千瓦时", "300"),
        ("300kWh", "300"),
        ("３００ＫＷＨ", "300"),
        ("两千五百度", "2500"),
        ("用了二百五十度电", "250"),
        ("1.5度", "1.5"),
    ],
)
def test_parse_kwh(raw: str, expected: str) -> None:
    assert textnorm.parse_kwh(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("上个月", "2026-10"),
        ("上个月的", "2026-10"),
        ("上月", "2026-10"),
        ("上上个月", "2026-09"),
        ("这个月", "2026-11"),
        ("本月", "2026-11"),
        ("下个月", "2026-12"),
        ("10月", "2026-10"),
        ("十月份", "2026-10"),
        ("11月", "2026-11"),
        ("12月", "2025-12"),  # later than November: last year's bill
        ("十二月", "2025-12"),
        ("2026年9月", "2026-09"),
        ("2026-09", "2026-09"),
        ("2026/9", "2026-09"),
        ("二〇二六年九月", "2026-09"),
        ("二零二五年十二月", "2025-12"),
        ("26年3月", "2026-03"),
        ("去年12月", "2025-12"),
        ("去年十月的", "2025-10"),
        ("今年3月", "2026-03"),
        ("三个月前", "2026-08"),
    ],
)
def test_parse_month(raw: str, expected: str) -> None:
    assert textnorm.parse_month(raw, TODAY) == expected


def test_parse_month_crosses_the_year() -> None:
    assert textnorm.parse_month("上上个月", date(2027, 1, 5)) == "2026-11"


@pytest.mark.parametrize("raw", ["前两个月", "13月", "电费", "", "去年"])
def test_parse_month_rejects(raw: str) -> None:
    assert textnorm.parse_month(raw, TODAY) is None


@pytest.mark.parametrize(
    ("entity", "raw", "expected"),
    [
        ("account_no", "3301 234 567", "3301234567"),
        ("phone", "138 1234 5678", "13812345678"),
        ("last4", "五六七八", "5678"),
        ("amount", "一百块", "100"),
        ("amount", "50.5元", "50.5"),
        ("amount", "五毛", "0.5"),
        ("kwh", "三百度", "300"),
        ("month", "上个月", "2026-10"),
        ("address", "  杭州市 西湖区  文三路 ", "杭州市 西湖区 文三路"),
        ("account_no", "12345", None),
        ("amount", "好多", None),
        ("address", "   ", None),
        ("unknown_entity", " 值 ", "值"),
    ],
)
def test_normalize_entity(entity: str, raw: str, expected: str | None) -> None:
    assert textnorm.normalize_entity(entity, raw, TODAY) == expected


@pytest.mark.parametrize("text", ["几千块", "损失几千块", "好几百块钱", "数千元"])
def test_vague_amounts_are_not_amounts(text: str) -> None:
    assert textnorm.parse_amount(text) is None


@pytest.mark.parametrize("text", ["几百度", "用了好几千度", "三百多度"])
def test_vague_usage_is_not_a_kwh_figure(text: str) -> None:
    assert textnorm.parse_kwh(text) is None


# Chinese digits read out one by one are a digit string (the last four, a 户号), never a figure.

@pytest.mark.parametrize("text", ["二四六八", "三三零零", "幺二三四", "二四六八块", "三三零零元"])
def test_chinese_digits_read_one_by_one_are_no_amount(text: str) -> None:
    assert textnorm.parse_amount(text) is None


@pytest.mark.parametrize("text", ["二四六八度", "三三零零"])
def test_chinese_digits_read_one_by_one_are_no_kwh(text: str) -> None:
    assert textnorm.parse_kwh(text) is None


@pytest.mark.parametrize(("text", "expected"), [("两百", "200.00"), ("二十五", "25.00"), ("一千二", "1200.00"),
                                                ("五", "5.00"), ("零点八元", "0.80"), ("2468", "2468.00")])
def test_amounts_with_units_or_one_digit_are_still_amounts(text: str, expected: str) -> None:
    assert textnorm.parse_amount(text) == Decimal(expected)


def test_chinese_digits_read_one_by_one_are_the_last_four() -> None:
    assert textnorm.parse_last4("二四六八") == "2468"
    assert textnorm.parse_last4("幺二三四") == "1234"


@pytest.mark.parametrize(("text", "span", "inside"), [
    ("二四六八", (3, 4), True),        # a tagger took 八 alone
    ("我的是三三零零", (6, 7), True),
    ("两百五", (2, 3), False),          # a unit in the number: an amount
    ("一百零五", (3, 4), False),
    ("充五块", (1, 2), False),          # one digit on its own
    ("二〇二六年九月", (5, 7), False),   # the month after a year read out
])
def test_a_span_inside_chinese_digits_read_one_by_one(text: str, span: tuple[int, int], inside: bool) -> None:
    assert textnorm.inside_chinese_digit_string(text, *span) is inside


@pytest.mark.parametrize(("text", "alone"), [
    ("2468", True), ("二四六八", True), ("幺三五七", True), ("330 000 0001", True), ("１２３４", True),
    ("7", False), ("两百", False), ("二十", False), ("2468元", False), ("尾号2468", False), ("", False),
])
def test_digits_alone_are_a_digit_string(text: str, alone: bool) -> None:
    assert textnorm.is_digit_string(text) is alone
