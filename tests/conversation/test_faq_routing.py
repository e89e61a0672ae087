"""Questions about rules worded with service words (issue 9 §4), through the gateway, the
real Rasa server (KnowledgeRouter asking the real knowledge-graph retriever in the
services process) and the real action server: answered from the knowledge graph, never
started as the service flow their words resemble; inside a form the answer comes and
the form asks its question again."""
from __future__ import annotations

import pytest

from tests.stack import Customer

pytestmark = pytest.mark.conversation

# (question, a word of the knowledge graph's answer): the service flow the words resemble
RULE_QUESTIONS = [
    ("晚交电费会收多少违约金", "违约金"),                  # forecast_bill / query_bill words
    ("电表走得太快了 能申请检测一下吗", "校验"),           # complain words
    ("抢修人员一般多久能到", "平均到达"),                  # query_outage words
    ("买了二手房 户头怎么改成我的", "过户"),               # once "not confident"
]


@pytest.mark.parametrize("question,answer_word", RULE_QUESTIONS, ids=[q for q, _ in RULE_QUESTIONS])
def test_a_rule_question_in_service_words_gets_the_knowledge_graph_answer(
    customer: Customer, question: str, answer_word: str
) -> None:
    parsed = customer.client.post("/api/v1/nlu/parse", json={"text": question}).json()
    assert parsed["intent"]["name"] == "faq", parsed["intent"]
    text = Customer.text_of(customer.say(question))
    assert answer_word in text and "依据" in text
    assert "户号" not in text and "非常抱歉" not in text  # no service flow, no complaint apology


# Worded as requests or with a complaint word, answered all the same (found by trying
# the bot as customers would): (what the customer types, a word of the right answer)
ASKED_AS_REQUESTS = [
    ("给我们公司开张电费发票", "发票"),
    ("电费付过了怎么还没到账", "交费凭证"),
    ("不是投诉哈 我就想知道电费咋算的", "阶梯"),
]


@pytest.mark.parametrize("question,answer_word", ASKED_AS_REQUESTS, ids=[q for q, _ in ASKED_AS_REQUESTS])
def test_a_question_worded_as_a_request_gets_its_answer(customer: Customer, question: str, answer_word: str) -> None:
    text = Customer.text_of(customer.say(question))
    assert answer_word in text, text
    for wrong in ("非常抱歉", "不太确定", "没太听明白", "不在我的服务范围", "10位户号"):
        assert wrong not in text, text


@pytest.mark.parametrize("request_text,first_words", [
    ("帮我查下上个月电费", "户号"), ("我要交电费", "户号"),
])
def test_a_service_request_still_starts_its_flow(customer: Customer, request_text: str, first_words: str) -> None:
    assert first_words in Customer.text_of(customer.say(request_text))


def test_a_clear_question_inside_a_form_is_answered_and_the_form_resumes(customer: Customer) -> None:
    assert "户号" in Customer.text_of(customer.say("查电费"))
    text = Customer.text_of(customer.say("对了 欠费多久会被停电"))
    assert "停电" in text and "依据" in text  # answered …
    assert "户号" in text.split("依据")[-1]  # … and the 户号 asked again
    customer.say("3300000003")
    assert "电费账单" in Customer.text_of(customer.say("2468"))


def test_an_everyday_request_is_out_of_scope_not_a_service(customer: Customer) -> None:
    text = Customer.text_of(customer.say("帮我订一张明天去北京的机票"))
    assert "不在我的服务范围" in text and "户号" not in text
