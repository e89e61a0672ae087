"""The checks evaluator of scripts/eval_dialogues.py, on fake replies and fake billing data
(no stack): every kind of check passes when the customer got what they asked for and
fails when not, and the conversation file only holds checks that can fail."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scripts.eval_dialogues import (
    ConversationError, FactMissing, Outcome, Turn, evaluate, load, parse_conversation, parse_text,
    snapshot, summary,
)

TODAY = date(2026, 12, 1)
DEFAULT_FORBID = [parse_text("抱歉，我没太听明白", "test"), parse_text("转接人工", "test")]


class FakeFacts:
    """The billing API's answers for a few accounts; payments can be added mid-test."""

    def __init__(self) -> None:
        self.accounts = {
            "3300000001": {"balance": "0.00", "arrears_total": "123.45", "unpaid_total": "250.10",
                           "latest_bill": {"period": "2026-11", "total_amount": "126.65"}},
            "3300000002": {"balance": "8.60", "arrears_total": "0.00", "unpaid_total": "0.00",
                           "latest_bill": {"period": "2026-11", "total_amount": "80.70"}},
            "3300000009": {"balance": "0.00", "arrears_total": "0.00", "unpaid_total": "0.00", "latest_bill": None},
        }
        self.bills = {("3300000001", "2026-09"): {"period": "2026-09", "total_amount": "140.00"},
                      ("3300000001", "2026-10"): {"period": "2026-10", "total_amount": "98.31"}}
        self.paid: dict[str, list[dict]] = {"3300000002": [{"payment_id": "p-old", "amount": "100.00"}]}
        self.estimates = {("zhejiang", 300, "2026-12", None): "161.40", ("beijing", 300, "2026-12", "1100000001"): "161.49"}

    def account(self, account_no: str) -> dict:
        if account_no not in self.accounts:
            raise FactMissing(f"GET /accounts/{account_no} answered 404")
        return self.accounts[account_no]

    def bill(self, account_no: str, month: str) -> dict:
        if (account_no, month) not in self.bills:
            raise FactMissing(f"no bill for {month}")
        return self.bills[(account_no, month)]

    def payments(self, account_no: str) -> list[dict]:
        return list(reversed(self.paid.get(account_no, [])))

    def pay(self, account_no: str, amount: str) -> None:
        self.paid.setdefault(account_no, []).append({"payment_id": f"p-{len(self.paid[account_no])}", "amount": amount})

    def estimate(self, province: str, kwh: int, month: str, account_no: str | None) -> dict:
        return {"total_amount": self.estimates[(province, kwh, month, account_no)]}

    def tariff(self, province: str) -> dict:
        return {"default_plan": "zhejiang-annual", "plans": [
            {"code": "zhejiang-annual", "tiers": [{"price": "0.538"}, {"price": "0.588"}, {"price": "0.838"}]},
            {"code": "zhejiang-annual-tou", "time_of_use": True, "tiers": [
                {"price": "0.538", "tou_prices": {"peak": "0.568", "valley": "0.288"}}]},
        ]}


def conversation(**fields):
    raw = {"id": "c1", "category": "test", "turns": ["你好"], **fields}
    return parse_conversation(raw, DEFAULT_FORBID)


def run(conv, *replies: str, facts: FakeFacts | None = None, states: tuple[str, ...] = (), before=None) -> list[str]:
    turns = [Turn(said, reply, states[i] if i < len(states) else "bot")
             for i, (said, reply) in enumerate(zip(conv.turns, replies))]
    return evaluate(conv, turns, facts or FakeFacts(), before, TODAY)


# ----------------------------------------------------------------------------- replies


def test_expect_looks_at_the_last_reply_only() -> None:
    conv = conversation(turns=["查电费", "3300000001"], expect=["缴费成功", {"re": r"\d+度"}])
    assert run(conv, "请输入户号", "缴费成功，用电 120度") == []
    failures = run(conv, "缴费成功 120度", "请输入后4位")
    assert failures == ["expect: the last reply lacks “缴费成功”", r"expect: the last reply lacks /\d+度/"]


def test_expect_any_turn_looks_at_every_reply() -> None:
    conv = conversation(turns=["a", "b"], expect_any_turn=["余额"])
    assert run(conv, "当前余额 8.60元", "好的") == []
    assert run(conv, "好的", "好的") == ["expect_any_turn: no reply has “余额”"]


def test_forbid_holds_for_every_reply_defaults_included_unless_allowed() -> None:
    conv = conversation(turns=["a", "b"], expect=["好"], forbid=["上海"])
    assert run(conv, "好", "好") == []
    assert run(conv, "抱歉，我没太听明白", "好") == ["forbid: reply 1 has “抱歉，我没太听明白”"]
    assert run(conv, "上海 6:00", "好") == ["forbid: reply 1 has “上海”"]
    allowed = conversation(expect=["机器人"], allow=["转接人工"])
    assert run(allowed, "我是机器人，可以为您转接人工客服") == []
    assert run(conversation(expect=["机器人"]), "我是机器人，可以为您转接人工客服") == ["forbid: reply 1 has “转接人工”"]


def test_a_handoff_or_an_error_is_a_miss_even_when_the_words_match() -> None:
    conv = conversation(turns=["a", "b"], expect=["人工"])
    failures = run(conv, "好的", "人工客服稍后回复", states=("handoff", "handoff"))
    assert failures == ["turn 1: handed to a human (state handoff)"]
    outcome = Outcome(conv, [Turn("a", "x", "handoff"), Turn("b", "人工")], [])
    assert outcome.handed_off and not outcome.automated
    broken = evaluate(conv, [Turn("a", "抱歉，服务暂不可用 人工", error="bot_unavailable")], FakeFacts(), today=TODAY)
    assert broken == ["turn 1: error bot_unavailable", "only 1 of 2 turns were answered"]


# ----------------------------------------------------------------------------- facts


def test_bill_total_of_needs_the_latest_bill_total_not_a_longer_number() -> None:
    conv = conversation(facts=[{"bill_total_of": "3300000001"}])
    assert run(conv, "2026年11月电费 126.65元。") == []
    assert run(conv, "电费 126.65 元") == []
    assert run(conv, "电费 126.6元") != []  # 126.6 is not 126.65
    assert run(conv, "电费 1126.65元")[0].startswith("fact bill_total_of(3300000001): the last reply does not give")
    assert run(conv, "电费 126.66元") != []
    missing = run(conversation(facts=[{"bill_total_of": "3300000009"}]), "暂无账单")
    assert missing == ["fact bill_total_of(3300000009): no data to check against: 3300000009 has no bill"]


def test_amounts_may_drop_trailing_zeros_but_not_significant_digits() -> None:
    conv = conversation(facts=[{"balance_of": "3300000002"}])
    assert run(conv, "当前账户余额 8.60元") == []
    assert run(conv, "余额8.6元") == []
    assert run(conv, "余额 8.06元") != []
    assert run(conv, "余额 18.60元") != []
    assert run(conv, "余额 8.60") != []  # no 元: not an amount of money


def test_bill_of_month_needs_that_month_and_its_total() -> None:
    ago = conversation(facts=[{"bill_of_month": {"account": "3300000001", "months_ago": 2}}])
    assert run(ago, "2026年10月电费账单：电费 98.31元。") == []
    wrong_month = run(ago, "2026年11月电费账单：电费 126.65元，请在12月25日前缴清。")
    assert len(wrong_month) == 1 and "2026-10 bill's total 98.31元" in wrong_month[0]
    # The total alone is not enough: the reply must say which month it is.
    assert "the month 10月" in run(ago, "电费 98.31元，请在10月25日前缴清")[0]
    named = conversation(facts=[{"bill_of_month": {"account": "3300000001", "month": 9}}])
    assert run(named, "2026年9月 电费 140.00元") == []  # 9月 asked in December: this year's
    assert run(named, "2026年9月 电费 98.31元") != []


def test_arrears_of_needs_the_overdue_amount_or_a_plain_no() -> None:
    owing = conversation(facts=[{"arrears_of": "3300000001"}])
    assert run(owing, "您目前共有逾期欠费 123.45元（含违约金）。") == []
    assert run(owing, "该账单尚未缴纳，应缴 126.65元") != []
    clear = conversation(facts=[{"arrears_of": "3300000002"}])
    assert run(clear, "该账单已缴清，您没有欠费。") == []
    assert run(clear, "2026年11月电费 80.70元。") != []  # says nothing about arrears
    assert "claims arrears" in run(clear, "已缴清。逾期欠费 5.00元")[0]


def test_owed_of_needs_everything_unpaid() -> None:
    conv = conversation(facts=[{"owed_of": "3300000001"}])
    assert run(conv, "一共需要缴纳 250.10元") == []
    assert run(conv, "逾期欠费 123.45元") != []


def test_payment_of_needs_exactly_one_new_payment_of_that_amount() -> None:
    conv = conversation(facts=[{"payment_of": {"account": "3300000002", "amount": "100.00"}}])
    facts = FakeFacts()
    before = snapshot(conv, facts)
    assert before == {"3300000002": {"p-old"}}
    assert run(conv, "缴费成功", facts=facts, before=before) == [
        "fact payment_of(account=3300000002, amount=100.00): no payment was recorded on 3300000002"]
    facts.pay("3300000002", "100.00")
    assert run(conv, "缴费成功", facts=facts, before=before) == []
    facts.pay("3300000002", "100.00")
    assert "2 payments were recorded" in run(conv, "缴费成功", facts=facts, before=before)[0]
    other = FakeFacts()
    before = snapshot(conv, other)
    other.pay("3300000002", "10.00")
    assert "is 10.00, not 100.00" in run(conv, "缴费成功", facts=other, before=before)[0]


def test_estimate_needs_the_estimate_api_total() -> None:
    conv = conversation(facts=[{"estimate": {"province": "zhejiang", "kwh": 300}}])
    assert run(conv, "2026年12月用电300度，电费约 161.40元") == []
    assert run(conv, "用电300度，电费约 161.49元") != []
    own = conversation(facts=[{"estimate": {"province": "beijing", "kwh": 300, "account": "1100000001"}}])
    assert run(own, "电费约 161.49元") == []
    assert run(own, "电费约 161.40元") != []


def test_tariff_prices_need_every_tier_price_and_tou_the_peak_and_valley() -> None:
    tiers = conversation(facts=[{"tariff_prices_of": "zhejiang"}])
    assert run(tiers, "第一档 0.538元/度；第二档 0.588元/度；第三档 0.838元/度") == []
    assert run(tiers, "第一档 0.538元/度；第二档 0.588元/度") == [
        "fact tariff_prices_of(zhejiang): the last reply lacks the tier prices 0.838 of zhejiang-annual"]
    assert run(tiers, "第一档 0.5381 0.588 0.838") != []
    tou = conversation(facts=[{"tou_prices_of": "zhejiang"}])
    assert run(tou, "峰0.568元/度，谷0.288元/度") == []
    assert "0.288" in run(tou, "峰0.568元/度")[0]


# ----------------------------------------------------------------------------- the file


@pytest.mark.parametrize("fields, why", [
    ({}, "nothing shows"),
    ({"forbid": ["抱歉"]}, "nothing shows"),  # forbid alone passes a bot that says nothing
    ({"expect": [""]}, "empty string"),
    ({"expect": [{"re": "元?"}]}, "cannot fail"),
    ({"expect": [{"re": "("}]}, "bad regex"),
    ({"expect": ["好"], "allow": ["上海"]}, "not in defaults.forbid"),
    ({"expect": ["好"], "expected": ["x"]}, "unknown keys"),
    ({"facts": [{"bill_of": "3300000001"}]}, "unknown fact"),
    ({"facts": [{"balance_of": 3300000001}]}, "10 digits"),
    ({"facts": [{"bill_of_month": {"account": "3300000001"}}]}, "months_ago or month"),
    ({"facts": [{"bill_of_month": {"account": "3300000001", "month": 13}}]}, "1-12"),
    ({"facts": [{"payment_of": {"account": "3300000002", "amount": "0"}}]}, "positive"),
    ({"facts": [{"estimate": {"province": "zhejiang"}}]}, "missing"),
    ({"expect": ["好"], "needs": "weather"}, "needs is one of"),
])
def test_checks_that_cannot_fail_or_cannot_be_read_are_refused(fields: dict, why: str) -> None:
    with pytest.raises(ConversationError, match=why):
        conversation(**fields)


def test_conversations_needing_what_is_not_built_are_not_counted() -> None:
    done = Outcome(conversation(expect=["好"]), [Turn("你好", "好")], [])
    missed = Outcome(conversation(expect=["好"]), [Turn("你好", "x")], ["expect"])
    waiting = Outcome(conversation(expect=["工单"], needs="outage"), [Turn("你好", "x")], ["expect"])
    assert summary([done, missed, waiting]) == {"test": (2, 1, 0)}


def test_the_routine_conversations_file_is_valid() -> None:
    conversations = load()
    counted = [c for c in conversations if c.counted]
    assert len(counted) >= 44
    assert {c.needs for c in conversations} <= {None, "outage", "forecast"}
    # outage tickets and forecasts have landed: their conversations count
    assert {"outage", "forecast"} <= {c.category for c in counted}
    assert all(Decimal(str(arg["amount"])) > 0 for c in conversations for kind, arg in c.facts if kind == "payment_of")


def test_the_report_gives_the_rate_per_category_and_each_miss_with_its_transcript() -> None:
    from scripts.eval_dialogues import render

    hit = Outcome(conversation(id="hello", expect=["您好"]), [Turn("你好", "您好")], [])
    conv = parse_conversation({"id": "calc", "category": "tariff_calc", "turns": ["北京用两百度电多少钱"],
                               "facts": [{"estimate": {"province": "beijing", "kwh": 200}}]}, DEFAULT_FORBID)
    miss = Outcome(conv, [Turn("北京用两百度电多少钱", "电费约 107.60元", buttons=["转人工"])],
                   ["fact estimate(...): the last reply does not give the estimate 97.66元"])
    report = render([hit, miss], {"today": "2026-12-02", "seconds": "90", "model": "m", "code": "c"})
    assert "**Automation rate: 1 / 2 = 50.0 %**" in report
    assert "| test | 1 | 1 | 100.0 % | 0 |" in report and "| tariff_calc | 1 | 0 | 0.0 % | 0 |" in report
    assert "### `calc` (tariff_calc)" in report and "97.66元" in report
    assert "[1] 客户: 北京用两百度电多少钱" in report and "电费约 107.60元" in report and "[buttons: 转人工]" in report
