"""Aspects of a topic a customer asks about after an answer, and how to spot them.

After "过户怎么办" a customer often follows up with 需要带什么材料 / 多久能办好 /
在哪里办 / 要多少钱.  Each aspect names the fact kinds in the topic's graph
neighbourhood that answer it, so a follow-up is answered from the graph rather
than by a second free-text search.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Aspect:
    name: str
    label_zh: str  # heading used in composed answers
    node_kinds: tuple[str, ...]
    cues: tuple[str, ...]  # substrings of a follow-up question that select this aspect


ASPECTS: dict[str, Aspect] = {
    aspect.name: aspect
    for aspect in (
        Aspect("materials", "所需材料", ("material",),
               ("材料", "资料", "证件", "带什么", "带啥", "准备什么", "准备啥", "什么手续", "啥手续", "哪些手续")),
        Aspect("time_limit", "办理时限", ("time_limit",),
               ("多久", "多长时间", "几天", "几个工作日", "时限", "多快", "什么时候能", "啥时候能", "要多少天")),
        Aspect("channels", "办理渠道", ("channel",),
               ("在哪", "哪里", "哪儿", "去哪", "什么渠道", "哪些渠道", "网上能", "网上办", "线上办", "在网上", "手机上能")),
        Aspect("fees", "费用及电价", ("fee", "tariff"),
               ("多少钱", "要钱", "收费", "费用", "收钱", "花钱", "免费", "交钱吗")),
    )
}


def aspect_for_question(question: str) -> Aspect | None:
    """The aspect a follow-up question asks about, or None if it names none.

    Cues are question phrases, not topic words: 网上国网怎么绑定 or 峰谷时间 must
    not read as "channels" or "time limit".  The earliest cue in the question wins,
    so 在哪里办，要带什么材料 picks channels.
    """
    found = [
        (question.find(cue), aspect)
        for aspect in ASPECTS.values()
        for cue in aspect.cues
        if cue in question
    ]
    return min(found, key=lambda hit: hit[0])[1] if found else None
