"""Replies as each channel can show them.

The bot answers in one shape (texts with optional buttons, ``api.schemas.BotMessage``);
the channel decides what a customer can see or hear:

- web: as they are (the widget draws the buttons);
- WeChat: plain text, buttons become numbered choices (回复1 …); the turn pipeline
  takes a bare "1" as the first choice (:func:`chosen_payload`);
- voice: speakable text — no links, emoji or markdown, no source lines; 户号 and phone
  numbers read digit by digit (1 as 幺), money as 元角分, dates as a person says them
  (二零二六年十月二十五日); buttons become spoken choices (查电费请说“查电费”或按1), and
  a key press picks one as a typed "1" does (``../shared/reference/channels-notes.md``).
  A long answer is cut into parts (:func:`voice_parts`); :func:`to_ssml` gives the SSML
  a TTS engine reads.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

import cn2an

from api import wording
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
_YEAR_MONTH = re.compile(r"(?<![\d-])((?:19|20)\d{2})-(0[1-9]|1[0-2])(?![\d-])")
_YEAR = re.compile(r"(?<!\d)(\d{4})年")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})(月|日|号)")
_TICKET_ID = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(\d{8})-(\d{4})(?!\d)")
_SERVICE_NUMBER = re.compile(r"(?:(?<=拨打)|(?<=致电)|(?<=热线))(\d{3,6})(?!\d)")
_DIGIT_WORDS = dict(zip("0123456789", "零幺二三四五六七八九"))
_YEAR_WORDS = dict(zip("0123456789", "零一二三四五六七八九"))  # a year's 1 is 一, not 幺
_COUNT = re.compile(r"(?<![\d.])(\d{1,6})(?=度|千瓦时|天|个月|分钟|小时|位|户|次)")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")
# A space between two spoken numbers ("尾号零零幺 二零二六年", "二百一十六度 一百二十七元") is a pause.
_NUMBER_SPACE = re.compile(r"(?<=[零幺一二三四五六七八九十百千万亿元角分度号日])\s+(?=[零幺一二三四五六七八九十])")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


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


def _date(year: str, month: str, day: str | None = None) -> str:
    spoken = "".join(_YEAR_WORDS[d] for d in year) + f"年{cn2an.an2cn(str(int(month)))}月"
    return spoken + (f"{cn2an.an2cn(str(int(day)))}日" if day else "")


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
    text = _ISO_DATE.sub(lambda m: _date(*m.groups()), text)
    text = _YEAR_MONTH.sub(lambda m: _date(*m.groups()), text)
    text = _YEAR.sub(lambda m: "".join(_YEAR_WORDS[d] for d in m.group(1)) + "年", text)
    text = _MONTH_DAY.sub(lambda m: cn2an.an2cn(str(int(m.group(1)))) + m.group(2), text)
    text = _TICKET_ID.sub(lambda m: f"{m.group(1)}{_digits(m.group(2))}杠{_digits(m.group(3))}", text)
    text = _SERVICE_NUMBER.sub(lambda m: _digits(m.group()), text)
    text = _LONG_NUMBER.sub(lambda m: _digits(m.group()), text)
    text = _MONEY.sub(_money, text)
    text = _COUNT.sub(lambda m: cn2an.an2cn(m.group(1)), text)
    text = re.sub(r"(?<=[：:，,；。！？])\s*\n\s*", "", text.strip())  # a line break after punctuation
    text = re.sub(r"\s*\n\s*", "。", text).replace("。。", "。")
    return _CJK_SPACE.sub("", _NUMBER_SPACE.sub("，", text))


def spoken_choices(messages: list[BotMessage]) -> str:
    """The reply's buttons as choices said aloud, numbered as the keypad picks them."""
    titles = [speakable(c["title"]).rstrip("。") for c in buttons_of(messages)]
    return "；".join(wording.VOICE_CHOICE.format(title=t, number=i) for i, t in enumerate(titles, 1))


def render_voice(messages: list[BotMessage]) -> str:
    """What the voice gateway should say, in one utterance."""
    spoken = [speakable(m.text) for m in messages]
    spoken.append(spoken_choices(messages))
    return "".join(s if s.endswith(("。", "？", "！")) else s + "。" for s in spoken if s)


def voice_parts(text: str, max_chars: int) -> list[str]:
    """``text`` cut at sentence ends into parts of at most ``max_chars`` (a sentence
    longer than that stays whole): a caller can follow a short turn, not a long one."""
    parts: list[str] = []
    for sentence in filter(None, _SENTENCE_END.split(text)):
        if parts and len(parts[-1]) + len(sentence) <= max_chars:
            parts[-1] += sentence
        else:
            parts.append(sentence)
    return parts or [text]


def to_ssml(text: str) -> str:
    """The speakable text as SSML, one <s> per sentence (numbers are already words)."""
    sentences = "".join(f"<s>{escape(s)}</s>" for s in filter(None, _SENTENCE_END.split(text)))
    return f'<speak version="1.0" xml:lang="zh-CN"><p>{sentences}</p></speak>'
