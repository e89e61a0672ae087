"""The voice channel through the real stack: the ASR gateway's events posted to the
gateway (/api/v1/voice/…), the real Rasa server, action server and billing service
behind it.  The ASR gateway is the one fake: these tests play its part over HTTP."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cn2an
import httpx
import pytest

from api import wording
from scripts.stack import Stack
from services.conversations import store
from services.conversations.models import Conversation
from services.db import session_scope
from services.settings import REPO_ROOT, get_settings
from services.voice import calls

pytestmark = pytest.mark.conversation

POSTPAID_ARREARS = ("3300000001", "5678", "13800005678")  # demo account, its last four, its mobile
UNREGISTERED_CALLER = "13012340000"


class AsrGateway:
    """Plays the ASR gateway: announces a call, then posts its events."""

    def __init__(self, base_url: str, token: str):
        self.client = httpx.Client(base_url=base_url, timeout=120, headers={"Authorization": f"Bearer {token}"})
        self.call_id = f"test-{uuid.uuid4().hex}"

    def start(self, caller: str | None = UNREGISTERED_CALLER, called: str = "95598") -> dict:
        response = self.client.post("/api/v1/voice/calls", json={"call_id": self.call_id, "caller": caller,
                                                                  "called": called})
        assert response.status_code == 201, response.text
        return response.json()

    def event(self, event: dict, expect_status: int = 200) -> dict:
        response = self.client.post(f"/api/v1/voice/calls/{self.call_id}/events", json=event)
        assert response.status_code == expect_status, response.text
        return response.json()

    def say(self, text: str, confidence: float = 0.9) -> dict:
        return self.event({"type": "recognition", "completion_cause": "000",
                           "hypotheses": [{"text": text, "confidence": confidence}]})

    def keys(self, digits: str) -> dict:
        return self.event({"type": "dtmf", "digits": digits})

    def hear_all(self, reply: dict) -> str:
        """The reply's text, and the rest of a long answer (saying 继续 until it ends)."""
        heard = reply["speak"]["text"]
        while heard.endswith(wording.VOICE_MORE):
            reply = self.say("继续")
            heard += reply["speak"]["text"]
        return heard


@pytest.fixture
def asr(gateway_url: str, stack: Stack, stack_db: None) -> AsrGateway:
    return AsrGateway(gateway_url, stack.settings.voice_gateway_token)


def user_texts(conversation_id: str) -> list[str]:
    return [m.text for m in store.history(conversation_id) if m.direction == "user"]


def conversation_row(conversation_id: str) -> Conversation:
    with session_scope() as session:
        row = session.get(Conversation, conversation_id)
        session.expunge(row)
        return row


def test_a_low_confidence_hypothesis_is_not_sent_to_the_bot(asr: AsrGateway) -> None:
    asr.start()
    reply = asr.event({"type": "recognition", "completion_cause": "000", "hypotheses": [
        {"text": "我想查电费", "confidence": 0.32}, {"text": "我想充电费", "confidence": 0.18}]})
    assert reply["speak"]["text"] == wording.VOICE_LOW_CONFIDENCE and reply["state"] == "bot"
    assert user_texts(reply["conversation_id"]) == []

    # The best of the n-best list above the threshold is the caller's text.
    reply = asr.event({"type": "recognition", "completion_cause": "000", "hypotheses": [
        {"text": "我想冲点费", "confidence": 0.55}, {"text": "我想查电费", "confidence": 0.86}]})
    assert user_texts(reply["conversation_id"]) == ["我想查电费"]
    assert "户号" in reply["speak"]["text"]
    assert reply["expect"] == {"mode": "speech_or_dtmf", "dtmf": {"max_digits": 10, "terminator": "#"}}


def test_a_bill_lookup_with_the_account_number_keyed_in(asr: AsrGateway, billing) -> None:
    account_no, last4, _ = POSTPAID_ARREARS
    asr.start()
    asr.say("我想查一下电费")
    asked = asr.keys(f"{account_no}#")
    assert "后四位" in asked["speak"]["text"]
    assert asked["expect"]["dtmf"] == {"max_digits": 4, "terminator": "#"}
    answer = asr.keys(f"{last4}#")
    heard = asr.hear_all(answer)

    assert user_texts(answer["conversation_id"])[1:] == [account_no, last4]  # keys reach the bot as digits
    latest = billing.get(f"/accounts/{account_no}").json()["latest_bill"]
    yuan = latest["total_amount"].split(".")[0]
    assert re.search(r"[一二三四五六七八九十百千万零]+元", heard), heard
    assert latest["total_amount"] not in heard and not re.search(r"\d{3,}", heard), heard  # all read as words
    assert "http" not in heard and "*" not in heard
    if int(yuan) > 0:
        assert f"{cn2an.an2cn(yuan)}元" in heard


def test_a_top_up_keyed_in_and_confirmed_with_a_key(asr: AsrGateway, billing, spare_account: tuple[str, str]) -> None:
    account_no, last4 = spare_account
    paid_before = billing.get(f"/accounts/{account_no}/payments").json()["payments"]
    asr.start()
    asr.say("交电费")
    asr.keys(f"{account_no}#")
    asked = asr.keys(f"{last4}#")
    assert asked["expect"]["dtmf"] == {"max_digits": 7, "terminator": "#"}, asked
    confirm = asr.hear_all(asr.keys("50*5#"))  # * is the decimal point
    assert "五十元五角" in confirm and "确认请说“确认”或按1" in confirm, confirm
    done = asr.hear_all(asr.keys("1"))
    assert "缴费成功" in done, done
    paid = billing.get(f"/accounts/{account_no}/payments").json()["payments"]
    assert [p["amount"] for p in paid if p not in paid_before] == ["50.50"]


def test_a_long_answer_is_read_in_parts_and_the_rest_survives_in_the_database(asr: AsrGateway) -> None:
    question = "过户需要带什么材料"  # the answer lists documents: longer than one part
    asr.start()
    first = asr.say(question)
    assert first["speak"]["text"].endswith(wording.VOICE_MORE), first["speak"]["text"]
    assert first["expect"] == {"mode": "speech_or_dtmf", "dtmf": {"max_digits": 1, "terminator": None}}
    kept = calls.get_call(asr.call_id).pending_chunks
    assert kept and len(first["speak"]["text"]) <= get_settings().voice_max_speech_chars + len(wording.VOICE_MORE)

    second = asr.keys("1")  # 1 = 继续
    assert second["speak"]["text"].startswith(kept[0])
    said_before = user_texts(first["conversation_id"])
    assert said_before[-1] == question  # reading on is not a turn of the bot


def test_the_bots_buttons_become_spoken_choices_a_key_picks(asr: AsrGateway) -> None:
    asr.start()
    greeting = asr.say("你好")
    assert "查电费请说“查电费”或按1" in greeting["speak"]["text"]
    assert greeting["expect"] == {"mode": "speech_or_dtmf", "dtmf": {"max_digits": 1, "terminator": None}}
    picked = asr.keys("1")
    assert "户号" in picked["speak"]["text"] and "按键" in picked["speak"]["text"]


def test_silence_is_reprompted_twice_then_the_call_ends_politely(asr: AsrGateway) -> None:
    asr.start()
    asked = asr.say("我想查电费")
    prompt = asked["speak"]["text"]
    for _ in range(get_settings().voice_max_no_input):
        again = asr.event({"type": "no_input"})
        assert again["speak"]["text"] == wording.VOICE_NO_INPUT.format(prompt=prompt)
        assert again["expect"] == asked["expect"] and again["actions"] == []
    goodbye = asr.event({"type": "recognition", "completion_cause": "002", "hypotheses": []})
    assert goodbye["speak"]["text"] == wording.VOICE_GOODBYE_NO_INPUT
    assert goodbye["actions"] == [{"type": "hangup", "reason": "no_input"}]
    assert goodbye["state"] == "ended" and goodbye["barge_in"] is False
    assert conversation_row(goodbye["conversation_id"]).ended_at is not None
    refused = asr.event({"type": "no_input"}, expect_status=409)
    assert refused["error"]["code"] == "call_ended"


def test_speech_between_silences_resets_the_count(asr: AsrGateway) -> None:
    asr.start()
    asr.event({"type": "no_input"})
    asr.event({"type": "no_input"})
    asr.say("我想查电费")
    asr.event({"type": "no_input"})
    asr.event({"type": "no_input"})
    asr.say("嗯嗯", confidence=0.2)  # unclear, but not silence
    reply = asr.event({"type": "no_input"})
    assert reply["state"] == "bot" and reply["actions"] == []
    assert calls.get_call(asr.call_id).no_input_count == 1


def test_a_handoff_transfers_the_call_with_a_summary(asr: AsrGateway) -> None:
    account_no, last4, mobile = POSTPAID_ARREARS
    asr.start(caller=mobile)
    asr.say("查电费")
    asr.keys(f"{account_no}#")
    asr.keys(f"{last4}#")
    reply = asr.say("转人工")
    assert reply["state"] == "handoff" and reply["barge_in"] is False
    assert reply["expect"]["mode"] == "none"
    [transfer] = reply["actions"]
    assert transfer["type"] == "transfer" and transfer["queue"] == "human"
    assert transfer["context"]["call_id"] == asr.call_id
    assert transfer["context"]["conversation_id"] == reply["conversation_id"]
    summary = transfer["summary"]
    assert "来电号码138****5678" in summary and "已核验户号330****001" in summary, summary
    assert "先说“查电费”" in summary and "最后说“转人工”" in summary, summary
    assert "电费" in summary.split("此前机器人答复：")[1], summary  # the bill, not the transfer notice
    assert account_no not in summary and "一串数字" not in summary  # the keyed answers are not repeated
    assert store.conversation_state(reply["conversation_id"]) == store.HANDOFF


def test_hanging_up_closes_the_conversation(asr: AsrGateway) -> None:
    started = asr.start()
    asr.say("我想查电费")
    ended = asr.event({"type": "hangup"})
    assert ended["state"] == "ended" and ended["speak"] is None and ended["expect"]["mode"] == "none"
    row = conversation_row(started["conversation_id"])
    assert row.state == store.CLOSED and row.end_reason == "call_hangup"
    assert asr.event({"type": "recognition", "hypotheses": [{"text": "喂", "confidence": 0.9}]},
                     expect_status=409)["error"]["code"] == "call_ended"


def test_the_callers_registered_accounts_reach_the_bot_as_metadata(asr: AsrGateway, stack: Stack) -> None:
    account_no, _, mobile = POSTPAID_ARREARS
    started = asr.start(caller=f"+86 {mobile}")
    assert calls.get_call(asr.call_id).caller_accounts == [account_no]
    asr.say("我想查电费")
    tracker = httpx.get(f"{stack.settings.rasa_url}/conversations/{started['conversation_id']}/tracker",
                        params={"token": stack.settings.rasa_token}, timeout=60).json()
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert user_events[-1]["metadata"]["caller_accounts"] == [account_no]

    other = AsrGateway(str(asr.client.base_url), stack.settings.voice_gateway_token)
    other.start(caller=UNREGISTERED_CALLER)
    assert calls.get_call(other.call_id).caller_accounts == []


@pytest.mark.parametrize("yes", ["key 1", "是的"])
def test_a_caller_from_the_registered_mobile_is_offered_the_account_and_still_verified(
        asr: AsrGateway, stack: Stack, yes: str) -> None:
    account_no, last4, mobile = POSTPAID_ARREARS
    asr.start(caller=mobile)
    offer = asr.say("我想查电费")["speak"]["text"]
    assert "您来电的号码登记了户号" in offer and account_no not in offer, offer
    asked = asr.keys("1") if yes == "key 1" else asr.say(yes)
    assert "后四位" in asked["speak"]["text"]  # the offer is not a verification
    heard = asr.hear_all(asr.keys(f"{last4}#"))
    assert "账单" in heard and "元" in heard, heard

    stranger = AsrGateway(str(asr.client.base_url), stack.settings.voice_gateway_token)
    stranger.start(caller=UNREGISTERED_CALLER)
    assert "您来电的号码" not in stranger.say("我想查电费")["speak"]["text"]


def test_a_retried_event_gets_the_same_reply_not_a_second_turn(asr: AsrGateway) -> None:
    asr.start()
    event = {"type": "recognition", "event_id": "evt-1", "hypotheses": [{"text": "我想查电费", "confidence": 0.9}]}
    first = asr.event(event)
    assert asr.event(event) == first
    assert user_texts(first["conversation_id"]) == ["我想查电费"]
    keyed = asr.event({"type": "dtmf", "event_id": "evt-2", "digits": "3300000001#"})
    assert "后四位" in keyed["speak"]["text"]
    assert user_texts(first["conversation_id"]) == ["我想查电费", "3300000001"]


def test_two_copies_of_an_event_at_once_make_one_turn(asr: AsrGateway) -> None:
    asr.start()
    event = {"type": "recognition", "event_id": "evt-twice", "hypotheses": [{"text": "我想查电费", "confidence": 0.9}]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: asr.event(event), range(2))
    assert first == second and "户号" in first["speak"]["text"]
    assert user_texts(first["conversation_id"]) == ["我想查电费"]


def test_barge_in_and_no_match_ask_nothing_of_the_bot(asr: AsrGateway) -> None:
    started = asr.start()
    barged = asr.event({"type": "barge_in"})
    assert barged["speak"] is None and barged["expect"] == started["expect"]
    assert asr.event({"type": "no_match"})["speak"]["text"] == wording.VOICE_NO_MATCH
    assert asr.event({"type": "recognition", "completion_cause": "001", "hypotheses": []})["speak"]["text"] \
        == wording.VOICE_NO_MATCH
    assert user_texts(started["conversation_id"]) == []


def test_bad_requests_get_the_error_body(asr: AsrGateway, gateway_url: str) -> None:
    unknown = asr.event({"type": "no_input"}, expect_status=404)  # never announced
    assert unknown["error"]["code"] == "call_not_found" and unknown["error"]["message_zh"]
    asr.start()
    again = asr.client.post("/api/v1/voice/calls", json={"call_id": asr.call_id})
    assert again.status_code == 409 and again.json()["error"]["code"] == "call_exists"
    for body in ({"type": "dtmf", "digits": "12ab"}, {"type": "telepathy"}, {"type": "recognition",
                 "hypotheses": [{"text": "喂", "confidence": 7}]}, [1, 2]):
        bad = asr.client.post(f"/api/v1/voice/calls/{asr.call_id}/events", json=body)
        assert bad.status_code == 422 and set(bad.json()["error"]) >= {"code", "message", "message_zh"}, bad.text
    broken = asr.client.post(f"/api/v1/voice/calls/{asr.call_id}/events", content=b"{not json",
                             headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"
    for headers in ({}, {"Authorization": "Bearer not-the-secret"}):
        refused = httpx.post(f"{gateway_url}/api/v1/voice/calls", json={"call_id": "x1"}, headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "voice_gateway_unauthorized"
    assert calls.get_call(asr.call_id).no_input_count == 0  # nothing bad changed the call


def run_reference_client(gateway_url: str, token: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scripts.voice_call", "scripts/voice_calls/bill_by_keypad.yml",
         "--url", gateway_url, "--token", token, *extra],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def test_the_reference_client_plays_a_scripted_call(gateway_url: str, stack: Stack) -> None:
    played = run_reference_client(gateway_url, stack.settings.voice_gateway_token)
    assert played.returncode == 0, played.stderr
    lines = played.stdout.splitlines()
    assert lines[0].startswith("☎ 来电 138****5678 → 95598")
    heard = [line for line in lines if line.startswith("系统：")]
    assert heard[0] == f"系统：{wording.VOICE_GREETING}"
    # The scripted caller rings from 3300000001's registered mobile: that 户号 is offered,
    # and keying it in works all the same.
    assert any("您来电的号码登记了户号" in line for line in heard), heard
    assert "来电者：（按键）3300000001#" in lines
    assert any("电费账单" in line and "元" in line for line in heard)  # the bill (read in parts when long)
    assert heard[-1].startswith("系统：" + wording.VOICE_NO_INPUT.split("{")[0])
    assert lines[-1] == "来电者：（挂机）" or lines[-1] == "  [等待：不再等待输入]"

    refused = run_reference_client(gateway_url, "wrong-token")
    assert refused.returncode == 1 and "voice_gateway_unauthorized" in refused.stderr


def test_the_reference_client_renders_prompts_to_wav(gateway_url: str, stack: Stack, tmp_path: Path) -> None:
    assert shutil.which("espeak-ng"), "espeak-ng is missing: `make system` installs it (make test does)"
    played = run_reference_client(gateway_url, stack.settings.voice_gateway_token, "--wav-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr
    prompts = [line for line in played.stdout.splitlines() if line.startswith("系统：")]
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == len(prompts)
    assert all(w.read_bytes()[:4] == b"RIFF" and w.stat().st_size > 10_000 for w in wavs)
