"""Words that answer a form's prompt without a value (services/prompt_words.py): waiting,
no last four to give, paying all; and what must not be read as them."""
from __future__ import annotations

import pytest

from services.prompt_words import cannot_give_last4, pays_all, waits


@pytest.mark.parametrize("text", ["等等", "等一下啊", "稍等", "您稍等一下 我找找", "先等会儿", "让我想想",
                                  "等会儿 我找找户号", "稍等 我去找一下手机号",
                                  "喂 稍等一下啊", "你好 稍等", "喂喂 您好 等我一下", "在吗 等会儿"])
def test_asking_to_wait(text: str) -> None:
    assert waits(text)


@pytest.mark.parametrize("text", ["等下 改成三百", "等一下 违约金怎么算", "好的", "5678", "", "等我下班再交",
                                  "我看看电费", "等一下 我看看账单", "你好", "喂", "喂 等下 改成三百", "等一下 你好"])
def test_more_than_waiting(text: str) -> None:
    assert not waits(text)


@pytest.mark.parametrize("text", ["手机号早换了", "尾号记不清了", "不知道当时留的哪个手机号", "预留的号码换过了",
                                  "登记的电话早就停机了", "后四位忘了"])
def test_no_last_four_to_give(text: str) -> None:
    assert cannot_give_last4(text)


@pytest.mark.parametrize("text", ["5678", "尾号5678", "换个户号", "登记的手机是18600009753", "我不知道"])
def test_a_last_four_or_something_else(text: str) -> None:
    assert not cannot_give_last4(text)


@pytest.mark.parametrize("text", ["全部", "全部吧", "全交了", "欠多少交多少", "一次性交清"])
def test_paying_all(text: str) -> None:
    assert pays_all(text)


@pytest.mark.parametrize("text", ["一百", "不全交", "先别全交", "全部取消", "部分"])
def test_not_paying_all(text: str) -> None:
    assert not pays_all(text)
