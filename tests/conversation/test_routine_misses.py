"""Classes of miss customers still hit in routine conversations (issue 9, dialogue
checklist), each through the gateway, the real Rasa server and the real action server,
in wordings of their own:

- the bill named and nothing asked of it (电费的事) is asked about, look it up or pay it,
  with the two choices as buttons (spoken on a call), and never starts a form;
- a usage-cost question at the bill lookup's prompts is computed, then the prompt asked
  again;
- a second question that is not about power, asked after an answer (户号 顺便问一下…),
  gets the out-of-scope reply and the form's next prompt; none of it fills a slot;
- a correction at the top-up's confirmation (不对 换成六十, 不是四十 是七十) changes the
  amount to the one said last and asks again, it does not cancel;
- a rule question the classifier takes for a goodbye (稍等 我先问一下…) is answered, and
  the form goes on: it does not end the conversation;
- the whole mobile given at the last-four prompt is checked by its last four; 户号不记得了
  at the 户号 prompt asks again (the prompt says where to find it), with no format error;
- a 户号 typed at the amount prompt is no amount (no "over the limit" reply);
- a 户号 read out on its own outside a form is a 户号, not out of scope;
- an amount said in Chinese numerals after a pay verb (充值八十) is kept, and a decimal
  read out (零点八元) is 0.80, never 8 yuan;
- a request to pay said with all its answers (想充八十块 户号… 尾号…) is a top-up, not a
  bare answer to ask about;
- a month at the 户号 prompt (看9月的) is kept, with no format error; 电费 at the
  confirmation asks the confirmation again;
- "why so high" with the why last (比上个月多了好多 咋回事) gets the comparison;
- the outage report takes up a second question too (地址 顺便问下…), and 对了 starts one;
- a greeting before a colloquial request (喂 喂 我看下电费) is the request;
- a request followed by a question not ours (我家停电了 顺便问下…) is the request, with the
  out-of-scope reply, never "I did not understand";
- 那就交了吧 after a bill starts the top-up (it is no stray yes, nor a no), and at the
  confirmation it neither cancels nor pays (asked again), while a yes said with pay
  words (好 交吧) pays the amount shown; a complaint followed by a question not ours is
  still a complaint;
- a self-correction at the amount prompt (三十 不对 四十, 改成四十) takes the last figure,
  never cancels or says out of scope;
- a customer who cannot give the last four (手机号早换了, 尾号记不清了) is told kindly that
  the check cannot be passed here and offered a human, never the out-of-scope reply;
- 等等 / 稍等 at a prompt or at the confirmation just waits: a short acknowledgement and
  the prompt again, nothing paid, nothing cancelled;
- the weather's temperature (明天几度, 今天外面多少度) is out of scope, its 度 no kWh;
- 全部 / 全交了 at the amount prompt when nothing is owed says so and asks again;
- Chinese digits read out one by one (二四六八, 三三零零) are a digit string: the last four
  at its prompt, never an amount (两百 still is);
- 等等 when nothing is asked is only acknowledged (take your time), never out of scope;
- a request followed by a question not ours is answered (its reply or prompt) first, then
  "另外…" says the question is not ours; a complaint or 转人工 too, before the hand-over;
- a greeting before a wait (喂 稍等一下) is only waited for, outside a form, at a prompt
  and at the confirmation (nothing paid until confirmed);
- digits alone outside a form (三六九二, 4821) are asked what they are for, with buttons
  that carry nothing: no guessed amount, no "I did not understand";
- a yes (好的, 可以的, 行, 帮我转一下) to the human offered when the last four cannot be
  given hands the conversation over; a yes to the prompt alone does not.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from scripts.stack import Stack
from tests.conversation.test_account_questions import buttons
from tests.conversation.test_questions_in_forms import confirmed_amount, payments, prepaid  # noqa: F401 (fixture)
from tests.conversation.test_voice import AsrGateway
from tests.conversation.test_widget_payload import press
from tests.stack import Customer

pytestmark = pytest.mark.conversation

OUT_OF_SCOPE = "不在我的服务范围"
ASK_ACCOUNT = "10位户号"
ASK_LAST4 = "后4位"
FORMAT_ERRORS = ("10位数字", "请输入该户号登记手机号码的后4位数字", "没听清金额", "单笔缴费金额")
GREETING_REPLY = "请问有什么可以帮您"  # utter_greet's question


@contextmanager
def paying_nothing(billing: httpx.Client, account_no: str) -> Iterator[None]:
    """Whatever the conversation inside does, no payment is made on the account."""
    before = payments(billing, account_no)
    yield
    assert payments(billing, account_no) == before


def paid_since(billing: httpx.Client, account_no: str, seen: set[str]) -> list[str]:
    """Amounts of the account's payments whose ids are not in ``seen``."""
    return [p["amount"] for p in payments(billing, account_no) if p["payment_id"] not in seen]


def payment_ids(billing: httpx.Client, account_no: str) -> set[str]:
    return {p["payment_id"] for p in payments(billing, account_no)}


def at_the_confirmation(customer: Customer, account: tuple[str, str], billing: httpx.Client,
                        amount_words: str, amount: str) -> set[str]:
    """A top-up up to its confirmation of ``amount``; the ids of the payments made before."""
    seen = payment_ids(billing, account[0])
    to_the_confirmation(customer, account, amount_words, amount)
    return seen


def to_the_amount_prompt(customer: Customer, opening: str, account: tuple[str, str]) -> str:
    account_no, last4 = account
    assert ASK_ACCOUNT in Customer.text_of(customer.say(opening))
    assert ASK_LAST4 in Customer.text_of(customer.say(account_no))
    return Customer.text_of(customer.say(last4))


def said_at_the_amount_prompt(customer: Customer, account: tuple[str, str], billing: httpx.Client,
                              opening: str, words: str) -> str:
    """The bot's answer to ``words`` at a top-up's amount prompt; the top-up is then
    cancelled, and nothing is paid."""
    with paying_nothing(billing, account[0]):
        to_the_amount_prompt(customer, opening, account)
        text = Customer.text_of(customer.say(words))
        customer.say("取消")
    return text


def to_the_confirmation(customer: Customer, account: tuple[str, str], amount_words: str, amount: str) -> None:
    """A top-up up to its confirmation prompt, which proposes ``amount``."""
    to_the_amount_prompt(customer, "交电费", account)
    assert confirmed_amount(Customer.text_of(customer.say(amount_words))) == amount


# ------------------------------------------------------------- the bill named alone

@pytest.mark.parametrize("words", ["电费的事情", "嗯 那个电费", "我想搞一下电费"])
def test_the_bill_named_alone_is_asked_about_with_two_buttons(customer: Customer, words: str) -> None:
    reply = customer.say(words)
    text = Customer.text_of(reply)
    assert "查电费" in text and "交电费" in text and ASK_ACCOUNT not in text
    assert buttons(reply) == {"查电费": "/query_bill", "交电费": "/top_up"}


def test_a_choice_pressed_after_the_question_starts_that_flow(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    customer.say("电费")
    assert ASK_ACCOUNT in Customer.text_of(press(customer, "查电费", "/query_bill"))
    account_no, last4 = spare_account
    customer.say(account_no)
    assert "电费账单" in Customer.text_of(customer.say(last4))


def test_the_bill_named_at_a_prompt_asks_the_prompt_again(customer: Customer) -> None:
    customer.say("帮我交下电费")
    text = Customer.text_of(customer.say("电费的"))
    assert ASK_ACCOUNT in text and not any(error in text for error in FORMAT_ERRORS)


def test_on_a_call_the_two_choices_are_read_out(gateway_url: str, stack: Stack, stack_db: None) -> None:
    asr = AsrGateway(gateway_url, stack.settings.voice_gateway_token)
    asr.start()
    heard = asr.say("嗯 我想问问电费")["speak"]["text"]
    assert "查电费" in heard and "交电费" in heard and "户号" not in heard
    assert "户号" in asr.say("交电费")["speak"]["text"]


# ------------------------------------------------------------- cost at the bill prompts

@pytest.mark.parametrize("question", ["要是用了二百五十度电要交多少钱", "一个月400度大概多少电费"])
def test_a_usage_cost_at_either_bill_prompt_is_computed_then_the_prompt_asked_again(
    customer: Customer, spare_account: tuple[str, str], question: str
) -> None:
    account_no, last4 = spare_account
    customer.say("看下我家电费")
    for prompt, answer in ((ASK_ACCOUNT, account_no), (ASK_LAST4, last4)):
        text = Customer.text_of(customer.say(question))
        assert "电费约" in text and prompt in text.split("依据")[-1]  # computed, then asked again
        assert "不一致" not in text and not any(error in text for error in FORMAT_ERRORS)
        reply = Customer.text_of(customer.say(answer))
    assert "电费账单" in reply


# ------------------------------------------------------------- a second question not ours

def test_an_account_number_then_a_question_not_about_power(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    account_no, last4 = spare_account
    customer.say("查下电费")
    text = Customer.text_of(customer.say(f"{account_no} 顺便问一下明天会不会下雨"))
    assert OUT_OF_SCOPE in text and "您还问到" not in text
    assert text.rstrip().endswith("后4位。")  # the 户号 was taken: the next prompt
    assert "电费账单" in Customer.text_of(customer.say(last4))


def test_an_amount_then_a_question_not_about_power_keeps_only_the_amount(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    text = said_at_the_amount_prompt(customer, prepaid, billing, "我要充电费", "六十块 顺便问问附近有啥好吃的")
    assert OUT_OF_SCOPE in text and confirmed_amount(text) == "60.00"


# ------------------------------------------------------------- a correction is no "no"

def test_a_correction_at_the_confirmation_changes_the_amount(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    account_no, _ = prepaid
    seen = at_the_confirmation(customer, prepaid, billing, "四十", "40.00")
    text = Customer.text_of(customer.say("不对不对 换成六十"))
    assert confirmed_amount(text) == "60.00" and "取消" in text and "已取消" not in text
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    assert paid_since(billing, account_no, seen) == ["60.00"]


def test_a_correction_naming_the_old_and_the_new_amount_takes_the_new_one(
    customer: Customer, prepaid: tuple[str, str]
) -> None:
    to_the_confirmation(customer, prepaid, "四十块", "40.00")
    text = Customer.text_of(customer.say("不是四十 是七十"))
    assert confirmed_amount(text) == "70.00" and "已取消" not in text
    customer.say("取消")


def test_a_rule_question_worded_as_leaving_is_answered_and_the_top_up_goes_on(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    with paying_nothing(billing, prepaid[0]):
        to_the_confirmation(customer, prepaid, "三十", "30.00")
        text = Customer.text_of(customer.say("稍等 我先问一下 逾期的违约金怎么收"))
        assert "再见" not in text and "千分之一" in text
        assert confirmed_amount(text.split("依据")[-1]) == "30.00"  # the confirmation again
        customer.say("取消")


# ------------------------------------------------------------- what answers an identity prompt

def test_the_whole_mobile_at_the_last_four_prompt_is_checked_by_its_last_four(customer: Customer) -> None:
    customer.say("帮我看看电费")
    customer.say("1100000001")
    assert "电费账单" in Customer.text_of(customer.say("登记的手机是18600009753"))


def test_a_forgotten_account_number_gets_the_prompt_not_a_format_error(customer: Customer) -> None:
    customer.say("查电费")
    text = Customer.text_of(customer.say("我户号不记得了"))
    assert ASK_ACCOUNT in text and "网上国网" in text and not any(e in text for e in FORMAT_ERRORS)


# ------------------------------------------------------------- a 户号 at the amount prompt

def test_the_same_account_number_at_the_amount_prompt_asks_the_amount_again(
    customer: Customer, prepaid: tuple[str, str]
) -> None:
    account_no, _ = prepaid
    to_the_amount_prompt(customer, "充值电费", prepaid)
    text = Customer.text_of(customer.say(account_no))
    assert "预存多少" in text and not any(error in text for error in FORMAT_ERRORS)
    customer.say("取消")


def test_another_account_number_at_the_amount_prompt_is_checked_as_the_new_account(
    customer: Customer, prepaid: tuple[str, str], spare_account: tuple[str, str]
) -> None:
    to_the_amount_prompt(customer, "充值电费", prepaid)
    other, other_last4 = spare_account
    text = Customer.text_of(customer.say(other))
    assert "换一个户号" in text and ASK_LAST4 in text and not any(e in text for e in FORMAT_ERRORS)
    assert "多少钱" in Customer.text_of(customer.say(other_last4))  # verified: the amount next
    customer.say("取消")


# ------------------------------------------------------------- figures read out

def test_an_account_number_read_out_alone_is_asked_what_it_is_for(customer: Customer) -> None:
    reply = customer.say("嗯 三三零零零零零零零二")
    assert OUT_OF_SCOPE not in Customer.text_of(reply)
    assert set(buttons(reply)) == {"查电费", "交电费"}, Customer.text_of(reply)
    assert "3300000002" in buttons(reply)["交电费"]


def test_an_amount_in_chinese_numerals_after_a_pay_verb_is_kept(
    customer: Customer, prepaid: tuple[str, str]
) -> None:
    text = to_the_amount_prompt(customer, "帮我充值八十", prepaid)
    assert confirmed_amount(text) == "80.00"
    customer.say("取消")


def test_a_decimal_amount_read_out_is_not_ten_times_more(
    customer: Customer, prepaid: tuple[str, str]
) -> None:
    to_the_amount_prompt(customer, "充电费", prepaid)
    assert confirmed_amount(Customer.text_of(customer.say("零点八元"))) == "0.80"
    customer.say("取消")


def test_a_request_to_pay_with_all_its_answers_goes_straight_to_the_confirmation(
    customer: Customer, prepaid: tuple[str, str]
) -> None:
    account_no, last4 = prepaid
    text = Customer.text_of(customer.say(f"想充八十块 户号{account_no} 尾号{last4}"))
    assert confirmed_amount(text) == "80.00"
    customer.say("取消")


# ------------------------------------------------------------- more at the prompts

def test_a_month_at_the_account_prompt_is_kept_without_a_format_error(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    account_no, last4 = spare_account
    _, at_the_prompt, _, answer = [Customer.text_of(customer.say(words))
                                   for words in ("查一下电费", "看9月的", account_no, last4)]
    assert ASK_ACCOUNT in at_the_prompt and not any(e in at_the_prompt for e in FORMAT_ERRORS)
    assert re.search(r"\d{4}年9月电费|9月的账单|没有查到\d{4}年9月", answer)  # the month was kept


def test_the_bill_named_at_the_confirmation_asks_it_again(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    with paying_nothing(billing, prepaid[0]):
        to_the_confirmation(customer, prepaid, "九十", "90.00")
        reply = customer.say("电费呢")
        assert confirmed_amount(Customer.text_of(reply)) == "90.00" and "查电费" not in buttons(reply)
        customer.say("取消")


def test_why_so_high_asked_with_the_why_last_gets_the_comparison(customer: Customer) -> None:
    customer.say("这个月比上个月多了好多电费 咋回事")
    customer.say("3300000003")
    text = Customer.text_of(customer.say("2468"))
    assert "上月" in text and "去年同期" in text


def test_the_outage_report_says_a_second_question_is_not_ours(customer: Customer) -> None:
    customer.say("家里没电了")
    text = Customer.text_of(customer.say("拱墅区莫干山路50号 顺便问一下 最近有啥好看的电视剧"))
    assert OUT_OF_SCOPE in text and "停电的范围" in text


def test_dui_le_starts_a_second_question(customer: Customer, prepaid: tuple[str, str]) -> None:
    to_the_amount_prompt(customer, "交电费", prepaid)
    text = Customer.text_of(customer.say("七十块 对了 后天星期几"))
    assert OUT_OF_SCOPE in text and confirmed_amount(text) == "70.00"
    customer.say("取消")


def test_a_greeting_before_a_colloquial_request_is_the_request(customer: Customer) -> None:
    assert ASK_ACCOUNT in Customer.text_of(customer.say("喂 你好 我查查电费"))


def test_a_request_then_a_question_not_ours_is_the_request(customer: Customer) -> None:
    text = Customer.text_of(customer.say("家里突然没电了 顺便问一下明天要不要带伞"))
    assert OUT_OF_SCOPE in text and "地址" in text and "没太听明白" not in text


@pytest.mark.parametrize("correction", ["三十 不对 四十", "改成四十吧"])
def test_a_self_correction_at_the_amount_prompt_takes_the_last_figure(
    customer: Customer, prepaid: tuple[str, str], correction: str
) -> None:
    to_the_amount_prompt(customer, "缴电费", prepaid)
    text = Customer.text_of(customer.say(correction))
    assert confirmed_amount(text) == "40.00" and OUT_OF_SCOPE not in text
    customer.say("取消")


def test_pay_it_then_after_a_bill_starts_the_top_up(customer: Customer, prepaid: tuple[str, str]) -> None:
    account_no, last4 = prepaid
    for words in ("帮我查下电费", account_no, last4):
        customer.say(words)
    assert "预存多少" in Customer.text_of(customer.say("那就充了吧"))  # verified: the amount asked
    customer.say("二十")
    text = Customer.text_of(customer.say("那交了吧"))
    assert confirmed_amount(text) == "20.00" and "已取消" not in text and "缴费成功" not in text
    customer.say("取消")


@pytest.mark.parametrize("words", ["好 交吧", "确认 缴了吧"])
def test_a_yes_with_pay_words_at_the_confirmation_pays_the_amount_shown(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client, words: str
) -> None:
    seen = at_the_confirmation(customer, prepaid, billing, "三十五", "35.00")
    assert "缴费成功" in Customer.text_of(customer.say(words))
    assert paid_since(billing, prepaid[0], seen) == ["35.00"]


def test_a_complaint_then_a_question_not_ours_is_still_a_complaint(customer: Customer) -> None:
    reply = customer.say("我要投诉你们 顺便问一下明天要不要带伞")
    assert "投诉已登记" in Customer.text_of(reply) and reply["state"] == "handoff"


# ------------------------------------------------------------- no last four to give

@pytest.mark.parametrize("words", ["手机号早换了", "尾号记不清了", "不知道当时留的哪个手机号"])
def test_no_last_four_to_give_is_told_kindly_and_offered_a_human(
    customer: Customer, spare_account: tuple[str, str], words: str
) -> None:
    customer.say("我要看看电费")
    assert ASK_LAST4 in Customer.text_of(customer.say(spare_account[0]))
    reply = customer.say(words)
    text = Customer.text_of(reply)
    assert "没法核验" in text and OUT_OF_SCOPE not in text and not any(e in text for e in FORMAT_ERRORS)
    assert buttons(reply).get("转人工") == "/request_human"
    assert press(customer, "转人工", "/request_human")["state"] == "handoff"


def test_the_last_four_found_after_all_still_verifies(customer: Customer, spare_account: tuple[str, str]) -> None:
    account_no, last4 = spare_account
    customer.say("查电费")
    customer.say(account_no)
    assert ASK_LAST4 in Customer.text_of(customer.say("预留的号码换过了"))
    assert "电费账单" in Customer.text_of(customer.say(last4))


# ------------------------------------------------------------- waiting

@pytest.mark.parametrize("words", ["等等", "你先稍等一下", "喂 你好 稍等啊"])  # a greeting adds nothing to it
def test_waiting_at_the_confirmation_asks_it_again_and_then_pays_that_amount(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client, words: str
) -> None:
    account_no, _ = prepaid
    seen = at_the_confirmation(customer, prepaid, billing, "五十五", "55.00")
    text = Customer.text_of(customer.say(words))
    assert "不着急" in text and OUT_OF_SCOPE not in text and "已取消" not in text and "缴费成功" not in text
    assert GREETING_REPLY not in text
    assert confirmed_amount(text) == "55.00"
    assert paid_since(billing, account_no, seen) == []  # waiting paid nothing
    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    assert paid_since(billing, account_no, seen) == ["55.00"]


@pytest.mark.parametrize("words", ["等一下 我找找", "在吗 等会儿"])
def test_waiting_at_the_last_four_prompt_asks_it_again(
    customer: Customer, spare_account: tuple[str, str], words: str
) -> None:
    account_no, last4 = spare_account
    customer.say("帮我查一下电费")
    customer.say(account_no)
    text = Customer.text_of(customer.say(words))
    assert "不着急" in text and ASK_LAST4 in text and OUT_OF_SCOPE not in text and GREETING_REPLY not in text
    assert "电费账单" in Customer.text_of(customer.say(last4))


# ------------------------------------------------------------- the weather's 度

@pytest.mark.parametrize("question", ["明天几度啊", "今天外面多少度", "杭州这两天气温怎么样"])
def test_the_weather_temperature_is_out_of_scope(customer: Customer, question: str) -> None:
    text = Customer.text_of(customer.say(question))
    assert OUT_OF_SCOPE in text and ASK_ACCOUNT not in text and "电费约" not in text


def test_the_weather_temperature_at_the_amount_prompt_fills_nothing(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    text = said_at_the_amount_prompt(customer, prepaid, billing, "交电费", "后天最高温度多少")
    assert OUT_OF_SCOPE in text and "预存多少" in text and confirmed_amount(text) is None


# ------------------------------------------------------------- paying all when nothing is owed

@pytest.mark.parametrize("words", ["全部", "全交了吧"])
def test_paying_all_when_nothing_is_owed_says_so_and_asks_the_amount_again(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client, words: str
) -> None:
    with paying_nothing(billing, prepaid[0]):
        to_the_amount_prompt(customer, "我要交电费", prepaid)
        text = Customer.text_of(customer.say(words))
        assert "没有欠费" in text and "预存多少" in text and OUT_OF_SCOPE not in text
        assert confirmed_amount(Customer.text_of(customer.say("三十"))) == "30.00"
        customer.say("取消")


# ------------------------------------------------------------- digits read out one by one

@pytest.mark.parametrize("digits", ["二四六八", "三三零零"])
def test_chinese_digits_read_out_alone_are_no_amount(customer: Customer, digits: str) -> None:
    text = Customer.text_of(customer.say(digits))
    assert "收到，" not in text and not re.search(r"\d+(\.\d+)?元", text)  # no "8.00元" to pay


def test_chinese_digits_read_out_at_the_last_four_prompt_are_the_last_four(customer: Customer) -> None:
    customer.say("帮我看一下电费")
    assert ASK_LAST4 in Customer.text_of(customer.say("3300000003"))
    text = Customer.text_of(customer.say("二四六八"))
    assert "电费账单" in text and not any(error in text for error in FORMAT_ERRORS)


def test_chinese_digits_read_out_at_the_amount_prompt_are_no_amount_but_two_hundred_is(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    with paying_nothing(billing, prepaid[0]):
        to_the_amount_prompt(customer, "我想充点电费", prepaid)
        assert confirmed_amount(Customer.text_of(customer.say("三三零零"))) is None
        assert confirmed_amount(Customer.text_of(customer.say("两百"))) == "200.00"
        customer.say("取消")


# ------------------------------------------------------------- waiting when nothing is asked

def test_waiting_to_look_for_the_account_number_asks_for_it_again(customer: Customer) -> None:
    customer.say("查电费")
    text = Customer.text_of(customer.say("等会儿 我找找户号"))
    assert "不着急" in text and ASK_ACCOUNT in text and not any(error in text for error in FORMAT_ERRORS)


@pytest.mark.parametrize("words", ["等等", "等一下啊", "喂喂 您稍等一下", "你好 等我一下哈"])
def test_waiting_when_nothing_is_asked_is_only_acknowledged(customer: Customer, words: str) -> None:
    reply = customer.say(words)
    assert [m["text"] for m in reply["messages"]] == ["好的，不着急，您慢慢来。"]


# ------------------------------------------------------------- the request first, then "not ours"

@pytest.mark.parametrize(("words", "first"), [
    ("我家停电了 顺便问下今天天气怎么样", "地址"),
    ("帮我查一下电费 另外想问问附近有啥好吃的", ASK_ACCOUNT),
    ("查下3300000001的电费 顺便问一下明天会下雨吗", ASK_LAST4),
    ("我要报修 顺便问一下明天天气", "地址"),  # no power word: the question's share is no doubt
    ("帮我查下电费 顺便问下明天几度", ASK_ACCOUNT),  # the weather's 度 is no kWh
])
def test_a_request_is_answered_before_its_question_not_ours(customer: Customer, words: str, first: str) -> None:
    text = Customer.text_of(customer.say(words))
    assert first in text and OUT_OF_SCOPE in text and text.count(OUT_OF_SCOPE) == 1
    assert text.index(first) < text.index(OUT_OF_SCOPE) and "另外" in text


# ------------------------------------------------------------- digits alone, outside a form

@pytest.mark.parametrize("digits", ["三六九二", "嗯 一三五七", "4821"])
def test_digits_alone_are_asked_what_they_are_for(customer: Customer, digits: str) -> None:
    reply = customer.say(digits)
    text = Customer.text_of(reply)
    assert "没太听明白" not in text and not re.search(r"\d+(\.\d+)?元", text)  # no guessed amount
    assert buttons(reply) == {"查电费": "/query_bill", "交电费": "/top_up"}  # carrying nothing


def test_an_amount_said_as_money_alone_is_still_proposed(customer: Customer) -> None:
    reply = customer.say("一百五十块")
    assert "150" in Customer.text_of(reply) and "150" in buttons(reply)["交电费"]


# ------------------------------------------------------------- yes to the human offered

@pytest.mark.parametrize(("cannot", "yes"), [("预留的手机号停用了", "好的"), ("尾号想不起来了", "可以的"),
                                             ("登记的电话不是我的了", "帮我转一下")])
def test_yes_to_the_human_offered_at_the_last_four_prompt_hands_over(
    customer: Customer, spare_account: tuple[str, str], cannot: str, yes: str
) -> None:
    customer.say("查一下我家电费")
    customer.say(spare_account[0])
    assert buttons(customer.say(cannot)).get("转人工") == "/request_human"
    assert customer.say(yes)["state"] == "handoff"


def test_yes_to_the_human_offered_in_a_top_up_hands_over_and_pays_nothing(
    customer: Customer, prepaid: tuple[str, str], billing: httpx.Client
) -> None:
    with paying_nothing(billing, prepaid[0]):
        customer.say("我想交点电费")
        customer.say(prepaid[0])
        customer.say("手机号早就换了")
        assert customer.say("行")["state"] == "handoff"


def test_a_yes_to_the_last_four_prompt_alone_is_no_request_for_a_human(
    customer: Customer, spare_account: tuple[str, str]
) -> None:
    customer.say("查一下我家电费")
    customer.say(spare_account[0])
    reply = customer.say("好的")
    assert reply["state"] == "bot" and ASK_LAST4 in Customer.text_of(reply)
    assert "电费账单" in Customer.text_of(customer.say(spare_account[1]))


# ------------------------------------------------------------- a complaint, then a question not ours

@pytest.mark.parametrize("words", ["你们把我电费算多了 我要投诉 另外问问今天限号吗",
                                   "我要投诉抄表员 顺便问一下周末商场几点关门"])
def test_a_complaint_then_a_question_not_ours_says_so_before_the_handover(customer: Customer, words: str) -> None:
    reply = customer.say(words)
    text = Customer.text_of(reply)
    assert "投诉已登记" in text and OUT_OF_SCOPE in text and reply["state"] == "handoff"
    assert text.index("投诉已登记") < text.index(OUT_OF_SCOPE) and text.count(OUT_OF_SCOPE) == 1


def test_a_request_for_a_human_then_a_question_not_ours_says_so_before_the_handover(customer: Customer) -> None:
    reply = customer.say("给我接人工 顺便问下今天有没有雾霾")
    text = Customer.text_of(reply)
    assert "转接人工客服" in text and OUT_OF_SCOPE in text and reply["state"] == "handoff"
    assert text.index("转接人工客服") < text.index(OUT_OF_SCOPE)
