"""Human handoff through the real stack (gateway, Rasa, action server, services): each
trigger hands the conversation over with its reason, the complaint becomes a ticket,
and a whole handoff runs — queue, agent, reply to the customer's outbox, resolve, score
— with Rasa's tracker showing the pause, the agent's message and the resume."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from api import wording
from handoff import agents
from handoff.models import Complaint, Handoff
from services.db import session_scope
from services.outbox.models import OutboxMessage
from services.settings import Settings
from tests.stack import Customer

pytestmark = pytest.mark.conversation
PASSWORD = "handoff-test-password"
POSTPAID_ARREARS = ("3300000001", "5678")
NOT_SURE = "不太确定您问的是哪一项"


@pytest.fixture
def agent_client(gateway_url: str, stack_db: Settings) -> Iterator[httpx.Client]:
    """A logged-in agent of the console (its own user, online), with its CSRF token set."""
    username = f"agent{uuid.uuid4().hex[:8]}"
    agents.create_agent(username, "客服小张", "agent", 3, PASSWORD)
    client = httpx.Client(base_url=gateway_url, timeout=60)
    body = client.post("/api/v1/agents/login", json={"username": username, "password": PASSWORD}).json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    yield client
    client.post("/api/v1/agents/logout")


def handoff_of(settings: Settings, conversation_id: str) -> Handoff:
    with session_scope(settings.database_url) as session:
        row = session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id)
                              .order_by(Handoff.id.desc())).first()
        assert row is not None, "no handoff recorded"
        session.expunge(row)
        return row


def outbox_of(settings: Settings, conversation_id: str, kind: str) -> list[OutboxMessage]:
    with session_scope(settings.database_url) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.conversation_id == conversation_id,
                                                           OutboxMessage.kind == kind)
                               .order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return list(rows)


def tracker_events(settings: Settings, conversation_id: str) -> list[dict]:
    response = httpx.get(f"{settings.rasa_url}/conversations/{conversation_id}/tracker",
                         params={"token": settings.rasa_token}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def intent_of(customer: Customer, text: str) -> str:
    return customer.client.post("/api/v1/nlu/parse", json={"text": text}).json()["intent"]["name"]


def test_a_human_mid_top_up_after_verifying_then_agent_reply_resolve_and_score(
        customer: Customer, agent_client: httpx.Client, stack_db: Settings) -> None:
    account_no, last4 = POSTPAID_ARREARS
    customer.say("交电费")
    customer.say(account_no)
    assert "多少" in Customer.text_of(customer.say(last4))  # verified, the form asks the amount
    handed = customer.say("转人工")
    assert handed["state"] == "handoff"
    conversation_id = customer.conversation_id
    record = handoff_of(stack_db, conversation_id)
    assert (record.reason, record.status, record.priority) == ("request_human", "pending", 1)
    assert record.summary.startswith("客户在缴纳电费的过程中") and "330****001" in record.summary
    [queued_notice] = outbox_of(stack_db, conversation_id, "notice")
    assert "队列" in queued_notice.text or "回电" in queued_notice.text  # its place, or a callback offer
    assert any(e["event"] == "pause" for e in tracker_events(stack_db, conversation_id))

    queue_rows = agent_client.get("/api/v1/handoffs").json()["items"]
    assert any(row["id"] == record.id and row["reason_zh"] == "客户要求转人工" for row in queue_rows)
    detail = agent_client.get(f"/api/v1/handoffs/{record.id}").json()
    profile = detail["profile"]
    assert profile["account_no"] == "330****001" and "*" in profile["name"] and profile["mobile"] == "138****5678"
    assert profile["bills"] and profile["tariff_plan"]
    customer_turns = [h for h in detail["history"] if h["author"] == "customer"]
    assert customer_turns[0]["text"] == "交电费" and customer_turns[0]["intent"] == "top_up"
    # What the customer typed is masked for the agent too: the 户号 and the last four.
    assert [t["text"] for t in customer_turns[1:3]] == ["330****001", "****"]
    assert account_no not in str(detail["history"]) and last4 not in [t["text"] for t in customer_turns]
    assert customer_turns[0]["confidence"] > 0 and detail["tracker_available"]
    assert agent_client.post(f"/api/v1/handoffs/{record.id}/claim").json()["status"] == "assigned"

    for text in ("还在吗", "查一下电费"):  # the bot never answers while a human owns it
        waiting = customer.say(text)
        assert waiting["state"] == "handoff" and Customer.text_of(waiting) == wording.WAITING_FOR_AGENT
    sent = agent_client.post(f"/api/v1/handoffs/{record.id}/reply", json={"text": "您好，我是客服小张，我来帮您缴费。"})
    assert sent.status_code == 201, sent.text
    [agent_message] = outbox_of(stack_db, conversation_id, "agent")
    assert (agent_message.author, agent_message.text) == ("客服小张", "您好，我是客服小张，我来帮您缴费。")
    assert {"event": "agent", "text": "您好，我是客服小张，我来帮您缴费。"}.items() <= next(
        e for e in tracker_events(stack_db, conversation_id) if e["event"] == "agent").items()

    resolved = agent_client.post(f"/api/v1/handoffs/{record.id}/resolve", json={"csat": True})
    assert resolved.json()["status"] == "resolved"
    events = [e["event"] for e in tracker_events(stack_db, conversation_id)]
    assert events.index("pause") < events.index("agent") < len(events) - 1 - events[::-1].index("resume")
    [csat] = outbox_of(stack_db, conversation_id, "csat")
    assert [b["title"] for b in csat.buttons] == ["1分", "2分", "3分", "4分", "5分"]
    thanked = customer.say("5")
    assert thanked["state"] == "bot" and "5分" in Customer.text_of(thanked)
    assert handoff_of(stack_db, conversation_id).csat_score == 5
    after = customer.say("查电费")  # back with the bot
    assert after["state"] == "bot" and Customer.text_of(after) != wording.WAITING_FOR_AGENT


def test_a_complaint_is_a_ticket_with_the_contact_promise_and_no_bill(customer: Customer, stack_db: Settings) -> None:
    customer.say("查电费")
    said = "你们电费乱收费，我要投诉"
    assert intent_of(customer, said) == "complain"
    reply = customer.say(said)
    text = Customer.text_of(reply)
    assert reply["state"] == "handoff"
    assert "1个工作日" in text and "投诉已登记" in text and "元" not in text  # no bill display
    with session_scope(stack_db.database_url) as session:
        [ticket] = session.scalars(select(Complaint).where(Complaint.conversation_id == customer.conversation_id)).all()
        assert (ticket.category, ticket.text, ticket.status) == ("电费电价", said, "open")
        assert f"TS{ticket.id:06d}" in text and ticket.contact_due_at > ticket.created_at
    record = handoff_of(stack_db, customer.conversation_id)
    assert (record.reason, record.priority) == ("complain", 0)


def test_three_wrong_identity_answers_hand_over(customer: Customer, stack_db: Settings, spare_account) -> None:
    account_no, last4 = spare_account
    wrong = "0000" if last4 != "0000" else "1111"
    customer.say("查电费")
    customer.say(account_no)
    replies = [customer.say(wrong) for _ in range(3)]
    assert replies[-1]["state"] == "handoff", Customer.text_of(replies[-1])
    assert handoff_of(stack_db, customer.conversation_id).reason == "identity_locked"


def test_a_danger_report_is_an_urgent_handoff_after_its_ticket(customer: Customer, stack_db: Settings) -> None:
    customer.say("楼下电线掉下来了还在打火")
    customer.say("上城区解放路100号")  # not test_outage's address: its ticket is that test's own
    reply = customer.say("13912345678")
    assert reply["state"] == "handoff" and "QX" in Customer.text_of(reply)
    record = handoff_of(stack_db, customer.conversation_id)
    assert (record.reason, record.priority) == ("danger_outage", 0)


def test_two_fallbacks_in_a_row_hand_over(customer: Customer, stack_db: Settings) -> None:
    unclear = next((t for t in ("哦哦哦哦哦哦", "嗯嗯嗯啊啊啊", "呃呃呃呃呃", "噢噢噢噢噢", "喔喔喔喔喔",
                                   "dfgdfg", "jkljkl", "qwqwqw")
                    if intent_of(customer, t) == "nlu_fallback"), None)
    assert unclear, "no message the NLU is unsure of"
    first = customer.say(unclear)
    assert first["state"] == "bot" and "没太听明白" in Customer.text_of(first)
    second = customer.say(unclear)
    assert second["state"] == "handoff" and "转接人工" in Customer.text_of(second)
    assert handoff_of(stack_db, customer.conversation_id).reason == "fallback"


# Vague business questions: the NLU takes them for FAQ, the retriever is not sure of them.
VAGUE = ("需要什么材料", "要带什么证件", "办理流程是什么", "怎么申请", "我想改一下信息", "能不能在网上办", "要多久",
         "可以代办吗", "我要申请一下", "怎么收费的")


def test_declining_the_suggestions_hands_over(customer: Customer, stack_db: Settings) -> None:
    def unsure_faq(question: str) -> bool:
        found = customer.client.get("/api/v1/kg/search", params={"q": question, "k": 3}).json()
        return not found["confident"] and intent_of(customer, question) == "faq"

    question = next((q for q in VAGUE if unsure_faq(q)), None)
    assert question, "no vague question the NLU takes for FAQ"
    reply = customer.say(question)
    assert NOT_SURE in Customer.text_of(reply)
    declined = customer.say("都不是")
    assert declined["state"] == "handoff"
    assert handoff_of(stack_db, customer.conversation_id).reason == "faq_declined"
