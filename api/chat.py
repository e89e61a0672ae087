"""POST /api/v1/chat: one customer turn.

validate → store the inbound message → route by conversation state → reply.
The message is stored before Rasa is called, so an outage loses nothing: the stored
message is marked "failed" and waits for a replay or a human.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.rasa_client import BotUnavailable, RasaClient
from api.schemas import BotMessage, Button, ChatRequest, ChatResponse
from services.conversations import store
from services.masking import mask_text

log = logging.getLogger("powerdesk.chat")
router = APIRouter()

APOLOGY_ZH = "非常抱歉，系统暂时有点忙，您的消息已经记录下来，我们会尽快处理。着急的话也可以拨打95598供电服务热线。"
WAITING_FOR_AGENT_ZH = "您的消息已转给人工客服，请稍候，客服人员会尽快回复您。"


def to_bot_messages(rasa_messages: list[dict[str, Any]]) -> tuple[list[BotMessage], bool]:
    """Rasa's REST messages → ours; the second value says whether the bot asked
    for a human (a custom payload ``{"handoff": true}`` from action_handoff)."""
    messages: list[BotMessage] = []
    handoff = False
    for item in rasa_messages:
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("handoff"):
            handoff = True
        if item.get("text"):
            buttons = [Button(title=b["title"], payload=b["payload"]) for b in item.get("buttons") or []]
            messages.append(BotMessage(text=item["text"], buttons=buttons or None))
    return messages, handoff


@router.post("/chat", response_model=ChatResponse, response_model_exclude_none=True)
async def chat(body: ChatRequest, request: Request) -> ChatResponse:
    inbound_id, state = await run_in_threadpool(store.record_inbound, body.sender_id, body.channel, body.text)
    log.info("inbound %s/%s: %s", body.channel, body.sender_id, mask_text(body.text))

    if state == store.HANDOFF:
        await run_in_threadpool(store.mark_status, inbound_id, "queued")
        return ChatResponse(messages=[BotMessage(text=WAITING_FOR_AGENT_ZH)], state="handoff")

    rasa: RasaClient = request.app.state.rasa
    try:
        messages, handoff = to_bot_messages(
            await rasa.send(body.sender_id, body.text, {"channel": body.channel})
        )
        if not messages:
            raise BotUnavailable("the bot produced no reply (action server down?)")
    except BotUnavailable as exc:
        log.error("bot unavailable for %s: %s", body.sender_id, exc)
        await run_in_threadpool(store.mark_status, inbound_id, "failed")
        return ChatResponse(messages=[BotMessage(text=APOLOGY_ZH)], state="bot", error="bot_unavailable")

    await run_in_threadpool(store.record_replies, body.sender_id, inbound_id, [m.text for m in messages])
    if handoff:
        await run_in_threadpool(store.set_state, body.sender_id, store.HANDOFF, body.channel)
    return ChatResponse(messages=messages, state="handoff" if handoff else "bot")
