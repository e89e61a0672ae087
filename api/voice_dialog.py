"""The voice channel: a telephone call's events → turns of the one pipeline → what to say.

A thin adapter over :func:`api.turns.handle_turn` (the channel user is the call id).
What it adds is what only a telephone needs:

- the recogniser's best hypothesis is the caller's text; below
  ``settings.voice_min_confidence`` the caller is asked to repeat and nothing goes
  to the bot;
- keys (DTMF) are text too: a 户号, the last four digits, a mobile or an amount (``*``
  as its decimal point) keyed and ended with #, or one digit picking a spoken choice;
- silence is reprompted ``settings.voice_max_no_input`` times, then the call ends
  politely;
- a long answer is read in parts, each asking "还要继续听吗"; the rest waits in the
  database (services/voice/calls.py), so any gateway process can read it on;
- the bot's handoff becomes a transfer to the human queue with a summary;
- the caller's number, when it is an account's registered mobile, goes to the bot as
  message metadata (``caller_accounts``): an offer to confirm, never a verification;
- an event the ASR gateway sends again with the same ``event_id`` gets the first reply.

Every fixed sentence said here is in api/wording.py (voice section).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import httpx
from starlette.concurrency import run_in_threadpool

from api import wording
from api.rasa_client import BotUnavailable, RasaClient
from api.render import buttons_of, render_voice, to_ssml, voice_parts
from api.turns import Inbound, handle_turn
from api.voice_schemas import (
    BargeIn, CallStart, Dtmf, DtmfInput, Expect, HangupAction, NoInput, NoMatch, Recognition, Speech,
    TransferAction, VoiceEvent, VoiceReply,
)
from services.channels import VOICE
from services.errors import Conflict
from services.masking import mask_mobile
from services.settings import get_settings
from services.voice import calls
from services.voice.calls import Call
from services.voice.summary import call_summary

log = logging.getLogger("powerdesk.voice")

# MRCP Completion-Cause → what the adapter does (RFC 6787 §9.4.11).
SUCCESS, NO_INPUT_CAUSE, TOO_MUCH_SPEECH = "000", "002", "008"
# Form slots a caller may key in, and their longest keyed length.
DTMF_SLOTS = {"account_no": 10, "last4": 4, "contact_mobile": 11, "amount": 7}
# A retried event waits for its first copy's reply: polled this often, at most this long past Rasa's timeout.
RETRY_POLL_S, RETRY_GRACE_S = 0.2, 5.0
SPEECH = Expect(mode="speech")
NOTHING = Expect(mode="none")
ONE_KEY = Expect(mode="speech_or_dtmf", dtmf=DtmfInput(max_digits=1, terminator=None))


def expect_after(requested_slot: str | None, n_choices: int) -> Expect:
    """What the caller may answer the bot's question with: keys for a form slot that is
    digits, one key for a numbered choice, else speech."""
    if requested_slot in DTMF_SLOTS:
        return Expect(mode="speech_or_dtmf", dtmf=DtmfInput(max_digits=DTMF_SLOTS[requested_slot]))
    if 0 < n_choices < 10:
        return ONE_KEY
    return SPEECH


def keyed_text(digits: str, requested_slot: str | None) -> str:
    """Keys as the bot reads them: the terminator dropped, ``*`` the decimal point of an amount."""
    digits = digits.rstrip("#").replace("#", "")
    return digits.replace("*", ".", 1).replace("*", "") if requested_slot == "amount" else digits.replace("*", "")


def caller_mobile(caller: str | None) -> str | None:
    """A Chinese mobile number out of what the switch reports (+86…, 0086…, spaces)."""
    digits = re.sub(r"\D", "", caller or "")
    digits = re.sub(r"^(?:0086|86)(?=1\d{10}$)", "", digits)
    return digits if re.fullmatch(r"1\d{10}", digits) else None


async def registered_accounts(caller: str | None) -> list[str]:
    """户号 whose registered mobile is the caller's number, from the billing service on
    the services' port (the gateway reads no billing table); none when it cannot answer."""
    mobile = caller_mobile(caller)
    if mobile is None:
        return []
    settings = get_settings()
    try:
        async with httpx.AsyncClient(base_url=settings.services_url, timeout=settings.service_timeout_s) as client:
            response = await client.post("/billing/accounts/by-mobile", json={"mobile": mobile},
                                         headers={"Authorization": f"Bearer {settings.service_token}"})
            response.raise_for_status()
            return list(response.json()["account_nos"])
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.warning("caller lookup for %s failed: %s", mask_mobile(mobile), exc)
        return []


def _reply(call: Call, text: str | None, expect: Expect, *, barge_in: bool = True, state: str = "bot",
           actions: list | None = None) -> VoiceReply:
    speak = Speech(text=text, ssml=to_ssml(text)) if text else None
    return VoiceReply(call_id=call.call_id, conversation_id=call.conversation_id, speak=speak,
                      barge_in=barge_in, expect=expect, actions=actions or [], state=state)


async def _say(call: Call, text: str, expect: Expect, **changes: Any) -> VoiceReply:
    """Say ``text`` (its first part when long; the rest is kept for 要/继续) and remember
    it as the prompt to repeat after a silence, with the input it expects."""
    first, *rest = voice_parts(text, get_settings().voice_max_speech_chars)
    if rest:
        first += wording.VOICE_MORE
    call = await run_in_threadpool(calls.update_call, call.call_id, pending_chunks=rest or None, last_prompt=first,
                                   expect=expect.model_dump(), no_input_count=0, **changes)
    return _reply(call, first, ONE_KEY if rest else expect)


def _current_expect(call: Call) -> Expect:
    if call.pending_chunks:
        return ONE_KEY
    return Expect.model_validate(call.expect) if call.expect else SPEECH


async def _reprompt(call: Call, text: str) -> VoiceReply:
    """Ask again without a turn to the bot (the caller did say or key something, so the
    silences in a row start again); the prompt to repeat after a silence stays the last one."""
    if call.no_input_count:
        call = await run_in_threadpool(calls.update_call, call.call_id, no_input_count=0)
    return _reply(call, text, _current_expect(call))


async def start(body: CallStart) -> VoiceReply:
    accounts = await registered_accounts(body.caller)
    call = await run_in_threadpool(calls.start_call, body.call_id, body.caller, body.called, accounts)
    log.info("call %s from %s started (%d registered accounts)", call.call_id, mask_mobile(body.caller), len(accounts))
    return await _say(call, wording.VOICE_GREETING, SPEECH)


async def _bot_turn(call: Call, text: str, rasa: RasaClient) -> VoiceReply:
    metadata = {"caller_accounts": call.caller_accounts} if call.caller_accounts else {}
    result = await handle_turn(Inbound(VOICE, call.call_id, text, metadata), rasa)
    if result.conversation_id != call.conversation_id:  # the pipeline started a new one
        call = await run_in_threadpool(calls.update_call, call.call_id, conversation_id=result.conversation_id)
    if result.state == "handoff":
        return await _transfer(call, result.messages)
    requested_slot = None
    if result.error is None:
        try:
            requested_slot = (await rasa.slots(result.conversation_id)).get("requested_slot")
        except BotUnavailable as exc:
            log.warning("no slots for %s: %s", result.conversation_id, exc)
    expect = expect_after(requested_slot, len(buttons_of(result.messages)))
    return await _say(call, render_voice(result.messages), expect, requested_slot=requested_slot)


async def _transfer(call: Call, messages: list) -> VoiceReply:
    """The bot handed over (or a human already owns the conversation): transfer the call."""
    already_waiting = [m.text for m in messages] == [wording.WAITING_FOR_AGENT]
    text = wording.VOICE_TRANSFER if already_waiting or not messages else render_voice(messages)
    summary = await run_in_threadpool(call_summary, call)
    context = {"call_id": call.call_id, "conversation_id": call.conversation_id, "caller": call.caller,
               "called": call.called, "channel": VOICE}
    await run_in_threadpool(calls.update_call, call.call_id, pending_chunks=None, last_prompt=text,
                            expect=NOTHING.model_dump())
    log.info("call %s transferred to the human queue", call.call_id)
    return _reply(call, text, NOTHING, barge_in=False, state="handoff",
                  actions=[TransferAction(summary=summary, context=context)])


async def _read_on(call: Call) -> VoiceReply:
    """The next part of a long answer (the caller said 要/继续 or pressed 1)."""
    part, *rest = call.pending_chunks
    text = part + (wording.VOICE_MORE if rest else "")
    call = await run_in_threadpool(calls.update_call, call.call_id, pending_chunks=rest or None,
                                   last_prompt=text, no_input_count=0)
    return _reply(call, text, _current_expect(call))


async def _caller_said(call: Call, text: str, rasa: RasaClient) -> VoiceReply:
    """Speech or keys, as text: the rest of a long answer when asked for, else a bot turn."""
    if call.pending_chunks:
        word = text.strip(" 。，！？.!,?")
        if word in wording.VOICE_CONTINUE_WORDS:
            return await _read_on(call)
        if word in wording.VOICE_STOP_WORDS:
            return await _say(call, wording.VOICE_STOP_READING, SPEECH)
    return await _bot_turn(call, text, rasa)


async def _no_input(call: Call) -> VoiceReply:
    count = call.no_input_count + 1
    if count > get_settings().voice_max_no_input:
        call = await run_in_threadpool(calls.end_call, call.call_id, "no_input")
        log.info("call %s ended after %d silences", call.call_id, count)
        return _reply(call, wording.VOICE_GOODBYE_NO_INPUT, NOTHING, barge_in=False, state="ended",
                      actions=[HangupAction(reason="no_input")])
    call = await run_in_threadpool(calls.update_call, call.call_id, no_input_count=count)
    return _reply(call, wording.VOICE_NO_INPUT.format(prompt=call.last_prompt or wording.VOICE_GREETING),
                  _current_expect(call))


async def _recognised(call: Call, event: Recognition, rasa: RasaClient) -> VoiceReply:
    if event.completion_cause == NO_INPUT_CAUSE:
        return await _no_input(call)
    if event.completion_cause == TOO_MUCH_SPEECH:
        return await _reprompt(call, wording.VOICE_TOO_LONG)
    best = max(event.hypotheses, key=lambda h: h.confidence, default=None)
    if event.completion_cause != SUCCESS or best is None or not best.text.strip():
        return await _reprompt(call, wording.VOICE_NO_MATCH)
    if best.confidence < get_settings().voice_min_confidence:
        log.info("call %s: best hypothesis at %.2f, asking to repeat", call.call_id, best.confidence)
        return await _reprompt(call, wording.VOICE_LOW_CONFIDENCE)
    return await _caller_said(call, best.text.strip(), rasa)


async def _keyed(call: Call, event: Dtmf, rasa: RasaClient) -> VoiceReply:
    if event.digits.rstrip("#") == "*":  # * alone: say that again
        return await _reprompt(call, call.last_prompt or wording.VOICE_GREETING)
    text = keyed_text(event.digits, call.requested_slot)
    if not text:
        return await _reprompt(call, wording.VOICE_NO_MATCH)
    return await _caller_said(call, text, rasa)


async def on_event(call_id: str, event: VoiceEvent, rasa: RasaClient) -> VoiceReply:
    """The reply to one event; an event with the same ``event_id`` as the last one (a
    retry, even one arriving while the first is being answered) gets that reply again."""
    call = await run_in_threadpool(calls.get_call, call_id)
    if event.event_id and not await run_in_threadpool(calls.claim_event, call_id, event.event_id):
        log.info("call %s: event %s again, same reply", call_id, event.event_id)
        return await _reply_to_retry(call_id, event.event_id)
    try:
        reply = await _dispatch(call, event, rasa)
    except Exception:
        if event.event_id:
            await run_in_threadpool(calls.release_event, call_id, event.event_id)
        raise
    if event.event_id and reply.state != "ended":
        await run_in_threadpool(calls.update_call, call_id, last_reply=reply.model_dump(mode="json"))
    return reply


async def _reply_to_retry(call_id: str, event_id: str) -> VoiceReply:
    """The first copy's reply, once it is stored (it may still be on its way)."""
    deadline = time.monotonic() + get_settings().rasa_timeout_s + RETRY_GRACE_S
    while True:
        call = await run_in_threadpool(calls.get_call, call_id)
        if call.last_event_id == event_id and call.last_reply:
            return VoiceReply.model_validate(call.last_reply)
        if call.last_event_id != event_id or time.monotonic() > deadline:
            raise Conflict("event_in_progress", f"Event {event_id!r} is still being answered or was superseded.",
                           "该事件正在处理中，请稍后重试。")
        await asyncio.sleep(RETRY_POLL_S)


async def _dispatch(call: Call, event: VoiceEvent, rasa: RasaClient) -> VoiceReply:
    if isinstance(event, Recognition):
        return await _recognised(call, event, rasa)
    if isinstance(event, Dtmf):
        return await _keyed(call, event, rasa)
    if isinstance(event, NoInput):
        return await _no_input(call)
    if isinstance(event, NoMatch):
        return await _reprompt(call, wording.VOICE_NO_MATCH)
    if isinstance(event, BargeIn):  # the gateway stopped the prompt; keep listening
        return _reply(call, None, _current_expect(call))
    call = await run_in_threadpool(calls.end_call, call.call_id, "hangup")
    log.info("call %s: the caller hung up", call.call_id)
    return _reply(call, None, NOTHING, state="ended")
