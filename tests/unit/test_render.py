"""Replies per channel: WeChat numbers the choices and "2" picks the second; voice
gets speakable text (digits one by one, money as 元角分, no links or source lines)."""
from __future__ import annotations

import pytest

from api.render import buttons_of, chosen_payload, render_voice, render_wechat, speakable
from api.schemas import BotMessage, Button

REPLY = [BotMessage(text="您2026年10月的电费是123.45元，请于2026-11-25前缴清。\n（依据：国家电网供电服务规定）",
                    buttons=[Button(title="交电费", payload="/top_up"), Button(title="查看账单明细", payload="/query_bill")])]


def test_wechat_shows_buttons_as_numbered_choices() -> None:
    text = render_wechat(REPLY)
    assert text.endswith("回复1：交电费\n回复2：查看账单明细")
    assert text.startswith("您2026年10月的电费是123.45元")


@pytest.mark.parametrize(("reply", "payload"), [("2", "/query_bill"), ("２", "/query_bill"), ("第1个", "/top_up"),
                                                (" 1 ", "/top_up"), ("3", None), ("12", None), ("好的", None)])
def test_a_number_picks_that_choice_of_the_last_reply(reply: str, payload: str | None) -> None:
    assert chosen_payload(reply, buttons_of(REPLY)) == payload


def test_no_choice_without_buttons() -> None:
    assert chosen_payload("1", None) is None and chosen_payload("1", []) is None


def test_voice_reads_money_dates_and_numbers_as_a_person_says_them() -> None:
    spoken = render_voice(REPLY)
    assert "一百二十三元四角五分" in spoken and "2026年11月25日" in spoken
    assert "依据" not in spoken and "您可以说：交电费，或者查看账单明细。" in spoken
    assert speakable("户号3300000001，手机13800001234") == "户号三三零零零零零零零幺，手机幺三八零零零零幺二三四"
    assert speakable("户号330****001，余额8.60元，违约金0.05元") == "户号尾号零零幺，余额八元六角，违约金五分"


def test_voice_drops_links_markdown_and_emoji() -> None:
    spoken = speakable("**温馨提示**：详情见 https://www.95598.cn 😊")
    assert "http" not in spoken and "*" not in spoken and "😊" not in spoken
    assert "温馨提示" in spoken
