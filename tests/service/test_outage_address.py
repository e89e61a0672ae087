"""Address normalization (services/outage/address.py) with the real jionlp library: the
project's own address examples split into every part, and the cases matching relies on."""
import pytest

from services.errors import Invalid
from services.outage.address import normalize_address, require_street
from services.outage.address_benchmark import PARTS, gold_rows


@pytest.mark.parametrize("row", gold_rows(), ids=lambda row: row["address"])
def test_every_hand_checked_example_splits_into_its_parts(row):
    address = normalize_address(row["address"], province="zhejiang")
    assert {k: getattr(address, k) for k in PARTS} == {k: row[k] for k in PARTS}


def test_two_writings_of_one_home_have_one_key():
    writings = ["浙江省杭州市西湖区文三路88号3幢2单元301室", "杭州西湖区文三路８８号３栋２单元３０１",
                "西湖区文三路八十八号3幢2单元301室", " 浙江杭州市西湖区 文三路88号3幢2单元301 "]
    keys = {normalize_address(w).key for w in writings}
    assert len(keys) == 1
    assert normalize_address(writings[0]).key != normalize_address("浙江省杭州市西湖区文三路88号3幢2单元302室").key


def test_an_ambiguous_district_is_read_in_the_callers_province():
    assert normalize_address("西湖区文三路", province="zhejiang").city == "杭州市"
    assert normalize_address("江北区慈城镇", province="zhejiang").city == "宁波市"
    unresolved = normalize_address("西湖区文三路", province="beijing")  # Beijing has no 西湖区
    assert (unresolved.province, unresolved.city, unresolved.district) == (None, None, "西湖区")


def test_merged_districts_get_their_current_names():
    assert normalize_address("江干区凯旋路").district == "上城区"
    assert normalize_address("下城区").district == "拱墅区"


@pytest.mark.parametrize("text", ["和平小区5幢302", "红星村", "阳光新城12幢", "新城花园3幢"])
def test_a_community_named_like_a_district_elsewhere_stays_a_community(text):
    address = normalize_address(text)
    assert (address.province, address.city, address.district) == (None, None, None)
    assert address.text.startswith(address.street) and address.street in text


def test_house_no_is_the_number_on_a_road_and_the_building_in_a_community():
    assert normalize_address("杭州市西湖区学院路359号27幢2301室").house_no == 359
    assert normalize_address("拱墅区和睦新村12幢").house_no == 12
    assert normalize_address("拱墅区大关路").house_no is None


@pytest.mark.parametrize("text, code", [("", "address_missing"), ("   ", "address_missing"),
                                        ("文" * 201, "address_too_long")])
def test_an_empty_or_overlong_address_is_refused(text, code):
    with pytest.raises(Invalid) as refused:
        normalize_address(text)
    assert refused.value.code == code and refused.value.status_code == 422


def test_an_address_without_street_or_district_is_too_vague_for_a_ticket():
    with pytest.raises(Invalid) as refused:
        require_street(normalize_address("3幢2单元"))
    assert refused.value.code == "address_too_vague"
    assert require_street(normalize_address("文三路")).street == "文三路"
