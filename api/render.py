"""Replies as each channel can show them.

The bot answers in one shape (texts with optional buttons, ``api.schemas.BotMessage``);
the channel decides what a customer can see or hear:

- web: as they are (the widget draws the buttons);
- WeChat: plain text, buttons become numbered choices (回复1 …); the turn pipeline
  takes a bare "1" as the first choice (:func:`chosen_payload`);
- voice: speakable text — no links, emoji or markdown, no source lines; 户号 and phone
  numbers read digit by digit (1 as 幺), money as 元角分, ISO dates as 年月日; buttons
  become "您可以说：…" (``../shared/reference/channels-notes.md``).
"""
from __future__ import annotations

import re

import cn2an

from api.schemas import BotMessage
from services.channels import VOICE, WECHAT

NUMBERED_CHOICE_CHANNELS = {WECHAT, VOICE}  # "2" (typed or a key press) picks a choice

_URL = re.compile(r"https?://\S+")
_MARKDOWN = re.compile(r"[*_`#>]+")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")
_SOURCE_LINE = re.compile(r"（依据[:：][^）]*）")
_MASKED_NUMBER = re.compile(r"\d*\*+(\d+)")
_LONG_NUMBER = re.compile(r"(?<![\d.])\d{7,}(?![\d.])")
_MONEY = re.compile(r"(?<![\d.])(\d+)(?:\.(\d{1,2}))?元")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DIGIT_WORDS = dict(zip("0123456789", "零幺二三四五六七八九"))


def buttons_of(messages: list[BotMessage]) -> list[dict]:
    """Every button of a reply, in order, as stored for numbered choices."""
    return [{"title": b.title, "payload": b.payload} for m in messages for b in m.buttons or []]


def chosen_payload(text: str, buttons: list[dict] | None) -> str | None:
    """The payload a bare "2" (２, or 第2个) picks from the last reply's choices, if any."""
    match = re.fullmatch(r"\s*(?:第)?([0-9０-９])(?:个|项)?\s*", text)
    if not match or not buttons:
        return None
    index = int(match.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))) - 1
    return buttons[index]["payload"] if 0 <= index < len(buttons) else None


def render_wechat(messages: list[BotMessage]) -> str:
    """One plain-text message; choices as 回复1：… lines."""
    lines = [m.text for m in messages]
    choices = buttons_of(messages)
    if choices:
        lines.append("\n".join(f"回复{i}：{c['title']}" for i, c in enumerate(choices, 1)))
    return "\n".join(lines)


def _digits(number: str) -> str:
    return "".join(_DIGIT_WORDS[d] for d in number)


def _money(match: re.Match) -> str:
    yuan, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    if int(yuan) == 0 and cents != "00":
        spoken = ""  # 0.05元 is 五分, not 零元零五分
    else:
        spoken = f"{cn2an.an2cn(yuan)}元"
    if cents[0] != "0":
        spoken += f"{cn2an.an2cn(cents[0])}角"
    if cents[1] != "0":
        spoken += f"{'零' if cents[0] == '0' and spoken else ''}{cn2an.an2cn(cents[1])}分"
    return spoken


def speakable(text: str) -> str:
    text = _SOURCE_LINE.sub("", text)
    text = _MASKED_NUMBER.sub(lambda m: f"尾号{_digits(m.group(1))}", text)  # before * goes as markdown
    text = _URL.sub("", _EMOJI.sub("", _MARKDOWN.sub("", text)))
    text = _ISO_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", text)
    text = _LONG_NUMBER.sub(lambda m: _digits(m.group()), text)
    text = _MONEY.sub(_money, text)
    return re.sub(r"\s*\n\s*", "。", text.strip()).replace("。。", "。")


def render_voice(messages: list[BotMessage]) -> str:
    """What the voice gateway should say, in one utterance."""
    spoken = [speakable(m.text) for m in messages]
    titles = [c["title"] for c in buttons_of(messages)]
    if titles:
        spoken.append("您可以说：" + "，或者".join(titles) + "。")
    return "".join(s if s.endswith(("。", "？", "！")) else s + "。" for s in spoken if s)
