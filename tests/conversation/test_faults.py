"""What the customer sees when a part of the stack is down: an apology, never a
stack trace, and the message kept; and, counted before and after (tests/ledger.py),
nothing lost or doubled once the part is back.  The faults that need several processes
of a kind or PostgreSQL and Redis are in tests/cluster/test_cluster.py."""
from __future__ import annotations

import pytest

from api import wording
from scripts.stack import Stack
from services.conversations import store
from services.settings import get_settings
from tests.conversation.test_money_safety import confirmation_amount
from tests.ledger import ledger
from tests.stack import Customer, take_spare

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


def test_action_server_killed_mid_top_up_then_the_form_completes_with_one_payment(
        stack: Stack, customer: Customer, stack_db, billing) -> None:
    """The amount given and the identity checked, the action server dies before the
    confirmation is answered: the customer is asked to send it again, nothing is paid;
    once the action server is back (nothing else done) the same form completes with
    exactly one payment, and every message is kept once."""
    account_no, last4 = take_spare(stack)
    customer.say("我要交五十块电费")
    customer.say(account_no)
    assert confirmation_amount(Customer.text_of(customer.say(last4))) == "50.00"  # the confirmation is asked
    before = ledger(stack_db.database_url, customer.conversation_id, account_no)

    stack.kill("actions")
    try:
        down = customer.say("确认")
    finally:
        stack.restart("actions")
    assert down["error"] == "bot_unavailable" and Customer.text_of(down) == wording.APOLOGY
    assert "再试一次" in wording.APOLOGY  # it tells the customer what to do
    during = ledger(stack_db.database_url, customer.conversation_id, account_no)
    assert during == before.plus(customer_messages=1), during  # kept, no reply stored, nothing paid
    assert store.history(customer.conversation_id)[-1].status == "failed"

    paid = Customer.text_of(customer.say("确认"))
    assert "缴费成功" in paid, paid
    after = ledger(stack_db.database_url, customer.conversation_id, account_no)
    assert after == during.plus(customer_messages=1, bot_messages=1, payments=1), after
