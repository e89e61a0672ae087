"""services/cost_question.py: which words ask what something costs (with a kWh figure:
a tariff computation, for IntentGuard and the forms)."""
from __future__ import annotations

import pytest

from services.cost_question import asks_cost


@pytest.mark.parametrize("text", ["那我这个月要是用三百度得交多少", "一个月用电450度电费大概多少钱", "用200度要花多少",
                                  "三百度电多少钱", "五百度电费是多少", "用了两百度得多少"])
def test_asking_the_price_is_a_cost_question(text: str) -> None:
    assert asks_cost(text)


@pytest.mark.parametrize("text", ["上个月用了300度为什么这么贵", "我家一个月用三百度正常吗", "华氏一百度是摄氏多少度",
                                  "我要交300度的电费", "今年用了多少度", ""])
def test_other_questions_about_usage_are_not(text: str) -> None:
    assert not asks_cost(text)
