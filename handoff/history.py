"""The whole conversation for the agent: the gateway's stored messages (every customer
message, including those queued while the bot was silent, and the bot's replies), the
outbox (agents' replies, notices) and, where Rasa's tracker has the turn, the intent,
its confidence and the slots it filled — personal values masked: the customer's own words
too (户号, mobiles and ID numbers inside them, and a bare four-digit answer, which is how
customers give the phone's last four), whatever the agent's role; a supervisor unmasks a
profile field on purpose, with a reason, through the audited unmask."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from handoff.times import aware, iso
from services.conversations.models import Message
from services.masking import mask_account_no, mask_mobile, mask_text
from services.outbox.models import OutboxMessage

HIDDEN_SLOTS = {"requested_slot", "payment_key", "session_started_metadata", "channel", "outage_cover",
                "identity_lock", "payment_for"}
LOOKAHEAD = 3
_LAST_FOUR = re.compile(r"\s*[0-9０-９]{4}\s*")


def masked_slot(name: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if name in ("account_no", "verified_account"):
        return mask_account_no(text)
    if name in ("contact_mobile", "phone"):
        return mask_mobile(text)
    if name == "last4":
        return "****"
    return value if isinstance(value, (str, list, dict)) else text


def masked_words(text: str) -> str:
    """A customer's message as an agent reads it: 户号, mobiles and ID numbers masked, and
    an answer of four digits alone (the phone's last four) hidden."""
    return "****" if _LAST_FOUR.fullmatch(text) else mask_text(text)


def tracker_turns(tracker: dict | None) -> list[dict]:
    """Rasa's user turns, in order: text, intent, confidence and the slots set after it."""
    turns: list[dict] = []
    for event in (tracker or {}).get("events") or []:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            turns.append({"text": event.get("text") or "", "intent": intent.get("name"),
                          "confidence": intent.get("confidence"), "slots": {}})
        elif kind == "slot" and turns and event.get("name") not in HIDDEN_SLOTS:
            turns[-1]["slots"][event["name"]] = masked_slot(event["name"], event.get("value"))
    return turns


def _match(turns: list[dict], start: int, text: str) -> int | None:
    """The index of the tracker turn for a stored message at or after ``start``: the same
    text within a few turns, or the next turn when it is a button's payload ("/…")."""
    for index in range(start, min(start + LOOKAHEAD, len(turns))):
        if turns[index]["text"] == text:
            return index
    if start < len(turns) and turns[start]["text"].startswith("/"):
        return start
    return None


def history(session, conversation_id: str, tracker: dict | None) -> list[dict]:
    turns, next_turn = tracker_turns(tracker), 0
    items: list[tuple[datetime, int, dict]] = []
    for message in session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                   .order_by(Message.id)):
        if message.direction == "agent":
            continue  # the outbox row carries the agent's name
        item = {"at": iso(message.created_at), "author": "customer" if message.direction == "user" else "bot",
                "text": message.text, "intent": None, "confidence": None, "slots": {}, "status": None}
        if message.direction == "user":
            item["status"] = message.status
            found = _match(turns, next_turn, message.text) if message.status != "queued" else None
            if found is not None:
                turn, next_turn = turns[found], found + 1
                item.update(intent=turn["intent"], confidence=turn["confidence"], slots=turn["slots"])
        if message.direction == "user":
            item["text"] = masked_words(message.text)
        items.append((aware(message.created_at), 0, item))
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id,
                                                           OutboxMessage.kind.in_(("agent", "notice", "csat")))
                               .order_by(OutboxMessage.id)):
        author = "agent" if row.kind == "agent" else "system"
        items.append((aware(row.created_at), 1, {"at": iso(row.created_at), "author": author,
                                                  "agent_name": row.author if author == "agent" else None,
                                                  "text": row.text, "intent": None, "confidence": None,
                                                  "slots": {}, "status": None}))
    items.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in items]


