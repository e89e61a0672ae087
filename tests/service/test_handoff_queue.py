"""The handoff's plain functions on SQLite and PostgreSQL (a seeded database each):
priority order, one claim wins, capacity, auto-assignment, sessions, the masked
profile, unmask and its audit, complaints, callbacks and the satisfaction score."""
from __future__ import annotations

import uuid

import pytest

from handoff import agents, callbacks, complaints, events, queue, sessions, unmask
from handoff.detail import detail
from handoff.errors import Forbidden
from services.conversations import store
from services.errors import Conflict
from services.settings import get_settings

DEMO_ACCOUNT = "3300000001"  # services/billing/demo_accounts.yml: 13800005678


@pytest.fixture(autouse=True)
def open_around_the_clock(monkeypatch) -> None:
    """The queue's opening hours must not depend on when the suite runs."""
    monkeypatch.setenv("POWERDESK_HANDOFF_HOURS", "00:00-23:59")


def conversation() -> str:
    return store.open_conversation("web", f"web-{uuid.uuid4().hex}").id


def agent(name: str, role: str = "agent", capacity: int = 3, online: bool = True) -> agents.AgentView:
    created, _ = agents.create_agent(name, f"客服{name}", role, capacity, "a-long-password")
    return agents.set_online(created.id, online)


def test_complaints_and_danger_go_first_then_by_waiting_time(db: str) -> None:
    agent("online1")
    first = queue.start(conversation(), "request_human")
    second = queue.start(conversation(), "request_human")
    urgent = queue.start(conversation(), "danger_outage")
    order = [h["id"] for h in queue.list_handoffs("pending")]
    assert order == [urgent.handoff_id, first.handoff_id, second.handoff_id]
    assert queue.get(second.handoff_id)["position"] == 3 and queue.get(urgent.handoff_id)["position"] == 1
    assert not first.callback_offered


def test_a_conversation_has_one_open_handoff_and_a_complaint_makes_it_urgent(db: str) -> None:
    conversation_id = conversation()
    first = queue.start(conversation_id, "request_human")
    again = queue.start(conversation_id, "complain")
    assert again.handoff_id == first.handoff_id and not again.new
    assert queue.get(first.handoff_id)["priority"] == queue.URGENT


def test_one_claim_wins_and_capacity_is_kept(db: str) -> None:
    one, two = agent("claimer1", capacity=1), agent("claimer2")
    first = queue.start(conversation(), "request_human").handoff_id
    second = queue.start(conversation(), "request_human").handoff_id
    assert queue.claim(first, one.id)[1] is True
    assert queue.claim(first, one.id)[1] is False  # again: nothing changes
    with pytest.raises(Conflict) as taken:
        queue.claim(first, two.id)
    assert taken.value.code == "already_assigned"
    with pytest.raises(Conflict) as full:
        queue.claim(second, one.id)
    assert full.value.code == "capacity_full"
    assert agents.get_agent(one.id).load == 1


def test_auto_assignment_fills_the_least_loaded_up_to_capacity(db: str) -> None:
    small, big = agent("auto1", capacity=1), agent("auto2", capacity=2)
    ids = [queue.start(conversation(), "request_human").handoff_id for _ in range(4)]
    assigned = queue.auto_assign()
    assert len(assigned) == 3 and {a for _, a in assigned} == {small.id, big.id}
    assert queue.get(ids[-1])["status"] == "pending"
    assert queue.release_agent(big.id) and agents.get_agent(big.id).load == 0


def test_nobody_online_offers_a_callback_which_leaves_the_queue(db: str) -> None:
    agent("away", online=False)
    conversation_id = conversation()
    queued = queue.start(conversation_id, "request_human")
    assert queued.callback_offered
    assert callbacks.parse_request("请打１３８００００５６７８，下午3点到5点") == ("13800005678", "下午3点到5点")
    booked = queue.to_callback(queued.handoff_id, "13800005678", "下午3点到5点")
    assert booked["mobile"] == "138****5678" and queue.get(queued.handoff_id)["status"] == "callback"
    done = callbacks.set_status(booked["id"], "done", agents.list_agents()[0].id, "已回电")
    assert done["status"] == "done" and done["done_at"]


def test_sessions_end_on_logout_deactivation_and_expiry(db: str, move_clock) -> None:
    staff = agent("sess1")
    cookie, csrf = sessions.start(staff.id)
    found = sessions.lookup(cookie)
    assert found.agent.id == staff.id and sessions.csrf_ok(found, csrf) and not sessions.csrf_ok(found, "x")
    sessions.end(cookie)
    assert sessions.lookup(cookie) is None
    cookie, _ = sessions.start(staff.id)
    move_clock(get_settings().agent_session_ttl_min + 1)
    assert sessions.lookup(cookie) is None
    cookie, _ = sessions.start(staff.id)
    agents.update_agent(staff.id, active=False)
    assert sessions.lookup(cookie) is None


def test_the_profile_is_masked_and_only_a_supervisor_unmasks_with_an_audit(db: str) -> None:
    conversation_id = conversation()
    store.link_account(conversation_id, DEMO_ACCOUNT)
    handoff_id = queue.start(conversation_id, "request_human", {"task": "query_bill", "text": "转人工",
                                                                "slots": {"verified_account": DEMO_ACCOUNT}}).handoff_id
    seen = detail(handoff_id, None)
    profile = seen["profile"]
    assert profile["account_no"] == "330****001" and profile["mobile"] == "138****5678"
    assert "*" in profile["name"] and profile["address"].endswith("****") and profile["bills"]
    assert DEMO_ACCOUNT not in str(seen)
    assert seen["summary"].startswith("客户在查询电费的过程中") and seen["tracker_available"] is False
    with pytest.raises(Forbidden):
        unmask.unmask(handoff_id, agent("plain"), "mobile", "核对回电号码")
    assert unmask.audit_log() == []
    boss = agent("boss1", "supervisor")
    assert unmask.unmask(handoff_id, boss, "mobile", "核对回电号码") == {"field": "mobile", "value": "13800005678"}
    [entry] = unmask.audit_log()
    assert (entry["agent"]["id"], entry["field"], entry["reason"], entry["handoff_id"]) == (
        boss.id, "mobile", "核对回电号码", handoff_id)


def test_a_complaint_is_linked_contacted_by_the_first_reply_and_closed(db: str) -> None:
    staff = agent("comp1")
    conversation_id = conversation()
    ticket = complaints.record(conversation_id, "停电两天了都没人来修，我要投诉", DEMO_ACCOUNT)
    assert ticket["category"] == "停电抢修" and ticket["account_no"] == "330****001" and not ticket["overdue"]
    handoff_id = queue.start(conversation_id, "complain").handoff_id
    assert detail(handoff_id, None)["complaint"]["id"] == ticket["id"]
    contacted = queue.record_reply(handoff_id, staff.id)
    assert contacted["status"] == "contacted" and queue.get(handoff_id)["agent"]["id"] == staff.id
    closed = complaints.set_status(ticket["id"], "closed", "已派员处理，客户满意")
    assert closed["status"] == "closed" and closed["resolution"] == "已派员处理，客户满意"


def test_the_score_question_takes_one_answer(db: str) -> None:
    conversation_id = conversation()
    handoff_id = queue.start(conversation_id, "request_human").handoff_id
    queue.resolve(handoff_id, ask_csat=True)
    assert queue.awaiting_score(conversation_id) == handoff_id
    queue.settle_score(handoff_id, 4)
    assert queue.awaiting_score(conversation_id) is None
    assert detail(handoff_id, None)["csat"] == {"asked": True, "score": 4}


def test_events_come_back_in_order_after_an_id(db: str) -> None:
    start = events.latest_id()
    handoff_id = queue.start(conversation(), "request_human").handoff_id
    queue.abandon(handoff_id)
    seen = events.since(start)
    assert [e["type"] for e in seen] == ["handoff.queued", "handoff.updated"]
    assert seen[1]["data"]["status"] == "abandoned" and events.since(seen[-1]["id"]) == []
