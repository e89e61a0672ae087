"""What happens around a handoff, on the gateway's side: the customer is told (outbox
notices), Rasa's tracker records it (pause, the agents' messages, resume) and the
console hears of it (handoff/events.py).  The decisions stay in one place: the turn
pipeline (api/turns.py) calls :func:`begin` and :func:`customer_turn`, the agents' API
(api/handoffs.py) calls the rest.  The queue itself is handoff/queue.py.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool

from api import wording
from api.rasa_client import BotUnavailable, RasaClient
from handoff import agents, events, hours, queue
from handoff.callbacks import parse_request
from handoff.agents import AgentView
from handoff.times import iso
from services import clock
from services.conversations import store
from services.masking import mask_mobile
from services.outbox import store as outbox
from services.settings import get_settings

log = logging.getLogger("powerdesk.handoff")
# Intents that say what the customer came for (the summary's "在…的过程中").
TASK_INTENTS = {"query_bill", "top_up", "report_outage", "query_outage", "ask_tariff", "forecast_bill", "faq"}
CANCEL = re.compile(r"^\s*(取消|不用了|算了|不转了|返回|回到机器人|找机器人)\s*[。!！]*\s*$")
CSAT_BUTTONS = [{"title": f"{n}分", "payload": str(n)} for n in range(1, 6)]


async def _record_in_tracker(call, *args) -> None:
    """Best effort: the gateway's routing decides; the tracker only records."""
    try:
        await call(*args)
    except BotUnavailable as exc:
        log.warning("could not record the handoff in Rasa's tracker: %s", exc)


async def _context(rasa: RasaClient, conversation_id: str, text: str) -> dict[str, Any]:
    """What the summary is made from: the task the customer was on, the slots, their words."""
    try:
        tracker = await rasa.tracker(conversation_id)
    except BotUnavailable:
        return {"text": text, "slots": {}}
    intents = [((e.get("parse_data") or {}).get("intent") or {}).get("name")
               for e in tracker.get("events") or [] if e.get("event") == "user"]
    task = next((i for i in reversed(intents) if i in TASK_INTENTS), None)
    slots = {k: v for k, v in (tracker.get("slots") or {}).items() if v not in (None, [], {})}
    return {"task": task, "text": text, "slots": slots}


def _notice_for(queued: queue.Queued) -> str:
    if queued.callback_offered:
        why = (wording.HANDOFF_OFFLINE_WHY_HOURS.format(hours=hours.hours_zh()) if not queued.in_hours
               else wording.HANDOFF_OFFLINE_WHY_NOBODY)
        return wording.HANDOFF_OFFLINE.format(why=why)
    if queued.position <= 1:
        return wording.HANDOFF_QUEUED_NEXT
    return wording.HANDOFF_QUEUED.format(ahead=queued.position - 1)


async def begin(conversation_id: str, reason: str | None, text: str, rasa: RasaClient) -> queue.Queued:
    """The bot asked for a human: queue the conversation, silence the bot (state
    handoff, Rasa paused), and tell the customer their place or offer a callback."""
    context = await _context(rasa, conversation_id, text)
    queued = await run_in_threadpool(queue.start, conversation_id, reason, context)
    await run_in_threadpool(store.set_state, conversation_id, store.HANDOFF)
    if queued.new:
        await _record_in_tracker(rasa.pause, conversation_id)
    current = await run_in_threadpool(queue.get, queued.handoff_id)
    if current["agent"]:  # auto-assigned at once
        await announce_assignments([(queued.handoff_id, current["agent"]["id"])])
    else:
        await run_in_threadpool(outbox.enqueue, conversation_id, _notice_for(queued), "notice")
    return queued


async def announce_assignments(pairs: list[tuple[int, int]]) -> None:
    """Tell each customer which agent auto-assignment gave them."""
    for handoff_id, agent_id in pairs:
        view = await run_in_threadpool(queue.get, handoff_id)
        agent = await run_in_threadpool(agents.get_agent, agent_id)
        await run_in_threadpool(outbox.enqueue, view["conversation_id"],
                                wording.HANDOFF_AGENT_JOINED.format(agent=agent.display_name), "notice")


def _publish_message(handoff_id: int, conversation_id: str, author: str, text: str,
                     agent_name: str | None = None) -> None:
    events.publish("message", {"handoff_id": handoff_id, "conversation_id": conversation_id, "message": {
        "at": iso(clock.utcnow()), "author": author, "agent_name": agent_name, "text": text,
        "intent": None, "confidence": None, "slots": {}, "status": "queued" if author == "customer" else None}})


async def customer_turn(conversation_id: str, inbound_id: int, text: str,
                        rasa: RasaClient) -> tuple[str, str] | None:
    """A customer message while the conversation is handed over: stored for the agent
    (and pushed to the console).  Returns (the gateway's reply, the state after it), or
    None when no handoff is open after all (the conversation is the bot's again and the
    message goes to it).  With a callback on offer, a message with a mobile books it;
    取消 goes back to the bot."""
    handoff = await run_in_threadpool(queue.open_handoff, conversation_id)
    if handoff is None:
        await _back_to_bot(conversation_id, rasa)
        return None
    await run_in_threadpool(store.mark_status, inbound_id, "queued")
    await run_in_threadpool(_publish_message, handoff["id"], conversation_id, "customer", text)
    if handoff["status"] != queue.PENDING:
        return wording.WAITING_FOR_AGENT, store.HANDOFF
    if CANCEL.match(text):
        await run_in_threadpool(queue.abandon, handoff["id"])
        await _back_to_bot(conversation_id, rasa)
        return wording.HANDOFF_CANCELLED, store.BOT
    if not handoff["callback_offered"]:
        return wording.WAITING_FOR_AGENT, store.HANDOFF
    request = parse_request(text)
    if request is None:
        return wording.HANDOFF_CALLBACK_REMINDER, store.HANDOFF
    mobile, window = request
    await run_in_threadpool(queue.to_callback, handoff["id"], mobile, window)
    await _back_to_bot(conversation_id, rasa)
    return wording.HANDOFF_CALLBACK_BOOKED.format(mobile=mask_mobile(mobile), window=window), store.BOT


async def _back_to_bot(conversation_id: str, rasa: RasaClient) -> None:
    await run_in_threadpool(store.set_state, conversation_id, store.BOT)
    await _record_in_tracker(rasa.resume, conversation_id)


# ---------------------------------------------------------------- the agents' side


async def claim(handoff_id: int, agent: AgentView) -> dict[str, Any]:
    view, newly = await run_in_threadpool(queue.claim, handoff_id, agent.id)
    if newly:
        await run_in_threadpool(outbox.enqueue, view["conversation_id"],
                                wording.HANDOFF_AGENT_JOINED.format(agent=agent.display_name), "notice")
    return view


async def reply(handoff_id: int, agent: AgentView, text: str, rasa: RasaClient) -> dict[str, Any]:
    """An agent's reply reaches the customer through the outbox (kind agent, author the
    agent's display name), is stored with the conversation and logged in Rasa's tracker."""
    handoff = await run_in_threadpool(queue.get, handoff_id)
    queue.may_act(handoff, agent)
    text = text.strip()
    await run_in_threadpool(queue.record_reply, handoff_id, agent.id)
    conversation_id = handoff["conversation_id"]
    message_id = await run_in_threadpool(outbox.enqueue, conversation_id, text, "agent", agent.display_name)
    await run_in_threadpool(store.record_agent_message, conversation_id, text)
    await _record_in_tracker(rasa.log_agent, conversation_id, text)
    await run_in_threadpool(_publish_message, handoff_id, conversation_id, "agent", text, agent.display_name)
    return {"id": message_id, "at": iso(clock.utcnow()), "text": text, "author": "agent",
            "agent_name": agent.display_name}


async def resolve(handoff_id: int, agent: AgentView, ask_csat: bool, rasa: RasaClient) -> dict[str, Any]:
    """Done: back to the bot (state bot, Rasa resumed); the customer is told, and asked
    for a score unless the agent switched it off."""
    handoff = await run_in_threadpool(queue.get, handoff_id)
    queue.may_act(handoff, agent)
    view = await run_in_threadpool(queue.resolve, handoff_id, ask_csat)
    conversation_id = view["conversation_id"]
    await _back_to_bot(conversation_id, rasa)
    await run_in_threadpool(outbox.enqueue, conversation_id, wording.HANDOFF_BACK_TO_BOT, "notice")
    if ask_csat:
        await run_in_threadpool(outbox.enqueue, conversation_id, wording.CSAT_QUESTION, "csat", None, CSAT_BUTTONS)
    if get_settings().handoff_auto_assign:  # the agent has room again
        await announce_assignments(await run_in_threadpool(queue.auto_assign))
    return view


async def transfer(handoff_id: int, agent: AgentView, to: str, to_agent_id: int | None,
                   rasa: RasaClient) -> dict[str, Any]:
    """To another agent (the customer is told who), or back to the bot (no score asked)."""
    if to == "bot":
        return await resolve(handoff_id, agent, False, rasa)
    handoff = await run_in_threadpool(queue.get, handoff_id)
    queue.may_act(handoff, agent)
    view = await run_in_threadpool(queue.transfer, handoff_id, to_agent_id)
    target = await run_in_threadpool(agents.get_agent, to_agent_id)
    await run_in_threadpool(outbox.enqueue, view["conversation_id"],
                            wording.HANDOFF_TRANSFERRED.format(agent=target.display_name), "notice")
    return view
