"""The bill named and nothing asked of it (services/bill_topic.py): such a message is
asked about (look it up or pay it?), everything else goes its own way."""
from __future__ import annotations

import pytest

from services.bill_topic import names_bill_only


@pytest.mark.parametrize("text", ["电费", "电费。", "嗯 电费的事情", "我想弄一下电费", "那个 我家电费",
                                  "问下电费", "电费问题"])
def test_the_bill_alone_is_a_bare_mention(text: str) -> None:
    assert names_bill_only(text)


@pytest.mark.parametrize("text", ["查电费", "交电费", "电费多少", "这个月电费", "下个月电费", "电费咋交",
                                  "电费怎么这么贵", "电费欠了", "3300000001 电费", "电费账单", "/top_up", ""])
def test_a_request_or_question_about_the_bill_is_not(text: str) -> None:
    assert not names_bill_only(text)
