"""Real conversations through the gateway, the real Rasa server and the real action
server, against the billing service on a seeded database."""
from __future__ import annotations

import pytest

from actions.replies import month_zh
from services.masking import mask_account_no
from tests.stack import Customer
from tests.dates import months_ago

pytestmark = pytest.mark.conversation

# Demo accounts (services/billing/demo_accounts.yml).
POSTPAID_ARREARS = ("3300000001", "5678")
PREPAID_LOW = ("3300000002", "1234")
TOU = ("3300000003", "2468")


def test_health_reports_every_component_up(customer: Customer) -> None:
    health = customer.client.get("/healthz")
    assert health.status_code == 200, health.text
    assert set(health.json()["components"].values()) == {"up"}


def test_greet_then_bill_lookup_asks_for_missing_slots(customer: Customer, billing) -> None:
    greeting = customer.say("你好")
    assert "电力" in Customer.text_of(greeting)

    asked = Customer.text_of(customer.say("我想查一下电费"))
    assert "户号" in asked

    account_no, last4 = POSTPAID_ARREARS
    asked = Customer.text_of(customer.say(f"户号是{account_no}"))
    assert "后4位" in asked

    answer = customer.say(last4)
    text = Customer.text_of(answer)
    latest = billing.get(f"/accounts/{account_no}").json()["latest_bill"]
    assert mask_account_no(account_no) in text
    assert month_zh(latest["period"]) in text
    assert f"{latest['total_amount']}元" in text
    assert account_no not in text  # the full 户号 is never echoed


def test_bill_for_last_month_by_spoken_account_number(customer: Customer, billing) -> None:
    customer.say("帮我查下上个月的电费")
    customer.say("三三零零零零零零零三")  # TOU demo account, spoken digit by digit
    text = Customer.text_of(customer.say(TOU[1]))
    bill = billing.get(f"/accounts/{TOU[0]}/bills", params={"month": months_ago(1)}).json()["bills"][0]
    assert month_zh(months_ago(1)) in text
    assert f"{bill['total_amount']}元" in text
    assert "峰" in text and "谷" in text  # time-of-use breakdown shown


def test_three_wrong_answers_lock_the_account_and_offer_a_human(customer: Customer, gateway_url: str,
                                                                  spare_account: tuple[str, str]) -> None:
    account_no, last4 = spare_account
    wrong = [w for w in ("0000", "1111", "2222", "3333") if w != last4][:3]
    customer.say("查电费")
    customer.say(account_no)
    assert "还可以尝试2次" in Customer.text_of(customer.say(wrong[0]))
    assert "还可以尝试1次" in Customer.text_of(customer.say(wrong[1]))
    locked = customer.say(wrong[2])
    assert "暂停" in Customer.text_of(locked)
    assert locked["state"] == "handoff"  # a human takes it from here (issue 13)

    # The lock holds for the account, even with the right answer: a new conversation
    # hears it from the service.
    newcomer = Customer(gateway_url)
    newcomer.say("查电费")
    assert "后4位" in Customer.text_of(newcomer.say(account_no))
    again = Customer.text_of(newcomer.say(last4))
    assert "暂停" in again and "元" not in again


def test_top_up_with_repeated_confirmation_charges_once(customer: Customer, billing) -> None:
    account_no, last4 = PREPAID_LOW
    before = billing.get(f"/accounts/{account_no}/payments").json()["payments"]
    customer.say("我要交电费")
    customer.say(account_no)
    customer.say(last4)
    confirm = Customer.text_of(customer.say("一百块"))
    assert mask_account_no(account_no) in confirm and "100.00元" in confirm

    assert "缴费成功" in Customer.text_of(customer.say("确认"))
    repeated = Customer.text_of(customer.say("确认"))  # a yes to nothing: acknowledged, not paid
    assert "缴费成功" not in repeated

    after = billing.get(f"/accounts/{account_no}/payments").json()["payments"]
    new = [p for p in after if p["payment_id"] not in {q["payment_id"] for q in before}]
    assert len(new) == 1 and new[0]["amount"] == "100.00"


def test_top_up_cancelled_midway_takes_no_money(customer: Customer, billing) -> None:
    account_no, last4 = POSTPAID_ARREARS
    before = len(billing.get(f"/accounts/{account_no}/payments").json()["payments"])
    customer.say("交电费")
    customer.say(account_no)
    assert "多少" in Customer.text_of(customer.say(last4))  # now asking for the amount
    cancelled = Customer.text_of(customer.say("算了，取消吧"))
    assert "取消" in cancelled
    # The form is gone: a bare amount now starts nothing and pays nothing.
    customer.say("一百块")
    assert len(billing.get(f"/accounts/{account_no}/payments").json()["payments"]) == before


def test_asking_for_a_human_hands_the_conversation_over(customer: Customer) -> None:
    customer.say("查电费")
    handed = customer.say("转人工")
    assert handed["state"] == "handoff"
    waiting = customer.say("我的电表好像坏了")
    assert waiting["state"] == "handoff"
    assert "人工" in Customer.text_of(waiting)


# A greeting and then a request, as callers open (voice transcripts): (words, the request's intent)
GREETING_THEN_REQUEST = [("喂 您好 我家里停电了 要报修", "report_outage"), ("早上好啊 我想查一下电费", "query_bill"),
                         ("你好 请问过户要带什么材料", "faq"), ("哈喽 帮我交两百块电费", "top_up")]


@pytest.mark.parametrize("text,intent", GREETING_THEN_REQUEST, ids=[t for t, _ in GREETING_THEN_REQUEST])
def test_a_greeting_followed_by_a_request_is_the_request(customer: Customer, text: str, intent: str) -> None:
    parsed = customer.client.post("/api/v1/nlu/parse", json={"text": text}).json()
    assert parsed["intent"]["name"] == intent, parsed["intent"]


@pytest.mark.parametrize("text", ["喂 你好", "你好 在吗", "您好呀 我想问点事"])
def test_a_greeting_alone_is_greeted(customer: Customer, text: str) -> None:
    assert "有什么可以帮您" in Customer.text_of(customer.say(text))


def test_a_greeting_with_the_account_number_starts_the_bill_lookup(customer: Customer) -> None:
    asked = Customer.text_of(customer.say("喂 你好 我想问下我家电费 户号是三三零零零零零零零三"))
    assert "后4位" in asked
    assert "电费账单" in Customer.text_of(customer.say("二四六八"))


def test_nlu_parse_normalizes_entities(customer: Customer) -> None:
    parsed = customer.client.post("/api/v1/nlu/parse", json={"text": "我的户号是三三零一二三四五六七，查下上个月电费"}).json()
    assert parsed["intent"]["name"] == "query_bill"
    entities = {e["entity"]: e for e in parsed["entities"]}
    assert entities["account_no"]["value"] == "3301234567"
    assert entities["account_no"]["raw"] == "三三零一二三四五六七"
    assert entities["month"]["value"] == months_ago(1)


def test_nlu_parse_drops_vague_figures_and_reads_verification_digits(customer: Customer) -> None:
    def entities(text: str) -> dict:
        parsed = customer.client.post("/api/v1/nlu/parse", json={"text": text}).json()
        return {e["entity"]: e["value"] for e in parsed["entities"]}

    # "几千块" is no amount to act on, whichever span the tagger picked.
    assert "amount" not in entities("停电害我损失几千块 谁来赔")
    assert "kwh" not in entities("一个月用几百度电")
    assert entities("身份证后四位四四一零")["last4"] == "4410"
    assert entities("户号5107 3398 21 手机尾号6688") == {"account_no": "5107339821", "last4": "6688"}


def test_a_bare_account_number_first_is_kept_for_the_request_that_follows(customer: Customer) -> None:
    reply = customer.say(POSTPAID_ARREARS[0])
    buttons = {b["title"]: b["payload"] for m in reply["messages"] for b in m.get("buttons") or []}
    assert buttons["查电费"].startswith("/query_bill") and buttons["交电费"].startswith("/top_up")
    # The button's request skips straight to the identity check: the 户号 is known.
    assert "后4位" in Customer.text_of(customer.say(buttons["查电费"]))


def test_changing_the_account_midway_starts_the_identity_check_over(customer: Customer, billing) -> None:
    customer.say("查电费")
    customer.say(POSTPAID_ARREARS[0])
    assert "户号" in Customer.text_of(customer.say("换个户号吧"))
    assert "后4位" in Customer.text_of(customer.say(TOU[0]))
    text = Customer.text_of(customer.say(TOU[1]))
    assert mask_account_no(TOU[0]) in text
    latest = billing.get(f"/accounts/{TOU[0]}").json()["latest_bill"]
    assert f"{latest['total_amount']}元" in text


def test_business_question_then_follow_up_from_the_same_topic(customer: Customer) -> None:
    answer = Customer.text_of(customer.say("买了二手房，电费户名要怎么过户"))
    assert "过户" in answer and "依据" in answer
    materials = Customer.text_of(customer.say("那需要带什么材料"))
    assert "过户" in materials and "身份证" in materials


def test_tariff_question_computes_from_the_tariff_table(customer: Customer) -> None:
    text = Customer.text_of(customer.say("用了300度电要交多少钱"))
    assert "300" in text and "元" in text and "依据" in text


@pytest.mark.parametrize("text,intent", [
    ("帮我交100块话费", "out_of_scope"), ("查一下我的信用卡账单", "out_of_scope"),  # another bill, named
    ("发票怎么开", "faq"), ("欠多少", "query_bill"),                               # ours, by their words
    ("我不是投诉 就是想查一下上个月的电费", "query_bill"),                           # 不是投诉 is believed
])
def test_words_that_make_the_intent_certain(customer: Customer, text: str, intent: str) -> None:
    parsed = customer.client.post("/api/v1/nlu/parse", json={"text": text}).json()
    assert parsed["intent"]["name"] == intent, parsed["intent"]


def test_after_an_faq_answer_an_unrelated_question_is_still_out_of_scope(customer: Customer) -> None:
    assert "过户" in Customer.text_of(customer.say("买了二手房，电费户名要怎么过户"))
    assert "不在我的服务范围" in Customer.text_of(customer.say("今天天气怎么样"))


@pytest.mark.parametrize("question", ["你叫什么名字", "你是机器人吗"])
def test_questions_about_the_bot_itself_are_in_scope(customer: Customer, question: str) -> None:
    text = Customer.text_of(customer.say(question))
    assert "小电" in text and "不在我的服务范围" not in text
