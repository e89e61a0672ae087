"""Whether a customer's words ask what electricity costs (得交多少, 多少钱, 电费大概多少).

With a kWh figure in the same message (三百度得交多少, 这个月要是用450度电多少钱) that is a
tariff computation, not a bill, a forecast or a top-up: IntentGuard (bot/nlu_components.py)
makes it ask_tariff, and the forms (actions/form_turn.py) step aside for it at a prompt.
Standard library only: the Rasa venv imports it too.
"""
from __future__ import annotations

import re

COST_QUESTION = re.compile(
    r"(交|缴|付|花|给)(多少|几)|多少钱|多少电费|电费(大概|大约|一共|总共)?(是|有|得|要|会是)?多少|(得|要|需要)多少"
)


def asks_cost(text: str) -> bool:
    """The words ask how much money something comes to."""
    return bool(COST_QUESTION.search(text or ""))
