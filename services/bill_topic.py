"""Whether a customer's words name the electricity bill and nothing else (电费, 电费的事,
我想弄下电费): no look-up, no payment, no question, no figure.

Such a message is neither a bill lookup nor a top-up, and guessing one of them starts a
form the customer may not want.  IntentGuard (bot/nlu_components.py) makes it a bare
answer (inform), the bot asks whether to look the bill up or pay it
(actions/clarify.py), and a form already running asks its own question again
(actions/identity.py).  Standard library only: the Rasa venv imports it too.
"""
from __future__ import annotations

import re

# Words that carry no request: greetings, fillers, "I want to", vague verbs (弄、搞、办).
# What is left of a bare mention once they are taken out is 电费 alone; 查/交/多少/为什么/
# a month or a figure all stay and make it something else.
_FILLERS = re.compile(
    r"喂|你好|您好|嗯|啊|呀|哈|呢|吧|嘛|哦|噢|那个|就是|关于|有关|我想|我要|想|要|我家|家里|我的|我|"
    r"的|弄|搞|办|处理|问题|问问|问|咨询|一下|下|事情|事儿|事|这块|方面|个|了|那|这"
)
_PUNCTUATION = re.compile(r"[\s,，.。!！?？~～、…]+")
_BILL = re.compile(r"^电(费|废)$")


def names_bill_only(text: str) -> bool:
    """The words name the electricity bill and ask nothing about it (电费, 电费的事)."""
    rest = _FILLERS.sub("", _PUNCTUATION.sub("", text or ""))
    return bool(_BILL.match(rest))
