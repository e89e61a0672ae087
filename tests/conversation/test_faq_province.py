"""FAQ answers whose figures differ by province are for the customer's province (issue 9
§6; power-facts.md: never another province's figures, never an invented one), through the
gateway, the real Rasa server and action server and the knowledge graph in the services:
the verified account's province, else the one the customer named in the conversation;
follow-ups about the same topic too; a province the data has nothing for is said to be
unknown."""
from __future__ import annotations

import httpx
import pytest

from tests.stack import Customer

pytestmark = pytest.mark.conversation

ZHEJIANG_TOU_PRICE = "0.568"  # 浙江 first-tier peak price (knowledge_graph/data/facts.yaml)
ZHEJIANG_TIER_PRICE = "0.538元"  # not a prefix of Beijing's 0.5383元
BEIJING_TIER_PRICE = "0.4883元"


def test_a_verified_account_gets_its_own_provinces_rules(customer: Customer) -> None:
    customer.say("查电费")
    customer.say("1100000001")  # a Beijing account
    assert "电费账单" in Customer.text_of(customer.say("9753"))
    text = Customer.text_of(customer.say("居民想办峰谷电 要怎么申请"))
    assert "北京" in text and "峰谷" in text
    assert ZHEJIANG_TOU_PRICE not in text and "浙江" not in text  # not another province's prices
    text = Customer.text_of(customer.say("那办这个收费吗"))  # a follow-up about the same topic
    assert "浙江" not in text and ZHEJIANG_TOU_PRICE not in text


def test_a_province_named_earlier_answers_the_later_questions(customer: Customer, billing: httpx.Client) -> None:
    customer.say("你好 我家在北京")
    text = Customer.text_of(customer.say("阶梯电价是按月算还是按年算的"))
    assert BEIJING_TIER_PRICE in text and ZHEJIANG_TIER_PRICE not in text
    text = Customer.text_of(customer.say("那一个月用两百度电要多少钱"))
    assert "北京" in text and "浙江" not in text


def test_a_province_without_data_is_said_to_be_unknown(customer: Customer) -> None:
    text = Customer.text_of(customer.say("上海这边峰谷电怎么申请"))
    assert "上海" in text and "暂无经核实的资料" in text
    assert ZHEJIANG_TOU_PRICE not in text and "浙江" not in text
