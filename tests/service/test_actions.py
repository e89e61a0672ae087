"""The custom actions against the real billing service over HTTP (the services' app on a
loopback port, a seeded SQLite database): what they say and what they change."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import uvicorn
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bill import ActionQueryBill, ValidateBillForm
from actions.tariff import ActionAskTariff
from actions.topup import ActionTopUp
from services.app import create_app
from services.billing.seed import seed
from services.settings import get_settings
from tests.postgres import free_port
from tests.responses import texts

ARREARS_ACCOUNT, ARREARS_LAST4 = "3300000001", "5678"
PREPAID_ACCOUNT = "3300000002"


@pytest.fixture(scope="module")
def services_url(tmp_path_factory) -> Iterator[str]:
    """The services' app (billing, kg) served by uvicorn on a free port."""
    db = tmp_path_factory.mktemp("actions") / "powerdesk.db"
    port = free_port()
    patch = pytest.MonkeyPatch()
    patch.setenv("POWERDESK_DATABASE_URL", f"sqlite:///{db}")
    patch.setenv("POWERDESK_SERVICES_URL", f"http://127.0.0.1:{port}")
    patch.setenv("POWERDESK_SERVICE_TOKEN", "actions-test-token")
    get_settings.cache_clear()
    seed(get_settings().database_url, n_accounts=10)
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings()), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield get_settings().services_url
    server.should_exit = True
    thread.join(timeout=10)
    patch.undo()
    get_settings.cache_clear()


def billing_get(services_url: str, path: str, **params) -> dict:
    headers = {"Authorization": f"Bearer {get_settings().service_token}"}
    return httpx.get(f"{services_url}/billing{path}", params=params, headers=headers).json()


def tracker(slots: dict | None = None, text: str = "", intent: str = "inform", entities: list | None = None,
            channel: str = "web") -> Tracker:
    return Tracker.from_dict({
        "sender_id": f"t-{uuid.uuid4().hex[:8]}",
        "slots": slots or {},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": entities or [], "metadata": {"channel": channel}},
        "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None,
    })


async def test_an_unknown_account_is_asked_for_the_last_four_and_fails_like_a_known_one(services_url: str) -> None:
    """No oracle: a stranger cannot tell from the replies whether a 户号 exists."""
    form, replies, known_account = ValidateBillForm(), {}, "1100000001"  # a demo account no other test locks
    for account_no in ("9999999999", known_account):
        dispatcher = CollectingDispatcher()
        slots = await form.validate_account_no(account_no, dispatcher, tracker(), {})
        assert slots == {"account_no": account_no, "last4": None} and texts(dispatcher) == ""
        answers = []
        for _ in range(3):
            dispatcher = CollectingDispatcher()
            answers.append((await form.validate_last4("0000", dispatcher, tracker({"account_no": account_no}), {}),
                            texts(dispatcher)))
        replies[account_no] = answers
    unknown, known = replies["9999999999"], replies[known_account]
    assert [t for _, t in unknown] == [t for _, t in known]  # the same words, attempt by attempt
    assert "还可以尝试2次" in unknown[0][1]
    assert unknown[2][0]["identity_lock"]["account_no"] == "9999999999"
    assert known[2][0]["identity_lock"]["account_no"] == known_account


async def test_malformed_account_number_is_refused_before_any_call(services_url: str) -> None:
    dispatcher = CollectingDispatcher()
    slots = await ValidateBillForm().validate_account_no("12345", dispatcher, tracker(), {})
    assert slots == {"account_no": None} and "10位" in texts(dispatcher)


async def test_spoken_account_number_is_normalized(services_url: str) -> None:
    slots = await ValidateBillForm().validate_account_no("三三零零 零零零 零零一", CollectingDispatcher(), tracker(), {})
    assert slots["account_no"] == ARREARS_ACCOUNT


async def test_right_last4_verifies_and_third_wrong_one_locks(services_url: str) -> None:
    form = ValidateBillForm()
    ok = await form.validate_last4(ARREARS_LAST4, CollectingDispatcher(), tracker({"account_no": ARREARS_ACCOUNT}), {})
    assert ok["verified_account"] == ARREARS_ACCOUNT

    for left in (2, 1):  # every tracker is new: the service, not a slot, counts the failures
        dispatcher = CollectingDispatcher()
        wrong = await form.validate_last4("0000", dispatcher, tracker({"account_no": ARREARS_ACCOUNT}), {})
        assert wrong == {"last4": None} and f"还可以尝试{left}次" in texts(dispatcher)
    locked = await form.validate_last4("0000", CollectingDispatcher(), tracker({"account_no": ARREARS_ACCOUNT}), {})
    assert locked["last4"] is None and locked["identity_lock"]["account_no"] == ARREARS_ACCOUNT
    # while locked, even the right digits do not verify
    again = await form.validate_last4(ARREARS_LAST4, CollectingDispatcher(), tracker({"account_no": ARREARS_ACCOUNT}), {})
    assert "verified_account" not in again and again["identity_lock"]["account_no"] == ARREARS_ACCOUNT


async def test_bill_answer_matches_the_billing_service(services_url: str) -> None:
    latest = billing_get(services_url, f"/accounts/{ARREARS_ACCOUNT}")["latest_bill"]
    dispatcher = CollectingDispatcher()
    slots = {"account_no": ARREARS_ACCOUNT, "verified_account": ARREARS_ACCOUNT, "month": latest["period"]}
    await ActionQueryBill().run(dispatcher, tracker(slots), {})
    text = texts(dispatcher)
    assert f"{latest['total_amount']}元" in text
    assert f"{latest['kwh_total']}度" in text
    assert "逾期" in text or "尚未缴纳" in text  # the demo account owes money


async def test_confirmed_top_up_pays_once_however_often_it_is_confirmed(services_url: str) -> None:
    before = billing_get(services_url, f"/accounts/{PREPAID_ACCOUNT}/payments")["payments"]
    key = f"test-{uuid.uuid4().hex}"
    slots = {"account_no": PREPAID_ACCOUNT, "verified_account": PREPAID_ACCOUNT, "amount": "50.00",
             "topup_confirm": True, "payment_key": key}
    receipts = []
    for _ in range(2):  # the same confirmed turn replayed (a retried webhook): same key
        dispatcher = CollectingDispatcher()
        events = await ActionTopUp().run(dispatcher, tracker(slots, intent="affirm"), {})
        receipts.append(next(e["value"] for e in events if e.get("name") == "last_payment"))
        assert "缴费成功" in texts(dispatcher) and "50.00元" in texts(dispatcher)
    assert receipts[0]["payment_id"] == receipts[1]["payment_id"]

    after = billing_get(services_url, f"/accounts/{PREPAID_ACCOUNT}/payments")["payments"]
    assert len(after) == len(before) + 1
    assert Decimal(after[0]["amount"]) == Decimal("50.00")


async def test_declined_top_up_takes_no_money(services_url: str) -> None:
    before = len(billing_get(services_url, f"/accounts/{PREPAID_ACCOUNT}/payments")["payments"])
    slots = {"account_no": PREPAID_ACCOUNT, "amount": "20.00", "topup_confirm": False, "payment_key": "k-declined"}
    dispatcher = CollectingDispatcher()
    await ActionTopUp().run(dispatcher, tracker(slots, intent="deny"), {})
    assert "取消" in texts(dispatcher)
    assert len(billing_get(services_url, f"/accounts/{PREPAID_ACCOUNT}/payments")["payments"]) == before


async def test_tariff_estimate_for_300_kwh_at_the_start_of_the_year(services_url: str) -> None:
    # Zhejiang annual tiers, nothing used before: 300 kWh x 0.538 = 161.40 元.
    dispatcher = CollectingDispatcher()
    await ActionAskTariff().run(dispatcher, tracker({"kwh": "300", "month": "2026-01"}, intent="ask_tariff"), {})
    assert "161.40元" in texts(dispatcher)


async def test_tariff_levels_name_their_source(services_url: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskTariff().run(dispatcher, tracker(intent="ask_tariff"), {})
    text = texts(dispatcher)
    assert "0.538" in text and "2760" in text and "依据" in text


async def test_one_customer_message_reads_the_account_summary_once(services_url: str, monkeypatch) -> None:
    """The form's validation and the answer are separate calls of one turn: one read."""
    from actions import services_client as svc

    reads: list[str] = []
    real_call = svc.call

    async def counting_call(method: str, path: str, **kwargs):
        if method == "GET" and path == f"/billing/accounts/{ARREARS_ACCOUNT}":
            reads.append(path)
        return await real_call(method, path, **kwargs)

    monkeypatch.setattr(svc, "call", counting_call)

    def turn_tracker(at: float) -> Tracker:
        message = tracker({"account_no": ARREARS_ACCOUNT, "verified_account": ARREARS_ACCOUNT}, text="查电费",
                          intent="query_bill")
        message.events = [{"event": "user", "timestamp": at, "text": "查电费"}]
        return message

    this_turn = turn_tracker(1000.5)
    await ValidateBillForm().validate_account_no(ARREARS_ACCOUNT, CollectingDispatcher(), this_turn, {})
    dispatcher = CollectingDispatcher()
    await ActionQueryBill().run(dispatcher, this_turn, {})
    assert "户号" in texts(dispatcher) and len(reads) == 1
    await ActionQueryBill().run(CollectingDispatcher(), turn_tracker(1001.5), {})  # the next message
    assert len(reads) == 2
