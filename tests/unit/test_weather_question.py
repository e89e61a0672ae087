"""The weather's temperature (services/weather_question.py): its 度 is no kWh."""
from __future__ import annotations

import pytest

from services.weather_question import asks_weather_temperature


@pytest.mark.parametrize("text", ["明天几度", "今天外面多少度", "杭州这两天气温怎么样", "后天最高温度多少"])
def test_the_weather_temperature(text: str) -> None:
    assert asks_weather_temperature(text)


@pytest.mark.parametrize("text", ["空调开多少度", "今天用了多少度", "三百度电多少钱", "一度电多少钱", ""])
def test_power_and_appliances_are_not_the_weather(text: str) -> None:
    assert not asks_weather_temperature(text)
