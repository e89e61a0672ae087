"""The turn pipeline: one inbound message from any channel, end to end.

store first → route by the conversation's state → Rasa → store the replies → hand
over when the bot asks.  This is the one place that decides who answers: while a
handoff is pending or assigned (state ``handoff``) the bot is silent and the message
waits for the agent (api/handoff_flow.py); right after a resolved handoff, a message
that is a 1–5 score answers the satisfaction question; everything else goes to Rasa.  ``/api/v1/chat`` and every channel adapter call
:func:`handle_turn`; what a channel adds is only how it authenticates its user and
renders the replies.  The message is stored before Rasa is called, so an outage
loses nothing: it is marked "failed" and waits for a replay or a human.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from api import handoff_flow, wording
from api.health import action_servers_up
from api.rasa_client import BotUnavailable, RasaClient
from api.render import NUMBERED_CHOICE_CHANNELS, buttons_of, chosen_payload
from api.schemas import BotMessage, Button
from handoff import queue as handoff_queue
from handoff.csat import parse_score
from services.conversations import store
from services.masking import mask_text
from services.settings import get_settings

log = logging.getLogger("powerdesk.turns")

# After verification_idle_min without a message the identity check counts no more:
# these events make the bot ask for it again before showing anything personal.
FORGET_VERIFICATION = [
    {"event": "slot", "name": "verified_account", "value": None},
    {"event": "slot", "name": "last4", "value": None},
]


@dataclass(frozen=True)
class Inbound:
    """A customer's message as a channel adapter hands it over: the channel user is
    one the channel authenticated (a session token, a signed webhook, a call)."""
    channel: str
    channel_user_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    # A button the customer pressed (the web widget: ``text`` is its title, stored and
    # shown), or a menu item the channel vouches for (a WeChat menu click: ``text`` is
    # the item's label).  Rasa reads the payload (:func:`bot_text`).
    payload: str | None = None
    # True when the channel itself vouches for the payload (WeChat's signed menu click);
    # otherwise the payload is read only if the conversation's last reply offered it.
    payload_vouched: bool = False


@dataclass(frozen=True)
class TurnResult:
    conversation_id: str
    messages: list[BotMessage]
    state: str  # "bot" or "handoff"
    error: str | None = None


def to_bot_messages(rasa_messages: list[dict[str, Any]]) -> tuple[list[BotMessage], dict | None]:
    """Rasa's REST messages → ours; the second value is the hand-over the bot asked
    for, if any (a custom payload ``{"handoff": true, "reason", "text"}``, actions/handoff.py)."""
    messages: list[BotMessage] = []
    handoff = None
    for item in rasa_messages:
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("handoff"):
            handoff = custom
        if item.get("text"):
            buttons = [Button(title=b["title"], payload=b["payload"]) for b in item.get("buttons") or []]
            messages.append(BotMessage(text=item["text"], buttons=buttons or None))
    return messages, handoff


def bot_text(inbound: Inbound, conversation: store.OpenConversation) -> str:
    """What Rasa reads: a payload the channel vouched for, or a pressed button's payload
    when the last reply offered it (any other payload is not trusted: the text is read
    instead); on a channel that numbers the choices, "2" is the second button's payload
    of the last reply; otherwise the customer's text."""
    if inbound.payload is not None:
        offered = {button["payload"] for button in conversation.last_buttons or []}
        return inbound.payload if inbound.payload_vouched or inbound.payload in offered else inbound.text
    if inbound.channel in NUMBERED_CHOICE_CHANNELS:
        return chosen_payload(inbound.text, conversation.last_buttons) or inbound.text
    return inbound.text


async def handle_turn(inbound: Inbound, rasa: RasaClient) -> TurnResult:
    conversation = await run_in_threadpool(store.open_conversation, inbound.channel, inbound.channel_user_id)
    inbound_id = await run_in_threadpool(store.record_inbound, conversation.id, inbound.text)
    log.info("inbound %s/%s: %s", inbound.channel, conversation.id, mask_text(inbound.text))

    if conversation.state == store.HANDOFF:
        handled = await handoff_flow.customer_turn(conversation.id, inbound_id, inbound.text, rasa)
        if handled is not None:
            text, state = handled
            await run_in_threadpool(store.record_replies, conversation.id, inbound_id, [text], "bot")
            if state == store.HANDOFF:  # still waiting for the agent: not answered yet
                await run_in_threadpool(store.mark_status, inbound_id, "queued")
            return TurnResult(conversation.id, [BotMessage(text=text)], state)
        # No handoff open after all: the bot answers.

    scored = await _answer_to_csat(conversation.id, inbound_id, inbound.text)
    if scored is not None:
        return TurnResult(conversation.id, [BotMessage(text=scored)], "bot")

    try:
        if not await action_servers_up(get_settings()):
            # Not even sent to Rasa: it would take the message, fail the form's validation,
            # lose the form's events and leave the form half-way (a resent 确认 was then
            # answered "好的。还有什么可以帮您？").  So the tracker stays as it was and the
            # message, sent again once an action server is back, finds the form waiting.
            raise BotUnavailable("no action server answers")
        # The channel travels in the metadata: the session's start sets the channel slot
        # from it (actions/session.py), which picks the responses' channel variants.
        if conversation.idle_s > get_settings().verification_idle_min * 60:
            await rasa.append_events(conversation.id, FORGET_VERIFICATION)
        metadata = {**inbound.metadata, "channel": inbound.channel}
        replies, actions_up = await asyncio.gather(  # and an action server that died during the turn
            rasa.send(conversation.id, bot_text(inbound, conversation), metadata),
            action_servers_up(get_settings()))
        messages, handoff = to_bot_messages(replies)
        if not messages or not actions_up:
            raise BotUnavailable("the bot produced no reply" if actions_up else "no action server answers")
    except BotUnavailable as exc:
        log.error("bot unavailable for %s: %s", conversation.id, exc)
        await run_in_threadpool(store.mark_status, inbound_id, "failed")
        return TurnResult(conversation.id, [BotMessage(text=wording.APOLOGY)], "bot", "bot_unavailable")

    await run_in_threadpool(store.record_replies, conversation.id, inbound_id, [m.text for m in messages],
                            "bot", buttons_of(messages))
    if handoff is not None:
        await handoff_flow.begin(conversation.id, handoff.get("reason"), inbound.text, rasa)
    return TurnResult(conversation.id, messages, "handoff" if handoff is not None else "bot")


async def _answer_to_csat(conversation_id: str, inbound_id: int, text: str) -> str | None:
    """Right after a resolved handoff: the next message is the score when it is one
    (stored, the customer thanked); anything else goes to the bot."""
    handoff_id = await run_in_threadpool(handoff_queue.awaiting_score, conversation_id)
    if handoff_id is None:
        return None
    score = parse_score(text)
    await run_in_threadpool(handoff_queue.settle_score, handoff_id, score)
    if score is None:
        return None
    thanks = wording.CSAT_THANKS.format(score=score)
    await run_in_threadpool(store.record_replies, conversation_id, inbound_id, [thanks], "bot")
    return thanks
