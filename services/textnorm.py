"""Normalize what customers type or say into canonical values.

Customers write 户号 with spaces or full-width digits, speak numbers digit by
digit ("三三洞幺…"), say amounts the colloquial way ("两百五", "三块五") and refer
to months relatively ("上个月"). The NLU's EntityNormalizer (bot/nlu_components.py)
turns every extracted entity into its canonical value with ``normalize_entity``; the
actions read the customer's answers and the slots with the same functions
(``actions.form_turn.quantity`` for amounts and kWh), and so do the outage service,
the handoff callbacks and the knowledge-graph retriever, so a figure is read one way
everywhere.  The module needs only the standard library (and services.clock and
services.months, which need nothing else), so it runs on Python 3.10 (Rasa venv)
and 3.11 (app venv).

Conventions:
- Parsers return ``None`` when the text does not hold exactly one valid value;
  callers ask the customer again instead of guessing.
- ``normalize_entity`` returns strings: digits for account_no/phone/last4,
  "YYYY-MM" for month, and plain decimal strings without trailing zeros for
  amount and kwh ("100", "50.5", "0.05").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Optional

from services import clock
from services import months as months_lib

# ---------------------------------------------------------------- width, spaces

# The usual Chinese sentence punctuation stays full-width: it is how Chinese
# text is written, and jieba segments it as punctuation either way.
_KEEP_FULLWIDTH = set("，；：？！（）")
_HALFWIDTH_TABLE = {
    code: code - 0xFEE0
    for code in range(0xFF01, 0xFF5F)
    if chr(code) not in _KEEP_FULLWIDTH
}
_HALFWIDTH_TABLE[0x3000] = 0x20  # ideographic space
_HALFWIDTH_TABLE[0xFFE5] = ord("¥")  # full-width yuan sign


def to_halfwidth(text: str) -> str:
    """Turn full-width letters, digits, symbols and spaces into ASCII.

    Chinese IMEs often type "３３０１" or "ＫＷＨ"; downstream regexes only
    need to know ASCII.
    """
    return text.translate(_HALFWIDTH_TABLE)


_SPACE_IN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


def normalize_text(text: str) -> str:
    """Half-width, trimmed text with single spaces and digit runs glued together.

    "3301 2345 67" becomes "3301234567": customers group long numbers with
    spaces, and every parser here wants the whole number as one run.
    """
    text = " ".join(to_halfwidth(text).split())
    return _SPACE_IN_DIGITS.sub("", text)


# ------------------------------------------------------------- Chinese numerals

# 幺 (one) and 洞 (zero) are how numbers are read out over the phone.
_DIGITS = {
    "零": 0, "〇": 0, "洞": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3,
    "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_DIGIT_CHARS = "".join(_DIGITS)
_NUMERAL_CHARS = _DIGIT_CHARS + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)
_NUMERAL_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{_NUMERAL_CHARS}]")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")


def _digits_to_arabic(text: str) -> str:
    """Replace each Chinese digit character by its Arabic digit."""
    return "".join(str(_DIGITS[ch]) if ch in _DIGITS else ch for ch in text)


def _parse_with_units(tokens: list[str]) -> Optional[Decimal]:
    """Evaluate numeral tokens that contain units (十百千万亿).

    A single digit right after a unit is the colloquial elision of the next
    lower unit: 两百五 = 250, 一千二 = 1200, 三万五 = 35000. After 零 it is a
    plain digit again: 一百零五 = 105.
    """
    total = Decimal(0)  # everything before the last 万/亿
    section = Decimal(0)  # the part below 万 being built
    pending: Optional[Decimal] = None  # a number waiting for its unit
    last_unit = 1
    after_unit = False  # the pending number follows a unit directly
    for token in tokens:
        if token in ("零", "〇"):
            pending, after_unit = None, False
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            section += (pending if pending is not None else 1) * unit
            pending, last_unit, after_unit = None, unit, True
        elif token in _BIG_UNITS:
            unit = _BIG_UNITS[token]
            section += pending or 0
            if token == "亿":  # 一亿两千万: 亿 scales everything before it
                total = (total + section) * unit
            else:
                total += section * unit
            section, pending, last_unit, after_unit = Decimal(0), None, unit, True
        else:
            if pending is not None:
                return None  # two numbers in a row: "三四百" is a range
            pending = Decimal(_digits_to_arabic(token))
    if pending is not None:
        elided = after_unit and last_unit >= 10 and pending < 10 and pending == int(pending)
        section += pending * (last_unit // 10) if elided else pending
    return total + section


def chinese_to_number(text: str) -> Optional[Decimal]:
    """Read a number written in Chinese numerals, Arabic digits, or a mix.

    Accepts "三百", "两百五", "3千", "1.5万", "一百零五", "三点五", "1,000", and
    digit-by-digit readings such as "二〇二六" (= 2026). The whole text must
    be the number; anything else gives None.
    """
    text = _THOUSANDS_SEPARATOR.sub("", normalize_text(text)).replace(" ", "")
    if not text:
        return None
    integer_part, _, fraction_part = text.partition("点")
    if fraction_part:
        if not re.fullmatch(rf"[\d{_DIGIT_CHARS}]+", fraction_part):
            return None
        fraction = Decimal("0." + _digits_to_arabic(fraction_part))
        whole = chinese_to_number(integer_part)
        return None if whole is None else whole + fraction
    tokens = _NUMERAL_TOKEN.findall(text)
    if "".join(tokens) != text:
        return None
    if not any(t in _SMALL_UNITS or t in _BIG_UNITS for t in tokens):
        return _parse_digit_run(tokens)
    return _parse_with_units(tokens)


def _parse_digit_run(tokens: list[str]) -> Optional[Decimal]:
    """Read tokens without units as one number ("二〇二六", "300", "2.5")."""
    digits = _digits_to_arabic("".join(tokens))
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


# Two or more Chinese digits read out one by one, with no unit (二四六八, 三三零零, 幺二三四):
# a digit string (the last four, a 户号 read out), never an amount, a kWh figure or a month.
_CHINESE_DIGIT_STRING = re.compile(rf"[{_DIGIT_CHARS}]{{2,}}")


def is_chinese_digit_string(text: str) -> bool:
    """Whether the text is Chinese digits read out one by one (二四六八), nothing else."""
    return _CHINESE_DIGIT_STRING.fullmatch(normalize_text(text).replace(" ", "")) is not None


def inside_chinese_digit_string(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (a tagger's span) is part of Chinese digits read out
    one by one: the numerals around it are taken too, so 八 of 二四六八 is (a digit
    string), and 五 of 两百五 is not (a unit is in the number)."""
    while start > 0 and text[start - 1] in _NUMERAL_CHARS:
        start -= 1
    while end < len(text) and text[end] in _NUMERAL_CHARS:
        end += 1
    return is_chinese_digit_string(text[start:end])


# ----------------------------------------------------------- identity numbers

# A run of digits, typed or spoken, possibly grouped with spaces or hyphens.
_DIGIT_RUN = re.compile(rf"[\d{_DIGIT_CHARS}](?:[\s-]*[\d{_DIGIT_CHARS}])*")


def is_digit_string(text: str) -> bool:
    """Whether the text is two or more digits and nothing else, typed or read out one by
    one (2468, 二四六八, 330 000 0001): a number with no unit says nothing of what it is
    (the last four, a 户号, an amount)."""
    text = normalize_text(text).strip()
    return _DIGIT_RUN.fullmatch(text) is not None and len(re.sub(r"[\s-]", "", text)) >= 2


def _digit_runs(text: str) -> list[str]:
    """All runs of digits in the text, as Arabic digit strings.

    Chinese digits count only inside a run, so "查一下" yields "1" (ignored
    by every caller) rather than gluing onto a neighbouring number.
    """
    runs = _DIGIT_RUN.findall(normalize_text(text))
    return [re.sub(r"[\s-]", "", _digits_to_arabic(run)) for run in runs]


def _single_run(text: str, is_valid: Callable[[str], bool]) -> Optional[str]:
    """The one distinct digit run that passes ``is_valid``, else None.

    Two different candidates mean we cannot know which one the customer
    meant, so we refuse rather than guess.
    """
    candidates = {run for run in _digit_runs(text) if is_valid(run)}
    return candidates.pop() if len(candidates) == 1 else None


def parse_account_no(text: str) -> Optional[str]:
    """The 10-digit 户号 in the text ("3301 234 567", "三三洞幺二三四五六七")."""
    return _single_run(text, lambda run: len(run) == 10)


def parse_phone(text: str) -> Optional[str]:
    """The 11-digit mainland mobile number (1[3-9]…); a +86/86 prefix is dropped."""

    def mobile(run: str) -> str:
        return run[2:] if len(run) == 13 and run.startswith("86") else run

    number = _single_run(text, lambda run: re.fullmatch(r"1[3-9]\d{9}", mobile(run)) is not None)
    return None if number is None else mobile(number)


def parse_last4(text: str) -> Optional[str]:
    """The last four digits of a mobile, given on their own ("尾号5678", "五六七八")."""
    return _single_run(text, lambda run: len(run) == 4)


# ----------------------------------------------------------- amounts and kWh

# A number, with its Chinese decimal part (零点五, 一点五): without it "零点五元" read as 5 yuan.
_NUM = rf"[\d.,{_NUMERAL_CHARS}]+(?:点[\d{_DIGIT_CHARS}]+)?"
# The whole part and 点 of a decimal whose fraction a tagger took alone ("零点" of 零点五元).
DECIMAL_LEAD = re.compile(rf"[\d{_NUMERAL_CHARS}]+点$")
_ONE_DIGIT = rf"[\d{_DIGIT_CHARS}]"
# "一百二十块五毛", "三块五", "50元", "五十块钱"
_YUAN_AMOUNT = re.compile(
    rf"(?P<yuan>{_NUM})\s*(?:元|块|圆)(?:钱)?"
    rf"(?:(?P<jiao>{_ONE_DIGIT})(?![\d{_DIGIT_CHARS}月号日])[角毛]?)?"
    rf"(?:(?P<fen>{_ONE_DIGIT})分)?"
)
# "五毛", "八毛五", "三分"
_SMALL_CHANGE = re.compile(
    rf"(?:(?P<jiao>{_ONE_DIGIT})\s*[角毛]\s*)?(?:(?P<fen>{_ONE_DIGIT})\s*分?)?"
)
_CURRENCY_SIGN = re.compile(rf"[¥$]\s*(?P<yuan>{_NUM})")
_CURRENCY_WORDS = re.compile(r"人民币|rmb|钱$", re.IGNORECASE)
_CENT = Decimal("0.01")


def _small_change(jiao: Optional[str], fen: Optional[str]) -> Decimal:
    """Value of 角/毛 and 分 digits in yuan."""
    value = Decimal(0)
    if jiao:
        value += Decimal(_digits_to_arabic(jiao)) / 10
    if fen:
        value += Decimal(_digits_to_arabic(fen)) / 100
    return value


def parse_amount(text: str) -> Optional[Decimal]:
    """An amount of money in yuan, rounded to fen (2 decimals).

    Understands 元/块/块钱, 角/毛/分, ¥/￥, thousands separators and Chinese
    numerals. Without a currency word or sign the whole text must be a number
    ("两百五", "1,000"), so "充一百" gives None (NLU extracts "一百").
    Vague amounts such as "一百多" give None.
    """
    text = normalize_text(text)
    value = _amount_with_unit(text)
    if value is None:
        value = _quantity_number(_CURRENCY_WORDS.sub("", text))
    return None if value is None else value.quantize(_CENT)


def _quantity_number(text: str) -> Optional[Decimal]:
    """The number of an amount or a kWh figure; Chinese digits read out one by one
    (二四六八) are a digit string, so None."""
    return None if is_chinese_digit_string(text) else chinese_to_number(text)


# Words that make a figure vague: "几千块", "好几百度", "数千元", "一百多块".
VAGUE_PREFIXES = ("好几", "几", "数")
VAGUE_SUFFIX = "多"


def _amount_with_unit(text: str) -> Optional[Decimal]:
    """Amounts marked by 元/块, 毛/角 or a currency sign; None if unmarked."""
    match = _YUAN_AMOUNT.search(text)
    if match and text[: match.start()].endswith(VAGUE_PREFIXES):
        return None  # "几千块", "好几百块": no amount to act on
    if match:
        yuan = _quantity_number(match["yuan"])
        return None if yuan is None else yuan + _small_change(match["jiao"], match["fen"])
    match = _CURRENCY_SIGN.search(text)
    if match:
        return chinese_to_number(match["yuan"])
    stripped = _CURRENCY_WORDS.sub("", text).strip()
    match = _SMALL_CHANGE.fullmatch(stripped)
    if stripped and match and re.search("[角毛分]", stripped):
        return _small_change(match["jiao"], match["fen"])
    return None


_KWH = re.compile(
    rf"(?P<number>{_NUM})\s*(?:千瓦时|千瓦小时|kwh|kw·h|kw\.h|度)", re.IGNORECASE
)


def parse_kwh(text: str) -> Optional[Decimal]:
    """Electricity usage in kWh ("三百度", "300千瓦时", "2500kWh").

    A bare number ("300") is accepted too: the kwh entity is only extracted
    where usage is meant.
    """
    text = normalize_text(text)
    match = _KWH.search(text)
    if match and text[: match.start()].endswith(VAGUE_PREFIXES):
        return None  # "几百度", "好几千度": no figure to compute with
    return _quantity_number(match["number"] if match else text)


# ------------------------------------------------------------------- months

_RELATIVE_MONTHS = {
    "上上个月": -2, "上上月": -2, "上个月": -1, "上月": -1, "这个月": 0,
    "这月": 0, "本月": 0, "当月": 0, "下个月": 1, "下月": 1,
}
_RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_YEAR_MONTH = re.compile(
    rf"(?P<year>\d{{4}}|\d{{2}}(?=年))\s*[年/.-]\s*(?P<month>[\d{_NUMERAL_CHARS}]{{1,3}})(?!\d)"
)
_MONTHS_AGO = re.compile(rf"(?P<n>[\d{_NUMERAL_CHARS}]+)个月(?:以)?前")
_MONTH_NAME = re.compile(rf"(?P<month>[\d{_NUMERAL_CHARS}]{{1,3}})\s*月")


def _shift_month(today: date, months: int) -> str:
    """The month ``months`` away from today's month, as YYYY-MM."""
    return months_lib.shift(months_lib.month_of(today), months)


def _month_number(text: str) -> Optional[int]:
    """A month number 1–12 from "9", "09", "九", "十一"; else None."""
    value = chinese_to_number(text)
    if value is None or value != int(value) or not 1 <= value <= 12:
        return None
    return int(value)


def parse_month(text: str, today: date) -> Optional[str]:
    """The billing month the customer means, as "YYYY-MM".

    Rules, in order: an explicit year ("2026年9月", "2026-09", "二〇二六年九月",
    "26年9月"); a relative year ("去年12月"); a relative month ("上个月",
    "上上个月", "本月", "下个月", "3个月前"); a bare month ("10月", "十月份"),
    which means the most recent such month: "12月" asked in November 2026 is
    2025-12, because bills are about the past. "前两个月" names a range (the
    last two months), not one month, so it gives None and the bot asks.
    """
    text = _digits_to_arabic_years(normalize_text(text))
    for parse in (_explicit_year_month, _relative_year_month, _relative_month, _bare_month):
        month = parse(text, today)
        if month:
            return month
    return None


def _digits_to_arabic_years(text: str) -> str:
    """Rewrite a spoken year "二〇二六年" / "二零二六年" as "2026年"."""
    return re.sub(
        rf"[{_DIGIT_CHARS}]{{2,4}}(?=年)",
        lambda m: _digits_to_arabic(m.group()),
        text,
    )


def _explicit_year_month(text: str, today: date) -> Optional[str]:
    match = _YEAR_MONTH.search(text)
    if not match:
        return None
    year = int(match["year"])
    year = year + 2000 if year < 100 else year
    month = _month_number(match["month"])
    return f"{year:04d}-{month:02d}" if month else None


def _relative_year_month(text: str, today: date) -> Optional[str]:
    for word, offset in _RELATIVE_YEARS.items():
        if word in text:
            match = _MONTH_NAME.search(text.split(word, 1)[1])
            month = _month_number(match["month"]) if match else None
            return f"{today.year + offset:04d}-{month:02d}" if month else None
    return None


def _relative_month(text: str, today: date) -> Optional[str]:
    if re.search(rf"前[{_NUMERAL_CHARS}\d]+个月", text):
        return None  # "前两个月": a range, see parse_month
    for word, offset in _RELATIVE_MONTHS.items():  # longest words first
        if word in text:
            return _shift_month(today, offset)
    match = _MONTHS_AGO.search(text)
    if match:
        months = chinese_to_number(match["n"])
        if months is not None and months == int(months):
            return _shift_month(today, -int(months))
    return None


def _bare_month(text: str, today: date) -> Optional[str]:
    match = _MONTH_NAME.search(text)
    month = _month_number(match["month"]) if match else None
    if month is None:
        return None
    year = today.year if month <= today.month else today.year - 1
    return f"{year:04d}-{month:02d}"


# ---------------------------------------------------------------- dispatcher


def _decimal_text(value: Optional[Decimal]) -> Optional[str]:
    """A plain decimal string without trailing zeros ("100", "50.5")."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _address(raw: str) -> Optional[str]:
    """Addresses stay free text; only whitespace and width are normalized."""
    return normalize_text(raw) or None


def normalize_entity(entity: str, raw: str, today: Optional[date] = None) -> Optional[str]:
    """The canonical string value of an extracted entity, or None if unparseable.

    Unknown entity names pass through as normalized text, so adding an
    entity to the NLU data never makes its values disappear.
    """
    today = today or clock.today()
    parsers: dict[str, Callable[[str], Optional[str]]] = {
        "account_no": parse_account_no,
        "phone": parse_phone,
        "last4": parse_last4,
        "amount": lambda text: _decimal_text(parse_amount(text)),
        "kwh": lambda text: _decimal_text(parse_kwh(text)),
        "month": lambda text: parse_month(text, today),
        "address": _address,
    }
    parser = parsers.get(entity, _address)
    return parser(raw)
