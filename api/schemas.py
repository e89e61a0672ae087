"""The gateway's request and response shapes (the public protocol, see README)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

MAX_TEXT_CHARS = 1000


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
    """One customer message; who sends it is the session token's business, not the body's."""
    text: str

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
