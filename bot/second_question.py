"""Where a message turns to a second question (查下电费 顺便问下过户要什么材料).

The words before the turn are the customer's first request.  LinearIntentClassifier
ranks them on their own (``request_ranking``), because the second question's words
pull the whole message's ranking off the request (我要报修 顺便问一下明天天气 reads as
a complaint as a whole); KnowledgeRouter decides what to do with both parts.
"""
from __future__ import annotations

import re
from typing import Optional

# a second question in the same message starts after one of these
SECOND_QUESTION = re.compile(r"(顺便|顺带|另外|还有个问题|还有一个问题|再问一?下|对了)(问一?下|问问|请问|想问)?")
# the message property the classifier sets: the ranking of the request part alone
REQUEST_RANKING = "request_ranking"


def request_part(text: str) -> Optional[str]:
    """The words before a second-question marker, or None when there is none (or the
    message starts with it, so there is no request before it)."""
    match = SECOND_QUESTION.search(text or "")
    if match is None or match.start() == 0:
        return None
    return text[: match.start()].strip() or None
