"""The gateway's request and response shapes (the public protocol, see README)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

MAX_TEXT_CHARS = 1000
Channel = Literal["web", "wechat", "voice"]


def customer_text(text: str) -> str:
    """A customer's message: stripped, not empty, at most MAX_TEXT_CHARS long."""
    text = text.strip()
    if not text:
        raise ValueError("text must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text must be at most {MAX_TEXT_CHARS} characters")
    return text


class ChatRequest(BaseModel):
    sender_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    text: str
    channel: Channel = "web"

    _text = field_validator("text")(customer_text)


class Button(BaseModel):
    title: str
    payload: str


class BotMessage(BaseModel):
    text: str
    buttons: list[Button] | None = None


class ChatResponse(BaseModel):
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
