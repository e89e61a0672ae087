"""What customers read, checked against the facts it must state (issue 11).

Every test reads a RENDERED answer — the knowledge graph's composed answer or follow-up
answer, or the tariff reply — never the YAML, so a wording that slips past the data
still fails here.
"""
from __future__ import annotations

import re

import pytest

from actions.tariff import describe_tariff
from knowledge_graph.answers import answer_for, compose_answer, compose_aspect_answer, topic_sources
from knowledge_graph.aspects import ASPECTS
from knowledge_graph.graph import build_graph
from knowledge_graph.source import load_corpus
from scripts.audit_facts import foreign_words, internal_notes_in, newspapers_in, tariff_texts, topic_texts
from services.billing.service import tariff_overview
from services.regions import customer_province

OTHER_PROVINCES_TOU = ("上海", "广东", "江苏", "深圳")
CLOCK_TIME = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\s*(?:时|点)")


@pytest.fixture(scope="module")
def graph():
    return build_graph(load_corpus())


def province(text: str) -> str:
    return customer_province(text).key


def test_late_fee_is_the_national_rule(graph):
    for slug in ("late_fee", "arrears_disconnection"):
        answer = compose_answer(graph, slug)
        assert "次日" in answer and "居民用户每日按欠费金额的千分之一" in answer, slug
        assert "千分之二" in answer and "千分之三" in answer and "不足1元的按1元" in answer, slug
        assert "比例、起算日期各地规定不同" not in answer and "计算方式和起算日期以当地" not in answer, slug
        assert "依据：《供电营业规则》" in answer, slug
        # 不交会怎样 may land on either topic: both say power is cut only after written notice
        assert "经催交仍未交" in answer and "停电前3至7天会把停电通知书送达" in answer, slug


def test_late_fee_waiver_says_what_is_not_known_and_where_to_ask(graph):
    answer = compose_aspect_answer(graph, "late_fee", ASPECTS["fees"]).answer
    assert "减免" in answer and "暂无经核实的统一规定" in answer and "95598" in answer


def test_connection_times_keep_their_scope(graph):
    business = compose_answer(graph, "new_connection_business")
    for days in (6, 22, 32):
        assert f"供电企业各环节合计办理时间不超过{days}个工作日" in business
    assert "不是您办电全过程的时间" in business
    assert "全过程办电时间不超过6" not in business
    residential = compose_answer(graph, "new_connection_residential")
    assert "居民客户全过程办电时间不超过5个工作日" in residential


def test_capacity_increase_says_how_long_it_takes(graph):
    answer = compose_aspect_answer(graph, "capacity_increase", ASPECTS["time_limit"]).answer
    assert "全过程办电时间不超过5个工作日" in answer and "合计办理时间不超过6个工作日" in answer


def test_repair_arrival_is_an_average_not_a_deadline(graph):
    answer = compose_answer(graph, "repair_commitment")
    assert "到达现场的平均时间一般为：城区45分钟、农村90分钟、特殊边远地区2小时" in answer
    assert "恢复供电的平均时间一般为" in answer
    assert "按服务承诺时限到达" not in answer


def test_arrears_notice_and_reconnection_follow_the_rules(graph):
    for question in ("不交电费会怎样", "欠费会不会停电"):
        answer = answer_for(graph, "arrears_disconnection", question)
        assert "停电前3至7天会把停电通知书送达" in answer and "停电前30分钟还会再通知一次" in answer
        assert "3日内恢复供电" in answer and "经催交仍未交" in answer and "千分之一" in answer
        assert "提前7天送达" not in answer and "24小时内恢复" not in answer and "旧版" not in answer


def test_a_prepaid_meter_comes_back_on_top_up_not_in_24_hours(graph):
    answer = compose_answer(graph, "prepaid_meter")
    assert "充值后自动恢复" in answer and "24小时" not in answer


def test_agency_purchase_has_its_own_topic_apart_from_paying_for_someone(graph):
    answer = compose_answer(graph, "grid_agency_purchase")
    assert "工商业用户" in answer and "居民和农业用电由电网企业保障供应，不属于代理购电" in answer
    assert "国家发展改革委办公厅2021年电网企业代理购电通知" in answer
    assert "代理购电" not in compose_answer(graph, "agent_purchase")


@pytest.mark.parametrize("question, here, elsewhere", [
    ("浙江的谷电时间是几点", "浙江", "北京"),
    ("北京晚上几点算谷电", "北京", "浙江"),
])
def test_valley_hours_for_a_zhejiang_and_a_beijing_customer(graph, question, here, elsewhere):
    for answer in (answer_for(graph, "tou_periods", question),
                   compose_answer(graph, "tou_periods", province(question)),
                   describe_tariff(tariff_overview(province(question)))):
        assert f"{here}居民峰谷" in answer and "暂无经核实的资料" in answer and "95598" in answer
        assert not any(name in answer for name in (*OTHER_PROVINCES_TOU, elsewhere)), answer
        assert not CLOCK_TIME.search(answer), answer


def test_a_verified_accounts_province_answers_when_the_question_names_none(graph):
    answer = answer_for(graph, "tiered_pricing", "阶梯电价怎么算", account_province="beijing")
    assert "北京居民阶梯电价" in answer and "浙江" not in answer
    named = answer_for(graph, "tiered_pricing", "浙江阶梯电价多少", account_province="beijing")
    assert "浙江居民阶梯电价" in named and "北京居民阶梯电价" not in named


def test_a_province_without_data_is_said_to_be_unknown(graph):
    answer = compose_answer(graph, "tiered_pricing", province("上海的阶梯电价多少"))
    assert "上海的相关标准，这里暂无经核实的资料" in answer
    assert not any(name in answer for name in ("浙江", "北京")) and "0.538" not in answer


def test_tier_answers_name_only_state_grid_provinces_and_no_borrowed_rules(graph):
    answer = compose_answer(graph, "tiered_pricing")
    assert "深圳" not in answer and "0.6629" not in answer
    multi = compose_answer(graph, "multi_person_household")
    assert "广东" not in multi and "各省规定不同" in multi


def test_surplus_solar_price_is_not_the_consumption_tariff(graph):
    for slug in ("pv_feed_in_price", "pv_settlement"):
        answer = compose_answer(graph, slug)
        assert "没有经核实的价格" in answer and "发展改革委" in answer and "95598" in answer, slug
        assert "元" not in answer and "电价标准由省级价格主管部门制定" not in answer, slug


def test_payment_channels_name_wechat_and_alipay_and_not_the_hotline(graph):
    answer = compose_answer(graph, "payment_channels")
    channels = next(line for line in answer.splitlines() if line.startswith("办理渠道"))
    assert "支付宝" in channels and "微信" in channels and "网上国网App" in channels
    assert "95598" not in channels and "以当地供电公司公布的交费渠道为准" in channels


def test_a_home_ev_charger_when_the_property_management_refuses(graph):
    answer = compose_answer(graph, "ev_charger_property")
    assert "物业服务企业应配合" in answer and "住房城乡建设" in answer
    assert "国家发展改革委等四部门2016年居民区电动汽车充电设施建设通知" in answer


def test_a_previous_owners_arrears_at_transfer(graph):
    for slug in ("previous_owner_arrears", "ownership_transfer"):
        answer = compose_answer(graph, slug)
        assert "原用户应先和供电企业结清电费" in answer and "新用户要承担原用户欠下的电费" in answer, slug


@pytest.mark.parametrize("slug", ["ownership_transfer", "ev_charger", "auto_debit"])
def test_documents_name_the_right_person(graph, slug):
    answer = compose_aspect_answer(graph, slug, ASPECTS["materials"]).answer
    assert "户主有效身份证件" not in answer
    assert {"ownership_transfer": "新产权人", "ev_charger": "车位", "auto_debit": "银行账户持有人"}[slug] in answer


def test_no_english_newspaper_or_internal_note_in_any_customer_answer(graph):
    texts = topic_texts(graph) + tariff_texts()
    assert len(texts) > 500
    for item in texts:
        assert not foreign_words(item.text), (item.where, foreign_words(item.text))
        assert not newspapers_in(item.text), (item.where, newspapers_in(item.text))
        assert not internal_notes_in(item.text), (item.where, internal_notes_in(item.text))


def test_an_answer_shows_only_sources_a_customer_may_rely_on(graph):
    for slug in ("payment_channels", "tiered_pricing", "ownership_transfer"):
        for source in topic_sources(graph, slug):
            assert source["title"] and not foreign_words(source["title"]) and not newspapers_in(source["title"])
            assert not source["ref"].startswith("未经核实")
    answer = compose_answer(graph, "tiered_pricing", "beijing")
    assert "依据：" in answer and "China Daily" not in answer and "未经北京市官方文件核实" in answer


def test_no_basis_line_says_the_answer_rests_on_an_outdated_text(graph):
    for item in topic_texts(graph):
        assert "旧版" not in item.text and "以现行规定为准" not in item.text, item.where
