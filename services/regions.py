"""Which province a customer's words name (北京用两百度电多少钱, 在杭州一度电多少钱), and
whose rules answer a customer.

Tariffs and other rules differ by province, so a question that names one is answered
with that province's figures, and a province without data is said to be unknown rather
than answered with another's.  :func:`customer_province` is the rule for whose province
an answer is for (named, else the verified account's, else a default); the FAQ answers
(knowledge_graph.answers) use it, the tariff engine (services.billing.tariff) looks a
table up by key, name or city with :func:`province_of`, the tariff replies
(actions/tariff.py) apply the same order with :func:`province_named_in`, and the
knowledge graph reads which province a fact is about with :func:`province_named_in`.

The keys are the tariff tables' names (services/billing/tariffs/<key>.yml); all 34
provincial-level divisions are listed so that one without a table is recognised too.
Cities map to their province: every provincial capital and sub-provincial city, and
every prefecture of the provinces that have a table.
Standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# key: (name as customers say it, other names and cities)
PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "beijing": ("北京", ("北京市", "首都")),
    "tianjin": ("天津", ("天津市",)),
    "shanghai": ("上海", ("上海市",)),
    "chongqing": ("重庆", ("重庆市",)),
    "hebei": ("河北", ("石家庄",)),
    "shanxi": ("山西", ("太原",)),
    "neimenggu": ("内蒙古", ("呼和浩特",)),
    "liaoning": ("辽宁", ("沈阳", "大连")),
    "jilin": ("吉林", ("长春",)),
    "heilongjiang": ("黑龙江", ("哈尔滨",)),
    "jiangsu": ("江苏", ("南京", "苏州", "无锡")),
    "zhejiang": ("浙江", ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水")),
    "anhui": ("安徽", ("合肥",)),
    "fujian": ("福建", ("福州", "厦门")),
    "jiangxi": ("江西", ("南昌",)),
    "shandong": ("山东", ("济南", "青岛")),
    "henan": ("河南", ("郑州",)),
    "hubei": ("湖北", ("武汉",)),
    "hunan": ("湖南", ("长沙",)),
    "guangdong": ("广东", ("广州", "深圳")),
    "guangxi": ("广西", ("南宁",)),
    "hainan": ("海南", ("海口", "三亚")),
    "sichuan": ("四川", ("成都",)),
    "guizhou": ("贵州", ("贵阳",)),
    "yunnan": ("云南", ("昆明",)),
    "xizang": ("西藏", ("拉萨",)),
    "shaanxi": ("陕西", ("西安",)),
    "gansu": ("甘肃", ("兰州",)),
    "qinghai": ("青海", ("西宁",)),
    "ningxia": ("宁夏", ("银川",)),
    "xinjiang": ("新疆", ("乌鲁木齐",)),
    "xianggang": ("香港", ()),
    "aomen": ("澳门", ()),
    "taiwan": ("台湾", ()),
}


@dataclass(frozen=True)
class Province:
    key: str      # the tariff table's name, e.g. "beijing"
    name_zh: str  # as a customer says it, e.g. "北京"


_NAMES = sorted(
    ((alias, key) for key, (name, aliases) in PROVINCES.items() for alias in (name, *aliases)),
    key=lambda pair: -len(pair[0]),  # longest first: 黑龙江 before 龙江-like overlaps
)
_PATTERN = re.compile("|".join(re.escape(alias) for alias, _ in _NAMES))
_KEY_OF = dict(_NAMES)


def province_named_in(text: str) -> Province | None:
    """The province the text names (by itself or by one of its cities), or None."""
    match = _PATTERN.search(text or "")
    if match is None:
        return None
    key = _KEY_OF[match.group(0)]
    return Province(key, PROVINCES[key][0])


def province_name(key: str) -> str:
    """"beijing" -> "北京"."""
    return PROVINCES.get(key, (key, ()))[0]


def province_of(value: str | None) -> Province | None:
    """The province a key ("beijing") or a name or city ("北京", "杭州") stands for, or None."""
    key = (value or "").strip().lower()
    if key in PROVINCES:
        return Province(key, PROVINCES[key][0])
    return province_named_in(value or "")


def customer_province(text: str = "", account_province: str | None = None, default: str | None = None) -> Province | None:
    """Whose rules answer the customer: the province their words name, else the verified
    account's, else ``default`` (a key), else None (unknown: answer without provincial figures)."""
    return province_named_in(text) or province_of(account_province) or province_of(default)
