"""Every figure a customer reads has a source in the data (scripts/audit_facts.py, issue 11)."""
from __future__ import annotations

from datetime import date

import pytest

from knowledge_graph.graph import build_graph
from knowledge_graph.source import UNVERIFIED_PREFIX, load_corpus
from scripts.audit_facts import figures_in, render, run_audit, text_findings, topic_texts
from services.billing.tariff import available_provinces, load_tariff


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_the_real_data_passes_the_audit(corpus):
    audit = run_audit(corpus, today=date(2026, 12, 2))
    assert audit.findings == []
    assert audit.counts["sourced"] > audit.counts["unverified"] > 0 and audit.counts["removed"] >= 15
    report = render(audit, corpus, date(2026, 12, 2))
    assert "| sourced" in report and "| unverified" in report and "| removed" in report


@pytest.mark.parametrize("summary", [
    "新装一般15个工作日内送电。",
    "违约金每天收千分之五。",
    "一度电0.65元。",
    "抢修2小时内一定到。",
    "最多收取欠费的百分之三十。",
])
def test_a_figure_without_a_source_in_customer_text_fails(corpus, summary):
    graph = build_graph(corpus)
    graph.nodes["new_connection_residential"]["summary"] += summary
    findings = [f for f in text_findings(topic_texts(graph)) if f.where.startswith("topic new_connection_residential")]
    assert findings and all("no source in the data" in f.problem for f in findings)


def test_figures_are_read_in_digits_and_characters():
    assert figures_in("停电前3至7天送达，30分钟前再通知") == {"3日", "7日", "30分钟"}
    assert figures_in("每日按千分之一计收，不足1元按1元") == {"1‰", "1元"}
    assert figures_in("两个工作日、三天内") == {"2工作日", "3日"}
    assert figures_in("把一天分成几段；多少钱一度；拨打95598；2012年文件") == set()


def test_a_stale_source_is_flagged(corpus):
    audit = run_audit(corpus, today=date(2028, 1, 1))
    assert any("more than 365 days ago" in f.problem for f in audit.findings)


def test_every_fact_source_is_complete_or_honestly_marked(corpus):
    for fact in corpus.facts:
        source = corpus.sources[fact.source]
        if source.status == "verified":
            assert source.issuer and source.date and (source.url or source.doc_no) and source.checked_on, fact.id
        elif source.status == "unverified":
            assert source.ref.startswith(UNVERIFIED_PREFIX)
            assert any(caveat in fact.text for caveat in ("为准", "暂无", "未经")), fact.id
        else:
            assert not figures_in(fact.text), fact.id


def test_summaries_state_no_figures(corpus):
    for topic in corpus.topics:
        assert not figures_in(topic.summary), topic.slug


def test_every_tariff_table_carries_its_references():
    for province in available_provinces():
        table = load_tariff(province)
        assert table.references and all(ref.checked_on and ref.status for ref in table.references)
        if not table.verified:
            assert "未经" in table.source and "为准" in table.source
