"""Masking personal data before it leaves a service or reaches a log.

Bills and accounts are personal data: responses and logs show only what a customer
needs to recognise their own record (张*明, 138****5678), never the full value.
Each helper accepts ``None`` and odd input and never raises, so it is safe in a log call.
"""
from __future__ import annotations

import re


def mask_mobile(mobile: str | None) -> str:
    """``13812345678`` -> ``138****5678`` (first 3 and last 4 digits kept)."""
    if not mobile:
        return ""
    digits = mobile.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_account_no(account_no: str | None) -> str:
    """``3301234567`` -> ``330****567`` (first 3 and last 3 kept)."""
    if not account_no:
        return ""
    value = account_no.strip()
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 6)}{value[-3:]}"


def mask_name(name: str | None) -> str:
    """Chinese names: ``张三`` -> ``张*``, ``张小明`` -> ``张*明``, ``欧阳娜娜`` -> ``欧**娜``."""
    if not name:
        return ""
    value = name.strip()
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_id_number(id_number: str | None) -> str:
    """A resident ID ``110101199003071234`` -> ``110***********1234`` (first 3, last 4)."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ACCOUNT_NO = re.compile(r"(?<![0-9])[0-9]{10}(?![0-9])")


def mask_text(text: str | None) -> str:
    """Mask ID numbers, mobiles and 户号 inside free text (customer messages in logs).

    Only digit runs of exactly those lengths are touched, so amounts and dates stay
    readable for whoever reads the log.
    """
    if not text:
        return ""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE.sub(lambda m: mask_mobile(m.group()), text)
    return _ACCOUNT_NO.sub(lambda m: mask_account_no(m.group()), text)
