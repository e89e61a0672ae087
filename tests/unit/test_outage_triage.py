"""Danger first, however it is worded; a tripped breaker is not danger."""
from __future__ import annotations

import pytest

from services.outage.triage import is_danger, kind_of, ticket_id_in

# Written for this test, as customers write and say it (no held-out data looked at).
DANGER_WORDINGS = [
    "电线杆上在打火", "楼下电线掉下来了", "小区门口电线断了垂在地上", "配电箱冒烟了", "电表箱着火了",
    "插座冒火花", "家里有股烧焦的味道 插座很烫", "变压器响了一声还冒烟", "高压线被风刮断了",
    "有人触电了怎么办", "我儿子被电到了", "电线掉在地上 能用手捡吗", "电线着火了能泼水吗",
    "电器着火了可以用水浇吗", "楼道里电线在冒火", "路边电线杆倒了", "电缆泡水里了",
    "表箱进水了还在滋滋响", "家里电线烧起来了", "墙上的开关冒烟", "电线杆歪了 线都快拖地了",
    "孩子在电线杆旁边玩 上面一直在放电", "电箱爆了", "院子里的电线断落了", "碰到洗衣机被电击了",
    "摸水龙头麻手 是不是漏电", "配电房着火了", "电线起火了", "闻到糊味 电表那里冒烟",
    "线缆断了掉到路上", "刚才一声巨响 变压器炸了", "电线短路打火了", "有电线掉在马路上了",
    "老人触电倒地了", "下雨天电线杆在冒火花", "家里插排烧着了", "电缆井冒烟", "电线垂到窗户边还在打火",
    "用水扑灭电线的火可以吗", "楼上电线漏电 墙都带电", "小区里变压器着火了",
]
NOT_DANGER = ["漏电保护器跳闸了", "家里停电了", "空气开关跳了", "电费怎么这么贵", "漏电保护开关老是跳",
              "整栋楼都停电了", "我家没电了邻居有电", "电表不走了"]


@pytest.mark.parametrize("text", DANGER_WORDINGS)
def test_danger_is_recognised_however_it_is_worded(text: str) -> None:
    assert is_danger(text) and kind_of(text) == "danger"


@pytest.mark.parametrize("text", NOT_DANGER)
def test_an_ordinary_fault_is_not_danger(text: str) -> None:
    assert not is_danger(text)


def test_at_least_forty_danger_wordings() -> None:
    assert len(set(DANGER_WORDINGS)) >= 40


@pytest.mark.parametrize(("text", "kind"), [
    ("整栋楼都停电了", "building"), ("我们单元没电了", "building"), ("小区都停电了", "area"),
    ("这一片都没电", "area"), ("邻居家也没电", "area"), ("就我家没电 邻居有电", "household"),
    ("只有我家停电", "household"), ("家里停电了", None),
])
def test_how_far_an_outage_reaches(text: str, kind: str | None) -> None:
    assert kind_of(text) == kind


@pytest.mark.parametrize(("text", "ticket"), [("QX20261202-0042进度怎么样", "QX20261202-0042"),
                                              ("单号 qx 20261202 0001", "QX20261202-0001"),
                                              ("我的电费单号是2026", None)])
def test_a_ticket_id_as_customers_type_it(text: str, ticket: str | None) -> None:
    assert ticket_id_in(text) == ticket
