"""The address grammar behind the NLU's address entity (bot/address_grammar.py): where an
address starts and ends in what customers write, and what is no address at all.  The
wordings here are written for this test (none is from nlu_data/heldout)."""
from __future__ import annotations

import pytest

from bot.address_grammar import find_addresses, reads_as_address

ADDRESSES = [
    ("我家在杭州市西湖区文三路188号 停电了", ["杭州市西湖区文三路188号"]),
    ("地址是浙江省宁波市江北区洪塘街道裘市村", ["浙江省宁波市江北区洪塘街道裘市村"]),
    ("台州市路桥区路桥街道这边没电", ["台州市路桥区路桥街道"]),            # a road-like district name
    ("嘉兴南湖区中山路77号跳闸了", ["嘉兴南湖区中山路77号"]),             # a city's short name, 中山 is a road here
    ("就在余姚市梨洲街道谭家岭东路18号那块", ["余姚市梨洲街道谭家岭东路18号"]),
    ("我住幸福小区3栋1单元602", ["幸福小区3栋1单元602"]),
    ("在湖墅南路与密渡桥路交叉口附近", ["湖墅南路与密渡桥路交叉口"]),
    ("杭州市钱塘区白杨街道6号大街停电", ["杭州市钱塘区白杨街道6号大街"]),
    ("北京市朝阳区望京西路48号院3号楼", ["北京市朝阳区望京西路48号院3号楼"]),
    ("成都市武侯区人民南路四段9号", ["成都市武侯区人民南路四段9号"]),
    ("翠苑一区11幢停电了", ["翠苑一区11幢"]),
    ("杭州市 西湖区 文三路 188号", ["杭州市 西湖区 文三路 188号"]),      # spaces between the parts
    ("听说周日红星村要停电", ["红星村"]),                                 # 周日 is not part of the name
    ("我家东方花园3栋跳闸了", ["东方花园3栋"]),                           # 我家 is not part of it
    ("西湖区明天停电吗", ["西湖区"]),
    ("江干区凯旋路明天检修吗", ["江干区凯旋路"]),                         # a district's old name
    ("上海市浦东新区张杨路1500弄12号", ["上海市浦东新区张杨路1500弄12号"]),
]

NOT_ADDRESSES = [
    "杭州明天下雨吗", "帮我订一张去北京的高铁票", "浙江阶梯电价第一档多少钱", "冬天水表冻住了怎么办",
    "小区线路老化了找谁修", "电路短路了怎么办", "我们小区停电了", "全村都停电了", "人行道上的路灯不亮",
    "12月5号停电吗", "把线弄断了", "启动和平精英", "查一下去万达广场的路线", "这条街都黑了",
]


@pytest.mark.parametrize("text, expected", ADDRESSES)
def test_the_whole_address_and_nothing_else(text: str, expected: list[str]) -> None:
    assert [text[start:end] for start, end in find_addresses(text)] == expected


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_no_address_where_none_is_written(text: str) -> None:
    assert find_addresses(text) == []


def test_a_span_another_extractor_tagged_is_kept_only_if_it_reads_as_an_address() -> None:
    assert reads_as_address("谭家岭东路") and reads_as_address("西湖区") and reads_as_address("阳光新城")
    assert not reads_as_address("湖") and not reads_as_address("火星") and not reads_as_address("单元")
