"""Load the knowledge graph's YAML sources into plain, immutable records.

Domain staff edit YAML (``data/facts.yaml``, ``data/topics/*.yaml``); everything
else in this package works on the records returned here, so the file format lives
in one place.  Nothing is checked here beyond the shape: cross-references are
checked by :func:`knowledge_graph.graph.validate`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"

# Fact kinds as they appear in facts.yaml and as link lists on a topic.
FACT_KINDS = ("materials", "channels", "time_limits", "fees", "tariffs", "policies")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    ref: str


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
class Corpus:
    sources: dict[str, Source]
    facts: list[Fact]
    topics: list[Topic]
    out_of_scope: tuple[str, ...]


def load_corpus(data_dir: Path = DATA_DIR) -> Corpus:
    """Read every YAML source under ``data_dir`` (topics may be split over files)."""
    facts_doc = _read(data_dir / "facts.yaml")
    sources = {
        key: Source(key=key, title=value["title"], ref=value.get("ref", ""))
        for key, value in (facts_doc.get("sources") or {}).items()
    }
    facts = [
        Fact(id=item["id"], kind=kind, text=item["text"], source=item.get("source", ""))
        for kind in FACT_KINDS
        for item in facts_doc.get(kind) or []
    ]
    topics = [_topic(item) for path in sorted((data_dir / "topics").glob("*.yaml")) for item in _read(path) or []]
    out_of_scope_path = data_dir / "out_of_scope.yaml"
    out_of_scope = tuple(str(q) for q in _read(out_of_scope_path)["questions"]) if out_of_scope_path.exists() else ()
    return Corpus(sources=sources, facts=facts, topics=topics, out_of_scope=out_of_scope)


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
