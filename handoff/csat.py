"""The satisfaction score after a resolved handoff: 1–5, as a customer writes it
("5", "5分", "五", "五星", "５分" …, or the csat buttons' payloads "1"…"5")."""
from __future__ import annotations

import re

from services.textnorm import to_halfwidth

SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
SCORE = re.compile(r"^\s*([1-5一二两三四五])\s*(分|星|颗星|星级)?\s*[。.!！~]*\s*$")


def parse_score(text: str) -> int | None:
    found = SCORE.match(to_halfwidth(text or ""))
    return SCORES[found.group(1)] if found else None
