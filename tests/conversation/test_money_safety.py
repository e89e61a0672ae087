"""Money safety in the top-up and the identity check, through the gateway, the real Rasa
server and the real action server (../shared/reference/dialogue-checklist.md, "Slots and
money"): an amount is only what the customer said as one, a payment happens only in
answer to its own confirmation prompt, and identity failures count per account."""
from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import exists

from services.billing.models import Account, Bill
from services.masking import mask_account_no
from tests.stack import Customer, take_spare

pytestmark = pytest.mark.conversation

# (户号, last four) of every demo account: 1234 is a valid amount, 5678 is over the limit.
DEMO_ACCOUNTS = [("3300000001", "5678"), ("3300000002", "1234"), ("3300000003", "2468"), ("1100000001", "9753")]
AMOUNT_FIRST = [("我要交一块钱电费", "1.00"), ("充五十块电费", "50.00"), ("预存两百元电费", "200.00"),
                ("缴300电费", "300.00"), ("交个一百五的电费", "150.00")]


def payments(billing: httpx.Client, account_no: str) -> list[dict]:
    return billing.get(f"/accounts/{account_no}/payments").json()["payments"]


def new_payments(billing: httpx.Client, account_no: str, before: list[dict]) -> list[dict]:
    seen = {p["payment_id"] for p in before}
    return [p for p in payments(billing, account_no) if p["payment_id"] not in seen]


def confirmation_amount(text: str) -> str | None:
    """The amount a confirmation prompt proposes ("缴纳电费100.00元")."""
    match = re.search(r"缴纳电费(\d+\.\d\d)元", text)
    return match[1] if match else None


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a[0])
@pytest.mark.parametrize("opening", AMOUNT_FIRST, ids=lambda o: o[1])
def test_amount_given_first_is_the_amount_confirmed_and_charged(
    customer: Customer, billing: httpx.Client, account: tuple[str, str], opening: tuple[str, str]
) -> None:
    (account_no, last4), (words, amount) = account, opening
    before = payments(billing, account_no)
    assert "户号" in Customer.text_of(customer.say(words))
    assert "后4位" in Customer.text_of(customer.say(account_no))
    confirm = Customer.text_of(customer.say(last4))  # the four digits are the identity check, nothing else
    assert confirmation_amount(confirm) == amount, confirm
    assert mask_account_no(account_no) in confirm
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    paid = new_payments(billing, account_no, before)
    assert [Decimal(p["amount"]) for p in paid] == [Decimal(amount)]


def test_last_four_digits_never_become_the_amount(customer: Customer, billing: httpx.Client) -> None:
    account_no, last4 = "3300000002", "1234"  # 1234 would be a valid amount
    before = payments(billing, account_no)
    customer.say("我要交电费")
    customer.say(account_no)
    asked = Customer.text_of(customer.say(last4))
    assert "多少" in asked and confirmation_amount(asked) is None  # asked for the amount, proposed nothing
    assert confirmation_amount(Customer.text_of(customer.say("二十块"))) == "20.00"
    customer.say("取消")
    assert new_payments(billing, account_no, before) == []


def test_last_four_over_the_limit_is_not_read_as_an_amount(customer: Customer) -> None:
    customer.say("我要交十块钱电费")
    customer.say("3300000001")
    confirm = Customer.text_of(customer.say("5678"))
    assert confirmation_amount(confirm) == "10.00" and "5000" not in confirm
    customer.say("取消")


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a[0])
def test_everything_said_in_the_first_message_is_used_and_checked(
    customer: Customer, billing: httpx.Client, account: tuple[str, str]
) -> None:
    (account_no, last4) = account
    before = payments(billing, account_no)
    confirm = Customer.text_of(customer.say(f"交电费 户号{account_no} 手机尾号{last4} 交两百"))
    assert confirmation_amount(confirm) == "200.00", confirm  # nothing asked again
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    assert [Decimal(p["amount"]) for p in new_payments(billing, account_no, before)] == [Decimal("200.00")]


def test_a_wrong_last_four_in_the_first_message_is_a_failed_check(customer: Customer) -> None:
    said = Customer.text_of(customer.say("查电费 3300000003 尾号1111"))
    assert "不正确" in said or "不一致" in said or "不匹配" in said, said
    assert "元" not in said  # no bill before the check passes


def test_the_digits_of_a_bare_account_number_are_not_a_check(customer: Customer) -> None:
    asked = Customer.text_of(customer.say("查电费 3300000003"))
    assert "后4位" in asked and "不正确" not in asked


def test_a_stray_yes_after_an_faq_pays_nothing(customer: Customer, billing: httpx.Client) -> None:
    account_no, last4 = "3300000002", "1234"
    before = payments(billing, account_no)
    customer.say("我要交电费")
    customer.say(account_no)
    customer.say(last4)  # now asked for the amount
    faq = Customer.text_of(customer.say("过户需要什么材料"))
    assert "过户" in faq and "多少" in faq  # answered, then the amount is asked again
    after_yes = Customer.text_of(customer.say("好的"))
    assert "缴费成功" not in after_yes and "多少" in after_yes
    assert new_payments(billing, account_no, before) == []


def test_an_faq_at_the_confirmation_asks_the_confirmation_again(customer: Customer, billing: httpx.Client) -> None:
    account_no, last4 = "3300000002", "1234"
    before = payments(billing, account_no)
    customer.say("交五十块电费")
    customer.say(account_no)
    assert confirmation_amount(Customer.text_of(customer.say(last4))) == "50.00"
    faq = Customer.text_of(customer.say("发票怎么开"))
    assert "发票" in faq and confirmation_amount(faq) == "50.00"  # the yes that follows answers this prompt
    assert new_payments(billing, account_no, before) == []
    assert "缴费成功" in Customer.text_of(customer.say("好的"))
    assert [p["amount"] for p in new_payments(billing, account_no, before)] == ["50.00"]
    # after the payment a 嗯 neither pays again nor replays the receipt
    assert "缴费成功" not in Customer.text_of(customer.say("嗯"))
    assert len(new_payments(billing, account_no, before)) == 1


@pytest.mark.parametrize("change", ["改成两百", "不对 我是充两百", "等下 改成两百吧"])
def test_changing_the_amount_at_the_confirmation_asks_again(customer: Customer, billing: httpx.Client,
                                                            change: str) -> None:
    account_no, last4 = "3300000003", "2468"
    before = payments(billing, account_no)
    customer.say("我要交一百块电费")
    customer.say(account_no)
    assert confirmation_amount(Customer.text_of(customer.say(last4))) == "100.00"
    changed = customer.say(change)
    assert confirmation_amount(Customer.text_of(changed)) == "200.00", Customer.text_of(changed)
    assert "再见" not in Customer.text_of(changed)
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    assert [p["amount"] for p in new_payments(billing, account_no, before)] == ["200.00"]


def test_an_amount_from_a_bill_lookup_does_not_preset_the_next_top_up(customer: Customer) -> None:
    customer.say("上个月交了200块怎么还欠费")
    customer.say("3300000001")
    customer.say("5678")  # the bill
    asked = Customer.text_of(customer.say("交电费"))
    assert "多少" in asked and confirmation_amount(asked) is None


@pytest.mark.parametrize("prompt_turns,expected", [
    ([], "为了保护"),                 # at the 户号 prompt: the top-up asks for the 户号's check after its own 户号
    (["3300000001"], "为了保护"),     # at the last-four prompt: the 户号 is kept, the check is asked
])
def test_a_new_request_at_a_bill_prompt_switches_to_the_top_up(customer: Customer, prompt_turns: list[str],
                                                                 expected: str) -> None:
    customer.say("查电费")
    for turn in prompt_turns:
        customer.say(turn)
    switched = Customer.text_of(customer.say("我要交电费"))
    assert "10位数字" not in switched and "后4位数字。" not in switched  # not read as a wrong answer
    if prompt_turns:
        assert expected in switched
    else:
        assert "户号" in switched


def test_a_bill_request_at_the_amount_prompt_shows_the_bill(customer: Customer, billing: httpx.Client) -> None:
    account_no, last4 = "3300000001", "5678"
    customer.say("我要交电费")
    customer.say(account_no)
    assert "多少" in Customer.text_of(customer.say(last4))
    bill = Customer.text_of(customer.say("先帮我查一下电费"))
    latest = billing.get(f"/accounts/{account_no}").json()["latest_bill"]
    assert f"{latest['total_amount']}元" in bill


def test_repeating_the_account_number_does_not_reset_the_failure_count(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    account_no, last4 = spare_account
    wrong = [w for w in ("0001", "0002", "0003", "0004") if w != last4]
    customer.say(f"帮我查{account_no}的电费")
    customer.say(wrong[0])
    customer.say(wrong[1])
    customer.say(account_no)  # the 户号 again: the service still counts two failures
    locked = customer.say(wrong[2])
    assert "暂停" in Customer.text_of(locked) and "元" not in Customer.text_of(locked)
    assert locked["state"] == "handoff"  # locked: a human takes it from here (issue 13)


def test_the_amount_prompt_says_what_is_owed(customer: Customer, billing: httpx.Client, stack) -> None:
    owing = take_spare(stack, Account.billing_mode == "postpaid",
                       exists().where(Bill.account_no == Account.account_no, Bill.paid.is_(False)))
    customer.say("我一共还要交多少钱才能把电费都交清")
    customer.say(owing[0])
    text = Customer.text_of(customer.say(owing[1]))
    unpaid = billing.get(f"/accounts/{owing[0]}").json()["unpaid_total"]
    assert f"{unpaid}元" in text


@pytest.mark.parametrize("words", ["全部交清", "欠多少交多少"])
def test_paying_everything_typed_at_the_amount_prompt_proposes_the_owed_total(
    customer: Customer, billing: httpx.Client, stack, words: str
) -> None:
    owing = take_spare(stack, Account.billing_mode == "postpaid",
                       exists().where(Bill.account_no == Account.account_no, Bill.paid.is_(False)))
    before = payments(billing, owing[0])
    customer.say("我要交电费")
    customer.say(owing[0])
    customer.say(owing[1])
    unpaid = billing.get(f"/accounts/{owing[0]}").json()["unpaid_total"]
    confirm = Customer.text_of(customer.say(words))  # typed instead of tapping 缴清…元
    assert confirmation_amount(confirm) == unpaid, confirm
    customer.say("取消")
    assert new_payments(billing, owing[0], before) == []


def test_paying_everything_with_nothing_owed_proposes_no_amount(customer: Customer) -> None:
    customer.say("我要交电费")
    customer.say("3300000002")  # prepaid: owes nothing
    customer.say("1234")
    text = Customer.text_of(customer.say("全部交清"))
    assert confirmation_amount(text) is None and "多少" in text


def test_thanks_and_nothing_more_at_a_prompt_leaves_the_top_up(customer: Customer) -> None:
    customer.say("我要交电费")
    customer.say("3300000003")
    customer.say("2468")
    text = Customer.text_of(customer.say("好的谢谢 没别的事了"))
    assert "多少" not in text  # not asked for the amount again
    assert confirmation_amount(Customer.text_of(customer.say("100"))) is None  # the form was left
