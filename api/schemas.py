"""The gateway's request and response shapes (the public protocol, see README)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

MAX_TEXT_CHARS = 1000
MAX_PAYLOAD_CHARS = 200


def storable(text: str) -> bool:
    """Text every store can hold: no NUL (PostgreSQL refuses it) and no lone surrogate
    (JSON allows ``"\\ud800"``, UTF-8 cannot encode it)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def customer_text(text: str) -> str:
    """A customer's message: storable, stripped, not empty, at most MAX_TEXT_CHARS long."""
    if not storable(text):
        raise PydanticCustomError("invalid_characters", "text contains a NUL or an unpaired surrogate")
    text = text.strip()
    if not text:
        raise ValueError("text must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text must be at most {MAX_TEXT_CHARS} characters")
    return text


class SessionRequest(BaseModel):
    # Only the web widget gets its sessions here: WeChat users come through the signed
    # webhook, callers through the voice gateway.
    channel: Literal["web"] = "web"


class SessionResponse(BaseModel):
    token: str
    conversation_id: str
    expires_at: datetime


class ChatRequest(BaseModel):
    """One customer message; who sends it is the session token's business, not the body's.

    ``payload``: the widget's button press (the text is then the button's title, which
    is what is stored and shown); the bot reads it only if the last reply offered it."""
    text: str
    payload: str | None = Field(default=None, max_length=MAX_PAYLOAD_CHARS)

    _text = field_validator("text")(customer_text)


class Button(BaseModel):
    title: str
    payload: str


class BotMessage(BaseModel):
    text: str
    buttons: list[Button] | None = None


class ChatResponse(BaseModel):
    conversation_id: str
    messages: list[BotMessage]
    state: Literal["bot", "handoff"]
    # Set when the bot could not be reached: the message is stored for a replay.
    error: str | None = None


class ParseRequest(BaseModel):
    text: str

    _text = field_validator("text")(customer_text)


class ParsedIntent(BaseModel):
    name: str
    confidence: float


class ParsedEntity(BaseModel):
    entity: str
    value: str
    raw: str


class ParseResponse(BaseModel):
    intent: ParsedIntent
    entities: list[ParsedEntity]


class TranscriptMessage(BaseModel):
    """One message of the conversation as the widget shows it again after a reload."""
    direction: str  # "user", "bot", "agent" or "notice"
    text: str
    time: datetime
    kind: str | None = None  # an outbox message's kind: agent, bot, notice, csat
    author: str | None = None  # the agent's display name
    outbox_id: int | None = None  # the id its WebSocket frame carries (show it once)
    buttons: list[Button] | None = None  # a csat question's choices
    pending: bool | None = None  # a customer's message the bot has not answered yet


class ConversationView(BaseModel):
    conversation_id: str | None  # None: no conversation yet, or the last one timed out
    state: str  # "bot", or "handoff" while a human owns the conversation
    messages: list[TranscriptMessage]
    buttons: list[Button] | None = None  # the choices of the bot's last reply, if it is the last message
