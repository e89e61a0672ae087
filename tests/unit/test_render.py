"""Replies per channel: WeChat numbers the choices and "2" picks the second; voice
gets speakable text (digits one by one, money as 元角分, dates as said, no links or
source lines, choices said with their key), cut into parts when long, and SSML."""
from __future__ import annotations

import pytest

from api.render import (
    buttons_of, chosen_payload, render_voice, render_wechat, speakable, to_ssml, voice_parts,
)
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
    assert "一百二十三元四角五分" in spoken and "二零二六年十一月二十五日" in spoken and "二零二六年十月" in spoken
    assert "依据" not in spoken
    assert spoken.endswith("交电费请说“交电费”或按1；查看账单明细请说“查看账单明细”或按2。")
    assert speakable("户号3300000001，手机13800001234") == "户号三三零零零零零零零幺，手机幺三八零零零零幺二三四"
    assert speakable("户号330****001，余额8.60元，违约金0.05元") == "户号尾号零零幺，余额八元六角，违约金五分"


def test_voice_drops_links_markdown_and_emoji() -> None:
    spoken = speakable("**温馨提示**：详情见 https://www.95598.cn 😊")
    assert "http" not in spoken and "*" not in spoken and "😊" not in spoken
    assert "温馨提示" in spoken


@pytest.mark.parametrize(("written", "said"), [
    ("户号3301234567", "户号三三零幺二三四五六七"),
    ("本期电费125.50元", "本期电费一百二十五元五角"),
    ("2026-10的账单", "二零二六年十月的账单"),
    ("2026年1月", "二零二六年一月"),
    ("请于2026-11-05前缴清", "请于二零二六年十一月五日前缴清"),
    ("12月25号", "十二月二十五号"),
    ("单笔0.01元至5000元", "单笔一分至五千元"),
    ("余额100.07元", "余额一百元零七分"),
    ("请拨打95598", "请拨打九五五九八"),
    ("着火请拨打119", "着火请拨打幺幺九"),
    ("单号QX20261202-0001", "单号QX二零二六幺二零二杠零零零幺"),
    ("过去12个月", "过去十二个月"),  # a count, not a date
    ("用电量 216度，请说出10位户号", "用电量二百一十六度，请说出十位户号"),
    ("户号330****001 2026年11月账单：第二档 216度 127.01元", "户号尾号零零幺，二零二六年十一月账单：第二档二百一十六度，一百二十七元零一分"),
    ("2026年11月电费账单：\n用电量 216度\n阶梯明细", "二零二六年十一月电费账单：用电量二百一十六度。阶梯明细"),
])
def test_voice_reads_numbers_as_a_person_says_them(written: str, said: str) -> None:
    assert speakable(written) == said


def test_a_long_answer_is_cut_at_sentence_ends() -> None:
    text = "第一句话。" * 5 + "这是一句比较长的第六句话！" + "最后？"
    parts = voice_parts(text, 12)
    assert "".join(parts) == text
    assert all(len(p) <= 13 for p in parts) and all(p.endswith(("。", "！", "？")) for p in parts)
    assert voice_parts("短句。", 120) == ["短句。"]
    assert voice_parts("一句没有句号的话", 3) == ["一句没有句号的话"]  # never cut inside a sentence


def test_ssml_has_one_sentence_element_each_and_escapes() -> None:
    ssml = to_ssml("您好。A<B & C？")
    assert ssml == '<speak version="1.0" xml:lang="zh-CN"><p><s>您好。</s><s>A&lt;B &amp; C？</s></p></speak>'
