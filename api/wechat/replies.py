"""What to answer each kind of push: a turn of the one pipeline, or a fixed text.

The channel user is the OpenID (FromUserName), which WeChat vouches for through the
signed push.  Texts, recognised voice and menu clicks go to the bot through
``handle_turn``; following the account gets the welcome; unfollowing ends the
conversation; anything the bot cannot read gets a note of what it can do
(``api/wording.py``, WeChat section).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from api import wording
from api.rasa_client import RasaClient
from api.render import render_wechat
from api.schemas import MAX_TEXT_CHARS, BotMessage, customer_text
from api.turns import Inbound, handle_turn
from api.wechat.menu import menu_request
from api.wechat.messages import Push
from services.channels import WECHAT
from services.conversations import store


@dataclass(frozen=True)
class Answer:
    text: str | None  # what the user is shown (rendered for WeChat); None: nothing to say
    conversation_id: str | None = None  # the conversation, when a turn produced the answer
    messages: list[BotMessage] = field(default_factory=list)  # the bot's messages, buttons and all


async def answer(push: Push, rasa: RasaClient) -> Answer:
    if push.msg_type == "text":
        return await _turn(push, push.content or "", rasa)
    if push.msg_type == "voice":
        if (push.recognition or "").strip():
            return await _turn(push, push.recognition, rasa)
        return Answer(wording.WECHAT_VOICE_UNRECOGNIZED)
    if push.msg_type == "event":
        return await _event(push, rasa)
    return Answer(wording.WECHAT_UNSUPPORTED)  # image, location, video, shortvideo, link, file …


async def _event(push: Push, rasa: RasaClient) -> Answer:
    event = (push.event or "").strip().lower()
    if event == "subscribe":  # also when following through a QR code (EventKey qrscene_…)
        return Answer(wording.WECHAT_WELCOME)
    if event == "unsubscribe":
        conversation_id = await run_in_threadpool(store.current_conversation_id, WECHAT, push.from_user)
        if conversation_id:
            await run_in_threadpool(store.end_conversation, conversation_id, "unsubscribed")
        return Answer(None)
    if event == "click":
        request = menu_request(push.event_key)
        if request is None:
            return Answer(wording.WECHAT_UNSUPPORTED)
        label, payload = request
        return await _turn(push, label, rasa, payload)
    return Answer(None)  # VIEW (a menu link), SCAN, LOCATION reports …: nothing to say


async def _turn(push: Push, text: str, rasa: RasaClient, payload: str | None = None) -> Answer:
    try:
        text = customer_text(text)
    except ValueError:
        return Answer(wording.WECHAT_TOO_LONG.format(limit=MAX_TEXT_CHARS) if text.strip()
                      else wording.WECHAT_UNSUPPORTED)
    result = await handle_turn(Inbound(WECHAT, push.from_user, text, payload=payload, payload_vouched=True), rasa)
    return Answer(render_wechat(result.messages), result.conversation_id, result.messages)
