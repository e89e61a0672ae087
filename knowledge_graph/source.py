"""Load the knowledge graph's YAML sources into plain, immutable records.

Domain staff edit YAML (``data/facts.yaml``, ``data/topics/*.yaml``); everything
else in this package works on the records returned here, so the file format lives
in one place.  Nothing is checked here beyond the shape: cross-references are
checked by :func:`knowledge_graph.graph.validate`.

A source has two faces.  ``title`` is the document as a customer understands it
(浙江省物价局2012年居民阶梯电价通知, 《供电营业规则》) and is what an answer's 依据 shows;
``ref`` is the full reference for the data and the agent view: issuer, date, URL or
document number, and the date it was last checked against the document.  A source's
``status`` is ``verified`` (an official document, or a faithful copy of one),
``unverified`` (one unofficial source: its facts are worded with a caveat and never
shown as a 依据) or ``local`` (no document: the fact only sends the customer to the
local utility, and states no figure).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"

# Fact kinds as they appear in facts.yaml and as link lists on a topic.
FACT_KINDS = ("materials", "channels", "time_limits", "fees", "tariffs", "policies")


SOURCE_STATUSES = ("verified", "unverified", "local")
# ``ref`` of an unverified source starts with this, so that code holding only a graph
# node (its source_title and source_ref) can tell such a source from a verified one.
UNVERIFIED_PREFIX = "未经核实："


@dataclass(frozen=True)
class Source:
    key: str
    title: str  # as a customer understands it; shown as the answer's 依据 when verified
    document: str = ""  # the document's full name
    issuer: str = ""
    date: str = ""
    url: str = ""
    doc_no: str = ""
    checked_on: str = ""  # YYYY-MM-DD: when the fact was last checked against the document
    status: str = "verified"  # one of SOURCE_STATUSES
    note: str = ""  # for the data and the agent view only

    @property
    def ref(self) -> str:
        """The full reference for the data and the agent view (never a customer's text)."""
        parts = [self.document, self.issuer, self.date, self.doc_no, self.url]
        text = "，".join(part for part in parts if part)
        if self.checked_on:
            text += f"；核对于{self.checked_on}"
        if self.note:
            text += f"；{self.note}"
        return (UNVERIFIED_PREFIX + text) if self.status == "unverified" else text


def is_unverified_ref(ref: str) -> bool:
    """True for the ``ref`` of an unverified source (see :attr:`Source.ref`)."""
    return ref.startswith(UNVERIFIED_PREFIX)


@dataclass(frozen=True)
class Fact:
    id: str
    kind: str  # one of FACT_KINDS
    text: str
    source: str  # a Source key


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    question: str
    summary: str
    links: dict[str, tuple[str, ...]]  # fact kind -> fact ids
    related: tuple[str, ...]
    paraphrases: tuple[str, ...]


@dataclass(frozen=True)
class Removed:
    """A claim taken out of the customer answers, kept so the audit can count and explain it."""

    id: str
    text: str
    source: str  # what it rested on
    reason: str


@dataclass(frozen=True)
class Corpus:
    sources: dict[str, Source]
    facts: list[Fact]
    topics: list[Topic]
    out_of_scope: tuple[str, ...]
    removed: tuple[Removed, ...] = ()


def load_corpus(data_dir: Path = DATA_DIR) -> Corpus:
    """Read every YAML source under ``data_dir`` (topics may be split over files)."""
    facts_doc = _read(data_dir / "facts.yaml")
    sources = {key: _source(key, value) for key, value in (facts_doc.get("sources") or {}).items()}
    facts = [
        Fact(id=item["id"], kind=kind, text=item["text"], source=item.get("source", ""))
        for kind in FACT_KINDS
        for item in facts_doc.get(kind) or []
    ]
    topics = [_topic(item) for path in sorted((data_dir / "topics").glob("*.yaml")) for item in _read(path) or []]
    out_of_scope_path = data_dir / "out_of_scope.yaml"
    out_of_scope = tuple(str(q) for q in _read(out_of_scope_path)["questions"]) if out_of_scope_path.exists() else ()
    removed = tuple(
        Removed(id=item["id"], text=item["text"], source=item.get("source", ""), reason=item.get("reason", ""))
        for item in facts_doc.get("removed") or []
    )
    return Corpus(sources=sources, facts=facts, topics=topics, out_of_scope=out_of_scope, removed=removed)


def corpus_digest(data_dir: Path = DATA_DIR) -> str:
    """A hash of every YAML source: any edit by domain staff changes it."""
    digest = hashlib.sha256()
    for path in sorted(data_dir.rglob("*.yaml")):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _source(key: str, value: dict) -> Source:
    status = str(value.get("status") or "verified")
    if status not in SOURCE_STATUSES:
        raise ValueError(f"source {key}: status {status!r} is not one of {', '.join(SOURCE_STATUSES)}")
    fields = ("document", "issuer", "date", "url", "doc_no", "checked_on", "note")
    return Source(key=key, title=value["title"], status=status, **{name: str(value.get(name) or "") for name in fields})


def _topic(item: dict) -> Topic:
    return Topic(
        slug=item["slug"],
        name=item.get("name", item["slug"]),
        question=item.get("question") or "",
        summary=item.get("summary") or "",
        links={kind: tuple(item.get(kind) or ()) for kind in FACT_KINDS},
        related=tuple(item.get("related") or ()),
        paraphrases=tuple(str(p) for p in item.get("paraphrases") or ()),
    )
