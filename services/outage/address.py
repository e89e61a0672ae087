"""Addresses as customers write them, normalized so that two ways of writing one place match.

``normalize_address("拱墅区米市巷街道大塘新村5幢")`` gives province 浙江省, city 杭州市,
district 拱墅区, town 米市巷街道, street 大塘新村, building 5.

Why a library for the administrative part: which city a district belongs to, which
districts were merged (江干区 → 上城区, 下城区 → 拱墅区) and which names are ambiguous
(西湖区 is in 杭州 and in 南昌) is data, not rules.  jionlp's ``parse_location`` holds that
data (measured against cpca on the project's own address examples: reports/address.md).
Its matches are accepted only when they are written as an administrative name at the
start of the address: 和平小区 is not 天津市和平区, 红星村 is not 伊春市红星区.

An ambiguous district is resolved with the province the caller serves (the verified
account's, or settings.default_province): 西湖区 in Zhejiang is 杭州市西湖区.

What follows the district is split by the address's own markers: the town (街道/镇, from
jionlp's dictionary), the street (a road ending 路/街/大道/巷/弄/胡同, or else the named
place before the first number: 和睦新村, 幸福小区), then 号 (number), 幢/栋/号楼 (building),
单元 (unit) and the room.  Anything left over stays in ``rest``.
"""
from __future__ import annotations

import contextlib
import io
import re
import threading
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from services.errors import Invalid
from services.masking import mask_text
from services.outage.schemas import AddressView
from services.regions import province_name
from services.settings import get_settings
from services.textnorm import chinese_to_number, normalize_text

MAX_ADDRESS_CHARS = 200

# A written administrative name ends with one of these (浙江省, 杭州市, 西湖区, 长兴县 …).
_ADMIN_SUFFIX = ("省", "市", "区", "县", "旗", "州", "盟")
# Words that continue a place name: after a bare short name (和平, 红星) they show that the
# short name was part of a community or village name, not a district.
_PLACE_CONTINUATION = re.compile(r"^(小区|新村|村|花园|苑|家园|公寓|大厦|广场|社区|新城|城|里|庄|园)")
_ROAD = re.compile(r"^(.+?(?:大道|大街|路|街(?!道)|巷|弄|胡同))")
_PLACE = re.compile(r"^(\D+?)(?=\d|$)")
_CHINESE_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|幢|栋|单元|室|楼|座)")
# A longer run of digits is no house, building or room number: it stays in ``rest``.
HOUSE_NO_DIGITS = 6
MAX_HOUSE_NO = 10**HOUSE_NO_DIGITS - 1
_DIGITS = rf"(?<!\d)(\d{{1,{HOUSE_NO_DIGITS}}})"
_NUMBER = re.compile(_DIGITS + r"号(?!楼)")
_BUILDING = re.compile(_DIGITS + r"(?:幢|栋|号楼|座)")
_UNIT = re.compile(_DIGITS + r"单元")
_ROOM = re.compile(_DIGITS + r"室?$")

# jionlp's parser keeps per-call state on one shared object: calls are serialised.
_PARSER_LOCK = threading.Lock()


@dataclass(frozen=True)
class NormalizedAddress:
    """One address split into the parts matching needs; None where the text did not say."""

    raw: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    town: str | None = None
    street: str | None = None    # the road, or the named place (小区/新村/村) a number belongs to
    number: str | None = None    # 门牌号 on the street
    building: str | None = None  # 幢/栋
    unit: str | None = None      # 单元
    room: str | None = None
    rest: str | None = None      # what none of the parts above holds, e.g. "与密渡桥路交叉口"

    @property
    def house_no(self) -> int | None:
        """The first number after the street: the 门牌号 on a road, the 幢 in a community.
        Planned outages list the numbers they cover in these terms."""
        value = self.number or self.building
        return int(value) if value else None

    @property
    def text(self) -> str:
        """The canonical way of writing it (浙江省杭州市西湖区文三路188号3幢2单元301室)."""
        city = None if self.city == self.province else self.city  # 北京市北京市 → 北京市
        marked = [(self.number, "号"), (self.building, "幢"), (self.unit, "单元"), (self.room, "室")]
        return "".join([*(p for p in (self.province, city, self.district, self.town, self.street) if p),
                        *(f"{value}{mark}" for value, mark in marked if value), self.rest or ""])

    @property
    def key(self) -> str:
        """Equal for two writings of the same place: what "the same address" means."""
        return "|".join(getattr(self, f.name) or "" for f in fields(self) if f.name not in ("raw", "town"))

    @property
    def street_area(self) -> str:
        """District and street (西湖区学院路): how an area fault is named to other customers."""
        return "".join(p for p in (self.district, self.street) if p)

    def has_street(self) -> bool:
        """District and street known: precise enough to match an outage or a fault."""
        return bool(self.district and self.street)

    def to_dict(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, "text": self.text}


def address_view(address: NormalizedAddress) -> AddressView:
    """The address as the service hands it out: its parts, and the raw writing masked (a
    customer may have typed a phone number into it)."""
    return AddressView(**{**address.to_dict(), "raw": mask_text(address.raw)})

def normalize_address(raw: str, province: str | None = None) -> NormalizedAddress:
    """Split ``raw`` into its parts; ``province`` (a tariff key such as "zhejiang", default
    settings.default_province) resolves a district name that several provinces have."""
    return _normalized(_clean(raw), province or get_settings().default_province)


@lru_cache(maxsize=4096)
def _normalized(text: str, province_key: str | None) -> NormalizedAddress:
    """Cached: jionlp takes 10-30 ms a call, and the same addresses come back (a customer
    reporting again, the demo accounts)."""
    admin = _administrative(text, province_key)
    detail = admin.pop("detail")
    return NormalizedAddress(raw=text, **admin, **_street_parts(detail, admin["town"]))


def require_street(address: NormalizedAddress) -> NormalizedAddress:
    """The address, if it names at least a street or a district; else Invalid (422)."""
    if not (address.street or address.district):
        raise Invalid("address_too_vague", "The address must name at least a district or a street",
                      "请提供更详细的地址，例如所在区县和路名门牌号。")
    return address


def _clean(raw: str) -> str:
    text = normalize_text(raw or "").replace(" ", "")
    if not text:
        raise Invalid("address_missing", "An address is required", "请提供停电的地址。")
    if len(text) > MAX_ADDRESS_CHARS:
        raise Invalid("address_too_long", f"The address is longer than {MAX_ADDRESS_CHARS} characters",
                      "地址过长，请简要说明所在的区县、路名和门牌号。")
    return text


# ---------------------------------------------------------------- administrative levels


@lru_cache(maxsize=1)
def _parser():
    """jionlp's location parser, imported on first use (it loads its dictionaries, about a
    second and 100 MB), with the banner it prints on import kept out of our output."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp
    return jionlp.parse_location


def _parse(text: str, change2new: bool) -> dict:
    with _PARSER_LOCK:
        return _parser()(text, town_village=True, change2new=change2new)


def _administrative(text: str, province_key: str | None) -> dict:
    """Province, city, district and town as jionlp reads them (merged districts under
    their current names), plus the ``detail`` after them; nothing when the match is not
    written as an administrative name."""
    parsed = _parse(text, change2new=True)
    # A merged district is written under its old name: check what is written, not its new name.
    if not (_written_as_admin(text, parsed) or _written_as_admin(text, _parse(text, change2new=False))):
        return {"province": None, "city": None, "district": None, "town": None, "detail": text}
    if parsed["province"] is None and parsed["county"] and province_key:
        parsed = _resolved_in(province_key, text, parsed)
    return {"province": parsed["province"], "city": parsed["city"], "district": parsed["county"],
            "town": parsed["town"], "detail": parsed["detail"]}


def _written_as_admin(text: str, parsed: dict) -> bool:
    """The names jionlp matched are written at the start of ``text``, and a short name
    without its suffix (和平, 红星) is not the beginning of a community or village name."""
    detail = parsed["detail"] or ""
    consumed = text[: len(text) - len(detail)] if text.endswith(detail) else ""
    if not consumed:
        return False
    names = [parsed[level] for level in ("province", "city", "county") if parsed[level]]
    if not any(consumed.startswith(name[:2]) for name in names):
        return False
    return consumed.endswith(_ADMIN_SUFFIX) or not _PLACE_CONTINUATION.match(detail)


def _resolved_in(province_key: str, text: str, parsed: dict) -> dict:
    """A district name several provinces have, read as the one in ``province_key``'s
    province; unchanged if that province has no such district."""
    province = province_name(province_key)
    hinted = _parse(province + text, change2new=True)
    if hinted["province"] and hinted["province"].startswith(province) and hinted["county"] == parsed["county"]:
        return hinted
    return parsed


# ---------------------------------------------------------------- street and number


def _street_parts(detail: str, town: str | None) -> dict:
    """Street, number, building, unit, room and rest from what follows the district."""
    rest = detail[len(town):] if town and detail.startswith(town) else detail
    rest = _CHINESE_NUMERAL.sub(lambda m: _arabic(m.group()), rest)
    street_match = _ROAD.match(rest) or _PLACE.match(rest)
    street = street_match.group(1) if street_match else None
    rest = rest[len(street):] if street else rest
    parts: dict[str, str | None] = {"street": street or None}
    for name, pattern in (("number", _NUMBER), ("building", _BUILDING), ("unit", _UNIT)):
        parts[name], rest = _take(pattern, rest)
    if parts["number"] or parts["building"] or parts["unit"]:
        parts["room"], rest = _take(_ROOM, rest)
    else:
        parts["number"], rest = _take(_ROOM, rest)  # 文三路88: a bare number is the 门牌号
    parts["rest"] = rest or None
    return parts


def _take(pattern: re.Pattern, text: str) -> tuple[str | None, str]:
    """The first match's number (without leading zeros) and the text without it."""
    match = pattern.search(text)
    if match is None:
        return None, text
    return str(int(match.group(1))), text[: match.start()] + text[match.end():]


def _arabic(numeral: str) -> str:
    value = chinese_to_number(numeral)
    return numeral if value is None else str(int(value))
