"""Provinces named in customers' words (services/regions.py)."""
import pytest

from services.regions import province_name, province_named_in


@pytest.mark.parametrize("text,key", [
    ("北京用两百度电多少钱", "beijing"),
    ("在杭州一度电多少钱", "zhejiang"),
    ("宁波的阶梯电价怎么算", "zhejiang"),
    ("上海居民电价", "shanghai"),
    ("深圳用电贵不贵", "guangdong"),
    ("黑龙江的电价", "heilongjiang"),
    ("台州的电费", "zhejiang"),
])
def test_provinces_and_their_cities(text: str, key: str) -> None:
    assert province_named_in(text).key == key


def test_no_province_named() -> None:
    assert province_named_in("用了三百度要交多少") is None
    assert province_named_in("") is None


def test_names_for_customers() -> None:
    assert province_name("beijing") == "北京" and province_name("guangdong") == "广东"
