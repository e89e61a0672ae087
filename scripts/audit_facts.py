"""Audit what customers read against its sources: ``python -m scripts.audit_facts`` -> reports/facts.md.

Renders every customer answer the data can produce — each knowledge-graph topic's
answer and follow-up (aspect) answers, for no particular province and for each
province, and each province's tariff reply — and checks them:

- every figure (a price, a number of days or hours, a percentage or ‰, kWh, kV) in a
  customer's text comes from a fact that has a source in the data (never from a topic
  summary or generated wording); a figure from an unverified source is listed as such;
- every verified source names its issuer, date, URL or document number and a checked-on
  date, no older than ``MAX_AGE_DAYS``; a fact from an unverified source carries a caveat;
  a fact from a "local" source (当地供电公司规定) states no figure;
- no customer text contains English, a newspaper's name or an internal note.

The report lists, per topic, each figure with its source, then every finding, and the
counts of claims sourced / unverified / removed.  Exit status 1 when there is a finding.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import networkx as nx

from knowledge_graph.answers import ANSWER_KINDS, compose_answer, compose_aspect_answer, fact_province
from knowledge_graph.aspects import ASPECTS
from knowledge_graph.graph import build_graph, linked_facts
from knowledge_graph.source import Corpus, load_corpus
from services import clock
from services.billing.tariff import available_provinces, load_tariff

REPORT = Path(__file__).resolve().parent.parent / "reports" / "facts.md"
MAX_AGE_DAYS = 365
# Rendered as well as the provinces that have data: one without, so "not known here" is audited.
PROVINCE_WITHOUT_DATA = "shanghai"

CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMBER = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十]+"
_UNITS = ("个工作日", "工作日", "千瓦时", "千伏安", "千伏", "分钟", "小时", "元", "度", "天", "日", "%", "‰")
FIGURE = re.compile(rf"(千分之|百分之)({_NUMBER})|({_NUMBER})\s*({'|'.join(_UNITS)})")
# The lower end of a range takes the upper end's unit: 3至7天 states 3天 as well as 7天.
RANGE_START = re.compile(rf"({_NUMBER})\s*(?:至|到|–|-|~)\s*(?:{_NUMBER})\s*({'|'.join(_UNITS)})")
# "a day", "per kWh" (把一天分成…, 多少钱一度): wording, not a stated figure.
GENERIC = {"一天", "一日", "一度", "一元"}
UNIT_FAMILY = {"个工作日": "工作日", "天": "日", "千瓦时": "度", "千分之": "‰", "百分之": "%"}

ENGLISH = re.compile(r"[A-Za-z]{2,}")
ALLOWED_LATIN = {"App"}  # 网上国网App is the product's name
NEWSPAPERS = ("China Daily", "中国日报", "人民日报", "日报", "晚报", "新华社", "央视", "新闻", "报道")
INTERNAL_NOTES = ("TODO", "NOTE", "旧版条款", "power-facts", "待核对")
CAVEATS = ("为准", "暂无", "未经")


def _number(text: str) -> Decimal:
    if text[0].isdigit():
        return Decimal(text)
    value = 0
    for char in text:  # the small numbers customer text writes in characters: 三, 十五, 二十
        digit = CHINESE_DIGITS[char]
        value = (value or 1) * 10 if digit == 10 else value + digit
    return Decimal(value)


def figures_in(text: str) -> set[str]:
    """The figures in ``text``, normalized ("3日", "0.538元", "1‰"), so 3天 and 3日 are one figure."""
    found = set()
    for match in FIGURE.finditer(text):
        prefix, prefixed, number, unit = match.groups()
        if match.group(0) in GENERIC:
            continue
        value, unit = (prefixed, prefix) if prefix else (number, unit)
        found.add(_figure(value, unit))
    found |= {_figure(value, unit) for value, unit in RANGE_START.findall(text)}
    return found


def _figure(value: str, unit: str) -> str:
    return f"{_number(value).normalize():f}{UNIT_FAMILY.get(unit, unit)}"


def foreign_words(text: str) -> list[str]:
    return [word for word in ENGLISH.findall(text) if word not in ALLOWED_LATIN]


def newspapers_in(text: str) -> list[str]:
    return [name for name in NEWSPAPERS if name in text]


def internal_notes_in(text: str) -> list[str]:
    return [note for note in INTERNAL_NOTES if note in text]


@dataclass(frozen=True)
class CustomerText:
    where: str  # e.g. "topic late_fee (浙江)" or "tariff reply beijing"
    text: str
    allowed: frozenset[str]  # the figures the data sources for this text


@dataclass(frozen=True)
class Finding:
    where: str
    problem: str


@dataclass(frozen=True)
class FigureRow:
    topic: str
    fact: str
    figures: tuple[str, ...]
    source: str  # the source as the data names it (title, and the full reference)
    status: str
    checked_on: str


@dataclass(frozen=True)
class Audit:
    rows: list[FigureRow]
    findings: list[Finding]
    counts: dict[str, int]
    texts: int


def provinces_to_render(graph: nx.MultiDiGraph) -> list[str | None]:
    """No particular province, every province the data has figures for, and one it has none for."""
    named = {fact_province(data) for _, data in graph.nodes(data=True) if data["kind"] != "topic"}
    return [None, *sorted((named - {None}) | set(available_provinces())), PROVINCE_WITHOUT_DATA]


def topic_texts(graph: nx.MultiDiGraph) -> list[CustomerText]:
    """Every knowledge-graph answer a customer can read, with the figures its facts source."""
    texts = []
    slugs = [node for node, kind in graph.nodes(data="kind") if kind == "topic"]
    for slug in slugs:
        facts = linked_facts(graph, slug, ANSWER_KINDS)
        allowed = frozenset(figure for fact in facts for figure in figures_in(fact["text"]))
        for province in provinces_to_render(graph):
            label = f"topic {slug} ({province or '未指定省份'})"
            texts.append(CustomerText(label, compose_answer(graph, slug, province), allowed))
            for aspect in ASPECTS.values():
                answer = compose_aspect_answer(graph, slug, aspect, province).answer
                texts.append(CustomerText(f"{label} / {aspect.name}", answer, allowed))
    return texts


def tariff_texts() -> list[CustomerText]:
    """Each province's tariff reply, with the figures its table holds."""
    from actions.tariff import describe_tariff  # the reply as the customer reads it (bot/domain.yml)
    from services.billing.service import tariff_overview

    texts = []
    for province in available_provinces():
        table = load_tariff(province)
        allowed = {"0度"}  # the first tier's lower end
        for plan in table.plans.values():
            for tier in plan.tiers:
                prices = [tier.price, *tier.tou_prices.values()]
                allowed |= {_figure(str(price), "元") for price in prices}
                if tier.up_to_kwh is not None:
                    allowed |= {_figure(str(tier.up_to_kwh), "度"), _figure(str(tier.up_to_kwh + 1), "度")}
        texts.append(CustomerText(f"tariff reply {province}", describe_tariff(tariff_overview(province)),
                                  frozenset(allowed)))
    return texts


def source_findings(corpus: Corpus, today: date) -> list[Finding]:
    """Incomplete or stale sources, unverified facts without a caveat, figures from "local" sources."""
    findings = []
    used = {fact.source for fact in corpus.facts}
    for key in sorted(used):
        source = corpus.sources[key]
        where = f"source {key}"
        if source.status == "local":
            continue
        if not (source.issuer and source.checked_on):
            findings.append(Finding(where, "names no issuer or no checked-on date"))
        if source.status == "verified" and not (source.date and (source.url or source.doc_no)):
            findings.append(Finding(where, "verified but names no date, or neither URL nor document number"))
        if source.checked_on and (today - date.fromisoformat(source.checked_on)).days > MAX_AGE_DAYS:
            findings.append(Finding(where, f"last checked {source.checked_on}, more than {MAX_AGE_DAYS} days ago"))
    for fact in corpus.facts:
        status = corpus.sources[fact.source].status
        if status == "unverified" and not any(caveat in fact.text for caveat in CAVEATS):
            findings.append(Finding(f"fact {fact.id}", "from an unverified source but worded without a caveat"))
        if status == "local" and figures_in(fact.text):
            findings.append(Finding(f"fact {fact.id}", f"states {sorted(figures_in(fact.text))} with no document behind it"))
    for province in available_provinces():
        table = load_tariff(province)
        if not table.references:
            findings.append(Finding(f"tariff {province}", "names no references"))
        for ref in table.references:
            if not ref.checked_on:
                findings.append(Finding(f"tariff {province}", f"reference {ref.document!r} has no checked-on date"))
            elif (today - date.fromisoformat(ref.checked_on)).days > MAX_AGE_DAYS:
                findings.append(Finding(f"tariff {province}", f"reference {ref.document!r} last checked {ref.checked_on}"))
            if ref.status == "verified" and not (ref.url or ref.doc_no):
                findings.append(Finding(f"tariff {province}", f"reference {ref.document!r} has neither URL nor document number"))
        if not table.verified and not any(caveat in table.source for caveat in CAVEATS):
            findings.append(Finding(f"tariff {province}", "not verified but its basis carries no caveat"))
    return findings


def text_findings(texts: list[CustomerText]) -> list[Finding]:
    """Figures without a source, English, newspapers and internal notes in customer text."""
    findings = []
    for item in texts:
        unsourced = sorted(figures_in(item.text) - item.allowed)
        if unsourced:
            findings.append(Finding(item.where, f"figure(s) {unsourced} with no source in the data"))
        for label, words in (("English", foreign_words(item.text)), ("a newspaper", newspapers_in(item.text)),
                             ("an internal note", internal_notes_in(item.text))):
            if words:
                findings.append(Finding(item.where, f"names {label} to the customer: {words}"))
    return findings


def figure_rows(corpus: Corpus, graph: nx.MultiDiGraph) -> list[FigureRow]:
    facts = {fact.id: fact for fact in corpus.facts}
    rows = []
    for topic in corpus.topics:
        for fact_id in (fact_id for ids in topic.links.values() for fact_id in ids):
            figures = figures_in(facts[fact_id].text)
            if figures:
                source = corpus.sources[facts[fact_id].source]
                rows.append(FigureRow(topic.slug, fact_id, tuple(sorted(figures)), f"{source.title}（{source.ref}）",
                                      source.status, source.checked_on))
    for province in available_provinces():
        table = load_tariff(province)
        for ref in table.references:
            detail = "，".join(part for part in (ref.issuer, ref.date, ref.doc_no, ref.url) if part)
            rows.append(FigureRow(f"tariff {province}", ref.covers, (), f"{ref.document}（{detail}）",
                                  ref.status, ref.checked_on))
    return rows


def run_audit(corpus: Corpus | None = None, today: date | None = None) -> Audit:
    corpus = corpus or load_corpus()
    graph = build_graph(corpus)
    texts = topic_texts(graph) + tariff_texts()
    findings = source_findings(corpus, today or clock.today()) + text_findings(texts)
    statuses = [corpus.sources[fact.source].status for fact in corpus.facts]
    statuses += [ref.status for province in available_provinces() for ref in load_tariff(province).references]
    counts = {
        "sourced": statuses.count("verified"),
        "unverified": statuses.count("unverified"),
        "removed": len(corpus.removed),
        "local": statuses.count("local"),
    }
    return Audit(rows=figure_rows(corpus, graph), findings=findings, counts=counts, texts=len(texts))


def render(audit: Audit, corpus: Corpus, today: date) -> str:
    counts = audit.counts
    lines = [
        "# Facts customers read, audited against their sources",
        "",
        "Generated by `make audit-facts` (`.venv/bin/python -m scripts.audit_facts`); do not edit by hand.",
        f"Run on {today.isoformat()}: {audit.texts} customer texts rendered (every topic answer and follow-up, "
        "for no particular province, each province with data and one without; every tariff reply).",
        "",
        "| claims | count |",
        "|---|---|",
        f"| sourced (official document, or a faithful copy, with a checked-on date) | {counts['sourced']} |",
        f"| unverified (one unofficial source; worded with a caveat, never shown as 依据) | {counts['unverified']} |",
        f"| removed from customer answers | {counts['removed']} |",
        f"| refer to the local utility (state no figure) | {counts['local']} |",
        "",
        f"Findings: {len(audit.findings)}" + ("." if audit.findings else " (no unsourced figure, stale or incomplete "
                                                "source, English, newspaper or internal note in customer text)."),
        "",
        *[f"- **{finding.where}**: {finding.problem}" for finding in audit.findings],
        "",
        "## Figures per topic, with their sources",
        "",
        "| topic | fact | figures | status | checked on | source (data and agent view) |",
        "|---|---|---|---|---|---|",
        *[f"| {row.topic} | {row.fact} | {'、'.join(row.figures)} | {row.status} | {row.checked_on} | {row.source} |"
          for row in audit.rows],
        "",
        "## Removed from customer answers",
        "",
        "| claim | rested on | why |",
        "|---|---|---|",
        *[f"| {item.text} | {item.source} | {item.reason} |" for item in corpus.removed],
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    corpus = load_corpus()
    today = clock.today()
    audit = run_audit(corpus, today)
    REPORT.write_text(render(audit, corpus, today), encoding="utf-8")
    print(f"sourced {audit.counts['sourced']} / unverified {audit.counts['unverified']} / removed "
          f"{audit.counts['removed']} (local pointers {audit.counts['local']}); {len(audit.findings)} finding(s) "
          f"-> {REPORT}", file=sys.stderr)
    for finding in audit.findings:
        print(f"  {finding.where}: {finding.problem}", file=sys.stderr)
    sys.exit(1 if audit.findings else 0)


if __name__ == "__main__":
    main()
