"""The one-paragraph summary a human agent gets with a transferred call.

An agent picking up a transferred call has seconds to learn who is calling and why, so
the summary says, in one Chinese paragraph: the caller's number (masked), the 户号
verified in the conversation if any (masked), what the caller asked first and last,
and what the bot answered before those last words.  Personal data inside the texts is masked too.
"""
from __future__ import annotations

from services.conversations import store
from services.conversations.models import Conversation
from services.db import session_scope
from services.masking import mask_account_no, mask_mobile, mask_text
from services.voice.calls import Call

MAX_QUOTE_CHARS = 60


def _quote(text: str) -> str:
    if text.strip().isdigit():
        return "一串数字"  # a 户号, or the last four of a mobile: the identity answer itself
    text = mask_text(text.replace("\n", " ").strip())
    return text if len(text) <= MAX_QUOTE_CHARS else text[:MAX_QUOTE_CHARS] + "…"


def _verified_account(conversation_id: str) -> str | None:
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.account_no if conversation else None


def call_summary(call: Call) -> str:
    """E.g. 来电号码138****5678，已核验户号330****001。客户共说了3句，先说“我想查电费”，最后说“转人工”。此前机器人答复：“…”。"""
    messages = store.history(call.conversation_id)
    said = [m.text for m in messages if m.direction == "user"]
    # What the caller had heard before their last words (the answer to those is the transfer notice).
    last_user = max((i for i, m in enumerate(messages) if m.direction == "user"), default=len(messages))
    answers = [m.text for m in messages[:last_user] if m.direction != "user"]
    parts = [f"来电号码{mask_mobile(call.caller) or '未知'}"]
    account_no = _verified_account(call.conversation_id)
    parts.append(f"已核验户号{mask_account_no(account_no)}" if account_no else "未核验户号")
    sentences = ["，".join(parts) + "。"]
    if said:
        first, last = _quote(said[0]), _quote(said[-1])
        asked = f"先说“{first}”，最后说“{last}”" if len(said) > 1 else f"说“{first}”"
        sentences.append(f"客户共说了{len(said)}句，{asked}。")
    if answers:
        sentences.append(f"此前机器人答复：“{_quote(answers[-1]).rstrip('。')}”。")
    return "".join(sentences)
