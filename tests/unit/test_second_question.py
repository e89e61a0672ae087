"""The request before a second question, which the classifier ranks on its own."""
import pytest

from bot.second_question import request_part


@pytest.mark.parametrize(("text", "part"), [
    ("我要报修 顺便问一下明天天气", "我要报修"),
    ("查下电费 另外想问问附近有啥好吃的", "查下电费"),
    ("3300000001 对了 过户要带什么", "3300000001"),
    ("顺便问下今天天气", None),  # nothing asked before it
    ("我要报修", None),
])
def test_request_part(text: str, part: str | None) -> None:
    assert request_part(text) == part
