"""What a customer's words say about a power problem: danger, and how far it reaches.

Standard library only: the NLU (bot/nlu_components.py, Python 3.10) and the outage
form (actions/outage.py) read a message with the same rules.  The kinds are the
ticket kinds of services/outage (household, building, area, danger).

Danger comes first whatever else the message says or asks: a wire down, sparks,
smoke, fire, someone shocked — and questions about what to do with one (泼水灭火?).
"漏电保护器跳闸" is a tripped breaker, not danger.  A ticket id in a message asks for
that ticket's progress.
"""
from __future__ import annotations

import re

DANGER = re.compile(
    r"冒烟|冒火|着火|起火|失火|火花|打火|放电|电火|烧焦|焦味|糊味|烧起来|烧着|燃起来|爆炸|炸了|爆了|"
    r"触电|被电[到了击打住]|电到[人了我他她]|电击|麻手|"
    r"(?<!保护器)(?<!保护开关)漏电(?!保护)|"
    r"(电线|电缆|高压线|线缆|电杆|电线杆|线杆|电箱|变压器|配电箱|表箱).{0,6}"
    r"(掉|断|落|垂|倒|歪|拖地|冒|响|炸|着|烧|火|漏|泡水|进水|淹)|"
    r"(掉|断|落|垂)(下来|在地上|到地上).{0,4}(线|电)|"
    r"(泼水|浇水|用水灭|拿水浇|水能灭|用水扑)"
)
BUILDING = re.compile(r"整栋|整幢|整个楼|整座楼|一栋楼|这栋|楼里|楼上楼下|单元|全楼|整楼|楼道")
AREA = re.compile(r"小区|整片|一片|这片|片区|整条街|一条街|整个村|全村|周围|附近|邻居.{0,3}(也|都)(没|停)|"
                  r"大家都|都停|全都停|路灯")
# A repair ticket's id as a customer types or reads it: QX20261202-0001, qx 20261202 0001.
TICKET_ID = re.compile(r"QX\s*\d{8}\s*-?\s*\d{4}", re.IGNORECASE)
HOUSEHOLD = re.compile(r"(只有|就|只)(我|我们)(一)?家|我们?一家|我家一户|邻居.{0,4}(有电|都有|正常)|别人家.{0,3}有电|单我家|只我家")


def ticket_id_in(text: str) -> str | None:
    """"qx20261202 0001" → "QX20261202-0001", as the outage service writes ids."""
    match = TICKET_ID.search(text or "")
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group())
    return f"QX{digits[:8]}-{digits[8:]}"


def is_danger(text: str) -> bool:
    return bool(DANGER.search(text or ""))


def kind_of(text: str) -> str | None:
    """danger / area / building / household as the words say, or None if they do not."""
    text = text or ""
    if is_danger(text):
        return "danger"
    if HOUSEHOLD.search(text):
        return "household"
    if BUILDING.search(text):
        return "building"
    if AREA.search(text):
        return "area"
    return None
