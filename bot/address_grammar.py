"""Chinese address grammar: where the addresses are in a customer's message.

Used by the NLU's ``AddressExtractor`` (bot/address_entity.py), which explains why; kept
free of Rasa so it can be read and tested on its own.

- administrative names (浙江省, 杭州市, 嘉兴, 西湖区, 义乌市, old names such as 江干区) from
  jionlp's lexicon, exported to ``nlu_data/address_admin_names.txt``
  (``scripts/export_address_lexicon.py``), longest match first;
- then, in any order, a town (…街道/镇/乡), a road (…路/街/大道/大街/巷/胡同, 6号大街), a
  crossing (…与…路交叉口), a named place (…小区/新村/花园/家园/公寓/大厦/社区/新城/苑/村/庄/
  一区; after an administrative name also …园/城/门), and numbers (…号, …号院, …弄,
  …幢/栋/号楼/座, …单元, …室, …段, and a bare room number after a building or unit).

An address needs at least one named part; a number alone (12月5号) is none, and an
administrative name alone only when it is a district, county or county-level city (西湖区,
海宁市), not a province or a city's short name (杭州天气).  A name not preceded by an
administrative name starts where the customer's own words stop (我家在, 地址是, 我们, 这边 …:
``_STOP_CHARS``, ``_STOP_WORDS``) and has at least two characters, so 全村, 整条街 and
我们小区 are no address.  One space between two parts keeps them one address.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

LEXICON = Path(__file__).resolve().parent.parent / "nlu_data" / "address_admin_names.txt"

# Characters that are the customer's own words around an address, never part of a name:
# pronouns, verbs and particles (我家在…, 地址是…, 查一下…, …那边, 全村, 整条街, …与…).
_STOP_CHARS = "我你他她它们在住是到去的了说查问吗呢吧啊呀嘛哦喔嗯呃喂就也都还那这个请帮把给被让叫从往近附旁对隔全整条址停没有要会能想又刚才来派电与跟及或交老旧，。！？、；："
# Words of the customer's own phrase (一下, 周六, 明天, 我家, 家里 …): no character of a name
# is inside one of them.
_STOP_WORDS = ("一下", "一点", "今天", "明天", "后天", "昨天", "现在", "最近", "晚上", "早上", "上午",
               "下午", "中午", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "周末", "礼拜",
               "司机", "前面", "后面", "旁边", "外面", "里面", "下班", "上班", "回家", "我家", "家里",
               "店里", "屋里", "村里", "楼里", "问下", "查下", "看下")


def _outside_stop_words() -> str:
    """Lookarounds that fail on any character inside an occurrence of a stop word."""
    guards = []
    for word in _STOP_WORDS:
        for i in range(len(word)):
            before, rest = word[:i], word[i:]
            guards.append(f"(?!(?<={before}){rest})" if before else f"(?!{rest})")
    return "".join(guards)


_NAME_CLASS = "(?:" + _outside_stop_words() + "[^\\W\\d_A-Za-z０-９" + _STOP_CHARS + "])"
_NAME_CHAR = re.compile(_NAME_CLASS)
_DIGITS = "(?:[0-9０-９]+|[一二三四五六七八九十百零两〇]+)"

# Road endings; 街 not in 街道 (a town).  A road's name never ends with these characters:
# 线路, 电路, 短路, 马路, 道路, 铁路, 网路, 回路, 一路, 走路 … are words, not roads.
_ROAD_END = r"(?:大道|大街|路|街(?!道)|巷|胡同)"
_NOT_ROAD = set("线电短马道铁网回思套出水一半走带迷门岔顺绕过面")
_TOWN_END = r"(?:街道|镇|乡)"
_PLACE_END = r"(?:小区|新村|花园|家园|公寓|大厦|社区|新城|苑|村|庄|[一二三四五六七八九十]区)"
_PLACE_END_AFTER_ADMIN = r"(?:小区|新村|花园|家园|公寓|大厦|广场|社区|新城|苑|村|庄|[一二三四五六七八九十]区|园|城|门)"
_MAX_NAME = 6
# A written administrative name ends so; a short name (杭州, 中山) does not.
_ADMIN_SUFFIX = ("省", "市", "区", "县", "州", "旗", "盟")
# Generic words that happen to be districts' full names somewhere (山西的城区, 矿区 …).
_GENERIC_ADMIN = {"东区", "西区", "南区", "北区", "城区", "矿区", "郊区", "新区", "市区"}


def _named(end: str, min_name: int) -> re.Pattern:
    return re.compile(rf"{_NAME_CLASS}{{{min_name},{_MAX_NAME}}}{end}")


_NUMBER_PIECES = [
    re.compile(rf"{_DIGITS}号(?:大街|路|街(?!道))"),        # 6号大街: a numbered road
    re.compile(rf"{_DIGITS}(?:幢|栋|号楼|座)"),
    re.compile(rf"{_DIGITS}单元"),
    re.compile(rf"{_DIGITS}室"),
    re.compile(rf"{_DIGITS}(?:号院?|弄)(?!楼)(?:之{_DIGITS})?"),
    re.compile(rf"[东西南北中]?{_DIGITS}段"),               # 人民南路四段
]
# After a road: the part of it (江南大道中56号, 解放路东段)
_ROAD_PART = re.compile(rf"[东西南北中](?:段|(?={_DIGITS}号))")
_BARE_ROOM = re.compile(r"[0-9０-９]{3,4}(?![0-9０-９])")
_CROSSING = re.compile(rf"[与和跟]{_NAME_CLASS}{{1,{_MAX_NAME}}}{_ROAD_END}(?:交叉口|路口|口)?")


@lru_cache(maxsize=1)
def admin_names() -> Tuple[frozenset, int]:
    """The administrative names of the lexicon, and the longest name's length."""
    names = {
        line.strip()
        for line in LEXICON.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    } - _GENERIC_ADMIN
    return frozenset(names), max(map(len, names))


def _admin_at(text: str, pos: int) -> int:
    """End of the longest administrative name starting at pos, or pos if none."""
    names, longest = admin_names()
    for size in range(min(longest, len(text) - pos), 1, -1):
        if text[pos : pos + size] in names:
            return pos + size
    return pos


def _road_at(text: str, pos: int, min_name: int) -> int:
    """End of a road name starting at pos (not 线路, 电路 …), or pos."""
    match = _named(_ROAD_END, min_name).match(text, pos)
    if not match:
        return pos
    # backtrack to a shorter road if the longest ends with a word (…线路)
    for end in range(match.end(), pos, -1):
        piece = text[pos:end]
        road = re.fullmatch(rf"(.{{{min_name},}}?){_ROAD_END}", piece)
        if road and road.group(1)[-1] not in _NOT_ROAD:
            return end
    return pos


def _piece_at(text: str, pos: int, after_admin: bool, min_name: int) -> Tuple[int, str]:
    """The longest address part starting at pos: (its end, its kind), or (pos, "")."""
    admin_end = _admin_at(text, pos)
    if admin_end > pos and text[admin_end - 1] in _ADMIN_SUFFIX:
        return admin_end, "admin"  # 路桥区 before a road named 路桥区路…
    candidates = [
        (admin_end, "admin"),
        (_end(_named(_TOWN_END, min_name), text, pos), "town"),
        (_road_at(text, pos, min_name), "road"),
        (_end(_named(_PLACE_END_AFTER_ADMIN if after_admin else _PLACE_END, min_name), text, pos), "place"),
    ]
    candidates += [(_end(pattern, text, pos), "number") for pattern in _NUMBER_PIECES]
    end, kind = max(candidates, key=lambda c: c[0])
    return (end, kind) if end > pos else (pos, "")


def _end(pattern: re.Pattern, text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    return match.end() if match else pos


def _chain_from(text: str, start: int) -> Optional[int]:
    """End of the address that starts at ``start``, or None if none starts there."""
    first_end, first_kind = _piece_at(text, start, after_admin=False, min_name=2)
    if first_kind in ("", "number"):
        return None
    pos, kinds = first_end, [first_kind]
    while pos < len(text):
        after_admin = "admin" in kinds or "town" in kinds
        end, kind = _piece_at(text, pos, after_admin=after_admin, min_name=1 if after_admin else 2)
        if not kind and kinds[-1] == "road":
            end, kind = max(_end(_CROSSING, text, pos), _end(_ROAD_PART, text, pos)), "crossing"
        if not kind and kinds[-1] == "number":
            end, kind = _end(_BARE_ROOM, text, pos), "room"
        if end == pos and text[pos] == " " and kinds[-1] != "room":
            # one space between two parts (杭州市 西湖区 文三路 188号) keeps the address whole
            after_space, kind = _piece_at(text, pos + 1, after_admin=after_admin, min_name=1 if after_admin else 2)
            end = after_space if kind else pos
        if end == pos:
            break
        pos, kinds = end, kinds + [kind]
    if kinds == ["admin"] and not _is_lone_address(text[start:pos]):
        return None
    return pos


def _is_lone_address(name: str) -> bool:
    """Whether one administrative name alone is an address a customer gives: a district,
    county or county-level city (西湖区, 海宁市), not a province or a city's short name
    (浙江, 杭州: the weather, a train ticket)."""
    return name.endswith(("区", "县", "市", "旗")) and not name.endswith("自治区")


def _starts_a_name(text: str, pos: int) -> bool:
    """Whether an address without an administrative name may start here: at a word edge."""
    return pos == 0 or not _NAME_CHAR.match(text, pos - 1)


def find_addresses(text: str) -> List[Tuple[int, int]]:
    """Spans (start, end) of the addresses written in text, in order."""
    spans: List[Tuple[int, int]] = []
    pos = 0
    while pos < len(text):
        anchored = _admin_at(text, pos) > pos
        end = _chain_from(text, pos) if anchored or _starts_a_name(text, pos) else None
        if end:
            spans.append((pos, end))
            pos = end
        else:
            pos += 1
    return spans


def reads_as_address(piece: str) -> bool:
    """Whether a span some other extractor tagged reads as an address on its own."""
    names, _ = admin_names()
    if any(name in piece for name in names if len(name) >= 3):
        return True
    return bool(re.search(rf"(?:{_ROAD_END}|{_TOWN_END}|{_PLACE_END}|号|幢|栋|号楼|单元|室)$", piece)) and len(piece) >= 3
