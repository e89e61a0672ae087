"""The voice channel's protocol (README "Voice"): what the ASR gateway sends, what it gets.

Modelled on what real gateways report (``../shared/reference/channels-notes.md``):
MRCP recognition results with an n-best list, confidences and a Completion-Cause;
FreeSWITCH's begin-speaking (barge-in) and DTMF events; VoiceXML's noinput, nomatch
and hang-up.  A reply says what to play, whether the caller may interrupt it, which
input to collect next, and what to do with the call (transfer, hang up).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, RootModel

from api.schemas import MAX_TEXT_CHARS

CALL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"


class CallStart(BaseModel):
    """A call was answered: the ASR gateway names it; caller and called as it got them."""
    call_id: str = Field(pattern=CALL_ID)
    caller: str | None = Field(default=None, max_length=32)
    called: str | None = Field(default=None, max_length=32)


class Hypothesis(BaseModel):
    text: str = Field(max_length=MAX_TEXT_CHARS)
    confidence: float = Field(ge=0.0, le=1.0)


class Event(BaseModel):
    """Every event may carry the gateway's own id for it: an event retried with the same
    id (after a timeout, say) gets the first reply again, not a second turn."""
    event_id: str | None = Field(default=None, max_length=128)


class Recognition(Event):
    """One recognition result (MRCP RECOGNITION-COMPLETE): an n-best list and its cause,
    000 success, 001 no-match, 002 no-input-timeout, 003 recognition-timeout,
    007 speech-too-early, 008 too-much-speech-timeout (others: an error, treated as 001)."""
    type: Literal["recognition"]
    completion_cause: str = Field(default="000", pattern=r"^\d{3}$")
    hypotheses: list[Hypothesis] = Field(default_factory=list, max_length=10)


class Dtmf(Event):
    """Keys pressed: digits, * (the decimal point of an amount; alone: say that again)
    and the terminator #."""
    type: Literal["dtmf"]
    digits: str = Field(pattern=r"^[0-9*#]{1,32}$")


class NoInput(Event):
    type: Literal["no_input"]


class NoMatch(Event):
    type: Literal["no_match"]


class BargeIn(Event):
    """The caller started speaking over a prompt (FreeSWITCH begin-speaking)."""
    type: Literal["barge_in"]


class Hangup(Event):
    """The caller hung up (connection.disconnect.hangup)."""
    type: Literal["hangup"]


VoiceEvent = Annotated[Union[Recognition, Dtmf, NoInput, NoMatch, BargeIn, Hangup], Field(discriminator="type")]


class VoiceEventBody(RootModel[VoiceEvent]):
    """The request body of /voice/calls/{call_id}/events: one event, chosen by its "type"."""


class Speech(BaseModel):
    text: str
    ssml: str


class DtmfInput(BaseModel):
    max_digits: int
    terminator: str | None = "#"


class Expect(BaseModel):
    """The input to collect after the prompt: speech, keys, either, or none (call over)."""
    mode: Literal["speech", "dtmf", "speech_or_dtmf", "none"]
    dtmf: DtmfInput | None = None


class TransferAction(BaseModel):
    type: Literal["transfer"] = "transfer"
    queue: str = "human"
    summary: str
    context: dict[str, Any]


class HangupAction(BaseModel):
    type: Literal["hangup"] = "hangup"
    reason: str


class VoiceReply(BaseModel):
    call_id: str
    conversation_id: str
    # Nothing to play (barge-in acknowledged, call ended): null.
    speak: Speech | None
    barge_in: bool
    expect: Expect
    actions: list[Annotated[Union[TransferAction, HangupAction], Field(discriminator="type")]] = []
    state: Literal["bot", "handoff", "ended"]
