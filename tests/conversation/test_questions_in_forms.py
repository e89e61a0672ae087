"""A question asked in the middle of a form (issue 9 §6, dialogue checklist "Two
questions in one message"), through the gateway, the real Rasa server (KnowledgeRouter
asking the real retriever) and the real action server:

- an answer that goes on to ask (户号 顺便问下…) fills the prompt's slot from its first
  words, gets the question answered, and the form goes on to its next prompt;
- a clear question alone at a prompt, even with a figure in it, is answered and the
  prompt asked again, never read as a malformed answer;
- no figure of the question lands in a slot, and a payment never rides on a message
  that asked something else."""
from __future__ import annotations

import re

import httpx
import pytest

from services.billing.models import Account
from scripts.stack import Stack
from tests.stack import Customer, take_spare

pytestmark = pytest.mark.conversation

SECOND_QUESTION = "您还问到"


@pytest.fixture
def prepaid(stack: Stack) -> tuple[str, str]:
    return take_spare(stack, Account.billing_mode == "prepaid")


def payments(billing: httpx.Client, account_no: str) -> list[dict]:
    return billing.get(f"/accounts/{account_no}/payments").json()["payments"]


def up_to_the_identity_prompt(customer: Customer, opening: str, account_no: str) -> None:
    """A top-up opened and its 户号 given: the bot asks for the phone's last four."""
    assert "户号" in Customer.text_of(customer.say(opening))
    assert "后4位" in Customer.text_of(customer.say(account_no))


def confirmed_amount(text: str) -> str | None:
    match = re.search(r"缴纳电费(\d+\.\d\d)元", text)
    return match[1] if match else None


def test_an_account_number_then_a_question_fills_the_form_and_answers_it(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    account_no, last4 = spare_account
    assert "户号" in Customer.text_of(customer.say("帮我看下电费"))
    text = Customer.text_of(customer.say(f"{account_no} 顺便问一下 过户需要哪些材料"))
    assert SECOND_QUESTION in text and "身份证" in text  # the question answered …
    assert text.rstrip().endswith("后4位。")  # … then the form's next prompt
    assert "10位数字" not in text
    assert "电费账单" in Customer.text_of(customer.say(last4))


def test_the_last_four_then_a_question_verifies_and_answers(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    account_no, last4 = prepaid
    before = payments(billing, account_no)
    up_to_the_identity_prompt(customer, "我想充点电费", account_no)
    text = Customer.text_of(customer.say(f"{last4} 另外 违约金是怎么收的"))
    assert SECOND_QUESTION in text and "千分之一" in text
    assert "预存多少" in text.split("依据")[-1]  # verified: the amount is asked next
    assert confirmed_amount(text) is None  # the four digits are no amount
    customer.say("取消")
    assert payments(billing, account_no) == before


def test_an_amount_then_a_question_keeps_the_amount_and_its_figure_never_lands(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    account_no, last4 = prepaid
    before = payments(billing, account_no)
    up_to_the_identity_prompt(customer, "交电费", account_no)
    customer.say(last4)
    text = Customer.text_of(customer.say("八十块 对了 电费发票在哪开"))
    assert SECOND_QUESTION in text and "发票" in text
    assert confirmed_amount(text) == "80.00"
    # at the confirmation: a yes that asks something with another figure pays nothing,
    # keeps the amount, and the confirmation is asked again on its own
    text = Customer.text_of(customer.say("嗯 顺便问下充500块能不能开发票"))
    assert confirmed_amount(text) == "80.00" and "500.00" not in text
    assert payments(billing, account_no) == before
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    seen = {p["payment_id"] for p in before}
    assert [p["amount"] for p in payments(billing, account_no) if p["payment_id"] not in seen] == ["80.00"]


@pytest.mark.parametrize("question,answer_word", [
    ("欠费超过30天会不会停电", "停电"),   # a figure in it: no 户号 format error
    ("微信上能交电费吗", "微信"),
])
def test_a_clear_question_at_the_account_prompt_is_answered_and_the_prompt_repeated(
    customer: Customer, question: str, answer_word: str
) -> None:
    customer.say("查一下电费")
    text = Customer.text_of(customer.say(question))
    assert answer_word in text and "依据" in text
    assert "10位数字" not in text and "户号" in text.split("依据")[-1]  # asked again, no format error


def test_a_usage_cost_question_at_the_amount_prompt_is_computed_not_paid(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    account_no, last4 = prepaid
    up_to_the_identity_prompt(customer, "我要预存电费", account_no)
    customer.say(last4)
    text = Customer.text_of(customer.say("要是一个月用200度得交多少"))
    assert "用电200度" in text and "电费约" in text  # the computation
    assert confirmed_amount(text) is None and "预存多少" in text.split("依据")[-1]  # then the amount asked again
    customer.say("取消")


def test_a_question_with_a_figure_at_the_identity_prompt_is_no_identity_answer(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    account_no, last4 = spare_account
    customer.say("查下电费")
    customer.say(account_no)
    text = Customer.text_of(customer.say("逾期3天要交违约金吗"))
    assert "违约金" in text and "依据" in text  # answered …
    assert "不一致" not in text and "4位数字" not in text  # … not checked as the last four
    assert text.rstrip().endswith("后4位。")  # and the prompt asked again
    assert "电费账单" in Customer.text_of(customer.say(last4))
