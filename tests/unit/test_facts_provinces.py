"""Whose province an answer is for: one rule (services.regions.customer_province)."""
from __future__ import annotations

from knowledge_graph.answers import fact_province
from knowledge_graph.graph import build_graph
from knowledge_graph.source import load_corpus
from services.billing.tariff import available_provinces, load_tariff
from services.regions import customer_province, province_of


def test_the_named_province_wins_then_the_account_then_the_default():
    assert customer_province("北京用两百度电多少钱", account_province="zhejiang").key == "beijing"
    assert customer_province("用了三百度要交多少", account_province="beijing").key == "beijing"
    assert customer_province("用了三百度要交多少", default="zhejiang").key == "zhejiang"
    assert customer_province("用了三百度要交多少") is None


def test_a_province_is_found_by_key_name_or_city():
    assert province_of("beijing").key == province_of("北京").key == "beijing"
    assert province_of("杭州").key == "zhejiang" and province_of("atlantis") is None


def test_the_tariff_engine_looks_tables_up_the_same_way():
    assert load_tariff("北京") is load_tariff("北京") and load_tariff("北京").province == "beijing"
    assert load_tariff("杭州").province == load_tariff("zhejiang").province == "zhejiang"


def test_every_provincial_fact_is_about_a_province_with_a_table():
    graph = build_graph(load_corpus())
    provinces = {fact_province(data) for _, data in graph.nodes(data=True) if data["kind"] != "topic"} - {None}
    assert provinces == set(available_provinces())
