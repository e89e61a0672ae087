"""The pieces of composed replies (utter_part_* in bot/domain.yml) and how actions/replies.py
formats them: the channel's variant, else the default, every piece named by an action."""
from __future__ import annotations

import re

from actions.replies import _responses, part
from actions.tariff import describe_tariff
from services.billing.service import tariff_overview
from services.settings import REPO_ROOT

ACTIONS_SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "actions").glob("*.py"))


def test_every_response_an_action_names_is_in_the_domain_and_every_part_is_used() -> None:
    named = set(re.findall(r'"(utter_\w+)"', ACTIONS_SOURCE)) - {"utter_action"}  # a metadata key
    assert named - set(_responses()) == set()
    parts = {name for name in _responses() if name.startswith("utter_part_")}
    assert parts and parts - named == set()


def test_a_part_takes_the_channels_variant_else_the_default() -> None:
    assert part("utter_part_price", "voice", price="0.538") == "每度0.538元"
    assert part("utter_part_price", "wechat", price="0.538") == "0.538元/度"
    assert part("utter_part_price", None, price="0.538") == "0.538元/度"
    assert part("utter_part_tier_amount", "voice", tier="第一档", kwh="200度", amount="107.60元") \
        == "第一档 200度 107.60元"  # no voice variant: the default


def test_the_tariff_reply_is_speakable_on_a_call_and_unchanged_elsewhere() -> None:
    overview = tariff_overview("zhejiang")
    web, voice = describe_tariff(overview), describe_tariff(overview, "voice")
    assert "第一档 0–2760度 0.538元/度" in web and "（依据：" in web
    assert "第一档 0到2760度 每度0.538元" in voice
    assert "–" not in voice and "元/度" not in voice
