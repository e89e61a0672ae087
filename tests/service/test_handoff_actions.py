"""The hand-over triggers inside the actions, against the real services over HTTP: a
complaint becomes a ticket with its contact deadline, a refused payment, a second
fallback in a row and declined suggestions each ask the gateway for a human."""
from __future__ import annotations

import uuid

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import NOT_SURE, ActionAnswerFaq
from actions.handoff import ActionComplaint, ActionFallback, ActionHandoff
from actions.topup import ActionTopUp
from handoff import complaints
from services import clock
from services.conversations import store
from tests.service.test_actions import PREPAID_ACCOUNT, services_url  # noqa: F401  (the fixture)


def handoffs(dispatcher: CollectingDispatcher) -> list[dict]:
    return [m["custom"] for m in dispatcher.messages if (m.get("custom") or {}).get("handoff")]


def tracker(sender_id: str, text: str, intent: str, slots: dict | None = None, events: list | None = None) -> Tracker:
    return Tracker.from_dict({
        "sender_id": sender_id, "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
                           "metadata": {"channel": "web"}},
        "events": events or [], "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": None})


def user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.2}}}


async def test_a_complaint_is_a_ticket_with_a_deadline_then_a_human(services_url: str) -> None:  # noqa: F811
    conversation = store.open_conversation("web", f"web-{uuid.uuid4().hex}")
    dispatcher = CollectingDispatcher()
    said = "抄表员把我家电表读数抄错了，电费多收了，我要投诉"
    await ActionComplaint().run(dispatcher, tracker(conversation.id, said, "complain",
                                                    {"verified_account": PREPAID_ACCOUNT}), {})
    [ticket] = [c for c in complaints.list_complaints() if c["conversation_id"] == conversation.id]
    assert ticket["category"] == "计量表计" and ticket["text"] == said and ticket["status"] == "open"
    assert ticket["account_no"].endswith(PREPAID_ACCOUNT[-3:]) and PREPAID_ACCOUNT not in ticket["account_no"]
    reply = dispatcher.messages[0]
    assert reply["response"] == "utter_complaint_recorded" and reply["code"] == ticket["code"]
    assert handoffs(dispatcher) == [{"handoff": True, "reason": "complain", "text": said}]


def test_the_contact_deadline_skips_the_weekend() -> None:
    from datetime import datetime
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=clock.CHINA)
    assert complaints.contact_due(friday_evening) == datetime(2026, 12, 7, 18, 0, tzinfo=clock.CHINA)
    assert complaints.category_of("停电三天了没人来修") == "停电抢修"
    assert complaints.category_of("你们的服务太差了") == "服务态度"


async def test_a_payment_the_service_refuses_is_handed_to_a_human(services_url: str) -> None:  # noqa: F811
    dispatcher = CollectingDispatcher()
    slots = {"account_no": PREPAID_ACCOUNT, "verified_account": PREPAID_ACCOUNT, "amount": "100000.00",
             "topup_confirm": True, "payment_key": f"k-{uuid.uuid4().hex}"}
    await ActionTopUp().run(dispatcher, tracker("t-pay", "确认", "affirm", slots), {})
    assert [m.get("response") for m in dispatcher.messages][0] == "utter_payment_failed"
    assert handoffs(dispatcher)[0]["reason"] == "payment_failed"


async def test_the_second_fallback_in_a_row_hands_over_the_first_does_not() -> None:
    first = CollectingDispatcher()
    await ActionFallback().run(first, tracker("t-fb", "嗯嗯啊", "nlu_fallback",
                                              events=[user("你好", "greet"), user("嗯嗯啊", "nlu_fallback")]), {})
    assert handoffs(first) == [] and first.messages[0]["response"] == "utter_default"
    second = CollectingDispatcher()
    await ActionFallback().run(second, tracker("t-fb", "啊嗯", "nlu_fallback",
                                               events=[user("嗯嗯啊", "nlu_fallback"), user("啊嗯", "nlu_fallback")]), {})
    assert handoffs(second)[0]["reason"] == "fallback"


async def test_declining_the_suggestions_hands_over() -> None:
    events = [user("那个怎么弄", "faq"), {"event": "bot", "text": "不太确定您问的是哪一项……", "metadata": {"utter_action": NOT_SURE}},
              user("都不是", "deny")]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker("t-faq", "都不是", "deny", events=events), {})
    assert handoffs(dispatcher)[0]["reason"] == "faq_declined"
    after_an_answer = [user("怎么过户", "faq"), {"event": "bot", "text": "过户需要……"}, user("不是", "deny")]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker("t-faq2", "不是", "deny", events=after_an_answer), {})
    assert handoffs(dispatcher) == [] and dispatcher.messages[0]["response"] == "utter_ack"


async def test_a_human_asked_for_during_a_danger_report_is_urgent() -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker("t-d", "转人工", "request_human", {"outage_kind": "danger"}), {})
    assert handoffs(dispatcher)[0]["reason"] == "danger_outage"
