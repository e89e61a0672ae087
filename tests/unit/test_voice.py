"""The voice adapter's pure parts: which input a prompt expects, how keys become text,
a caller's number as a mobile, and the reference client's script steps."""
from __future__ import annotations

import pytest

from api.voice_dialog import ONE_KEY, SPEECH, caller_mobile, expect_after, keyed_text
from scripts.voice_call import describe, event_of


@pytest.mark.parametrize(("slot", "choices", "max_digits"), [
    ("account_no", 0, 10), ("last4", 2, 4), ("contact_mobile", 0, 11), ("amount", 1, 7)])
def test_a_form_slot_of_digits_may_be_keyed(slot: str, choices: int, max_digits: int) -> None:
    expect = expect_after(slot, choices)
    assert expect.mode == "speech_or_dtmf" and expect.dtmf.max_digits == max_digits and expect.dtmf.terminator == "#"


def test_choices_take_one_key_and_anything_else_speech() -> None:
    assert expect_after(None, 3) == ONE_KEY and expect_after("outage_address", 0) == SPEECH
    assert expect_after(None, 0) == SPEECH and expect_after(None, 12) == SPEECH  # no key for a 12th choice


@pytest.mark.parametrize(("digits", "slot", "text"), [
    ("3300000001#", "account_no", "3300000001"), ("5678", "last4", "5678"), ("125*5#", "amount", "125.5"),
    ("100#", "amount", "100"), ("12*3", "account_no", "123"), ("1", None, "1"), ("#", None, "")])
def test_keys_become_the_text_the_bot_reads(digits: str, slot: str | None, text: str) -> None:
    assert keyed_text(digits, slot) == text


@pytest.mark.parametrize(("caller", "mobile"), [
    ("13800005678", "13800005678"), ("+86 138 0000 5678", "13800005678"), ("008613800005678", "13800005678"),
    ("057187654321", None), ("anonymous", None), (None, None), ("8613800005678", "13800005678")])
def test_the_callers_number_as_a_mobile(caller: str | None, mobile: str | None) -> None:
    assert caller_mobile(caller) == mobile


def test_script_steps_become_gateway_events() -> None:
    event, shown = event_of({"say": "查电费", "confidence": 0.8, "alternatives": [{"text": "插电费", "confidence": 0.3}]})
    assert event == {"type": "recognition", "completion_cause": "000", "hypotheses": [
        {"text": "查电费", "confidence": 0.8}, {"text": "插电费", "confidence": 0.3}]}
    assert shown == "来电者：查电费（置信度0.80）"
    assert event_of({"keys": "5678#"})[0] == {"type": "dtmf", "digits": "5678#"}
    assert [event_of(s)[0]["type"] for s in ("silence", "no_match", "barge_in", "hangup")] == \
        ["no_input", "no_match", "barge_in", "hangup"]
    with pytest.raises(ValueError):
        event_of({"sing": "la"})


def test_the_client_prints_what_is_heard_and_done() -> None:
    lines = describe({"speak": {"text": "请输入户号。", "ssml": "…"}, "actions": [{"type": "hangup", "reason": "no_input"}],
                      "expect": {"mode": "speech_or_dtmf", "dtmf": {"max_digits": 10, "terminator": "#"}}})
    assert lines == ["系统：请输入户号。", "  [动作：挂机（no_input）]", "  [等待：语音或按键，最多10位，#结束]"]
