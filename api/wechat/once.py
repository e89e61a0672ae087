"""Each push answered once, in time for WeChat or later through the outbox.

WeChat waits 5 s for the HTTP response and otherwise retries (three retries in all).
The first delivery of a push claims it (``services/wechat/store.py``: a row in the
database, so this holds across gateway processes) and runs its answer as a task:

- ready within the deadline (4.5 s by default) → the reply goes in the response;
- not ready → the response is "success" at once, the task goes on, and its reply is
  queued in the outbox (kind ``bot``) for the customer-service API;
- a retry of a claimed push starts nothing: it waits (up to the deadline) for the
  first delivery's outcome and answers the same reply, or "success" when the reply
  goes (or may still go) through the outbox; only a claim its gateway abandoned
  (undecided long after any deadline) is taken over, so no message is lost.
"""
from __future__ import annotations

import asyncio
import logging
import time

from starlette.concurrency import run_in_threadpool

from api import wording
from api.rasa_client import RasaClient
from api.render import buttons_of
from api.wechat import replies
from api.wechat.messages import Push
from services.channels import WECHAT
from services.conversations import store as conversations
from services.masking import mask_text
from services.outbox import store as outbox
from services.wechat import store as pushes

log = logging.getLogger("powerdesk.wechat")
RETRY_POLL_S = 0.1
# Answers still running after their response went out: kept referenced until done.
_running: set[asyncio.Task] = set()


async def reply_to(push: Push, rasa: RasaClient, deadline_s: float, outbox_wake: asyncio.Event) -> str | None:
    """The passive reply's text, or None to answer "success"."""
    if not await run_in_threadpool(pushes.claim, push.key, push.from_user):
        if not await run_in_threadpool(pushes.reclaim_abandoned, push.key):
            log.info("wechat retry of %s: no second turn", push.key)
            return await _first_outcome(push.key, deadline_s)
        log.warning("wechat push %s was never answered (its gateway died?): answering it here", push.key)
    task = asyncio.create_task(_answer_and_settle(push, rasa, outbox_wake))
    _running.add(task)
    task.add_done_callback(_running.discard)
    try:
        await asyncio.wait_for(asyncio.shield(task), deadline_s)
    except asyncio.TimeoutError:
        if await run_in_threadpool(pushes.hand_to_outbox, push.key):
            log.info("wechat %s not ready after %.1f s: success now, the reply through the outbox", push.key, deadline_s)
            return None
    outcome = await run_in_threadpool(pushes.outcome, push.key)
    return outcome.reply if outcome and outcome.delivery == pushes.PASSIVE else None


async def finish_running(timeout_s: float = 10.0) -> None:
    """Let the answers still running finish (the gateway is stopping), so a late
    reply is queued in the outbox rather than lost."""
    if _running:
        await asyncio.wait(set(_running), timeout=timeout_s)


async def _answer_and_settle(push: Push, rasa: RasaClient, outbox_wake: asyncio.Event) -> None:
    try:
        answer = await replies.answer(push, rasa)
    except Exception:  # the message itself is stored by the pipeline; say sorry rather than nothing
        log.exception("wechat push %s failed", push.key)
        answer = replies.Answer(wording.APOLOGY)
    if await run_in_threadpool(pushes.finish, push.key, answer.text) == pushes.OUTBOX and answer.text:
        await run_in_threadpool(_enqueue_late, push, answer)
        outbox_wake.set()


def _enqueue_late(push: Push, answer: replies.Answer) -> None:
    conversation_id = answer.conversation_id or conversations.open_conversation(WECHAT, push.from_user).id
    if answer.messages:
        text, buttons = "\n".join(m.text for m in answer.messages), buttons_of(answer.messages) or None
    else:
        text, buttons = answer.text, None
    message_id = outbox.enqueue(conversation_id, text, "bot", buttons=buttons)
    log.info("wechat %s late reply queued as outbox %d: %s", push.key, message_id, mask_text(text[:40]))


async def _first_outcome(key: str, deadline_s: float) -> str | None:
    """What the first delivery of a push answered (or None: "success")."""
    give_up = time.monotonic() + deadline_s
    while True:
        outcome = await run_in_threadpool(pushes.outcome, key)
        if outcome is None or outcome.delivery == pushes.OUTBOX:
            return None
        if outcome.delivery == pushes.PASSIVE:
            return outcome.reply
        if time.monotonic() >= give_up:
            return None
        await asyncio.sleep(RETRY_POLL_S)
