"""What the customer sees when a part of the stack is down: an apology, never a
stack trace, and the message kept for a replay or a human."""
from __future__ import annotations

import pytest

from scripts.stack import Stack
from services.conversations import store
from services.settings import get_settings
from tests.stack import Customer

pytestmark = pytest.mark.conversation


def test_action_server_down_apologises_and_keeps_the_message(stack: Stack, customer: Customer, monkeypatch) -> None:
    stack.kill("actions")
    try:
        reply = customer.say("帮我查一下电费")  # needs the bill form's custom validation
    finally:
        stack.restart("actions")
    assert reply["error"] == "bot_unavailable"
    assert "抱歉" in Customer.text_of(reply) and "Traceback" not in Customer.text_of(reply)

    monkeypatch.setenv("POWERDESK_DATABASE_URL", stack.settings.database_url)
    get_settings.cache_clear()
    try:
        stored = store.history(customer.conversation_id)
    finally:
        get_settings.cache_clear()
    assert [(m.text, m.status) for m in stored] == [("帮我查一下电费", "failed")]

    # Back up: the same customer is served again.
    assert "户号" in Customer.text_of(customer.say("帮我查一下电费"))
