"""Build (or reuse) the retriever's artefacts: ``python -m knowledge_graph.build``.

Steps: load and validate the YAML, split the paraphrases, get the embedding model
(train the default one, or load the operator's), embed the indexed entries into a
FAISS index, calibrate the confidence threshold, and write everything under
``var/kg/<key>/``.  The key hashes the YAML sources, this package's code and the
configured model directory, so an unchanged corpus is never retrained: a second
build only checks the key.  A file lock keeps two processes from building at once.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import faiss

from knowledge_graph.calibration import calibrate_threshold
from knowledge_graph.embedding import load_model, train_model
from knowledge_graph.graph import build_graph
from knowledge_graph.index import make_dense_index
from knowledge_graph.retriever import Retriever
from knowledge_graph.source import DATA_DIR, Corpus, corpus_digest, load_corpus
from knowledge_graph.splits import split_corpus

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BuildInfo:
    index_dir: Path
    reused: bool  # True: the cache matched, nothing was trained or indexed
    seconds: float


def cache_key(data_dir: Path, embedding_model_dir: str) -> str:
    """Hash of the YAML sources + the training/indexing code + the model choice."""
    digest = hashlib.sha256(corpus_digest(data_dir).encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(embedding_model_dir.encode())
    return digest.hexdigest()[:16]


def ensure_built(kg_dir: Path, data_dir: Path = DATA_DIR, embedding_model_dir: str = "") -> BuildInfo:
    """The index directory for the current corpus, building it if the cache misses."""
    started = time.perf_counter()
    index_dir = kg_dir / cache_key(data_dir, embedding_model_dir)
    kg_dir.mkdir(parents=True, exist_ok=True)
    with (kg_dir / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        reused = (index_dir / "meta.json").exists()
        if not reused:
            _build(index_dir, data_dir, embedding_model_dir)
            _remove_stale(kg_dir, keep=index_dir)
    return BuildInfo(index_dir=index_dir, reused=reused, seconds=time.perf_counter() - started)


def _build(index_dir: Path, data_dir: Path, embedding_model_dir: str) -> None:
    corpus = load_corpus(data_dir)
    graph = build_graph(corpus)  # raises on a dangling reference or a topic without an answer
    splits = split_corpus(corpus)
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    if embedding_model_dir:
        model_dir = Path(embedding_model_dir)
        model = load_model(model_dir)
    else:
        model_dir = index_dir / "model"
        model = train_model(training_groups(corpus, splits.train))
        model.save(str(model_dir))
    entries = splits.train
    dense = make_dense_index(_encode(model, entries))
    retriever = Retriever(graph, model, dense, entries, threshold=0.0)
    threshold = calibrate_threshold(retriever, splits.calibration, splits.out_of_scope_calibration)
    faiss.write_index(dense, str(index_dir / "dense.faiss"))
    _write_json(index_dir / "entries.json", entries)
    meta = {
        "data_dir": str(data_dir),
        "model_dir": str(model_dir),
        "threshold": threshold,
        "index_type": type(dense).__name__,
        "entries": len(entries),
        "topics": len(corpus.topics),
    }
    _write_json(index_dir / "meta.json", meta)  # written last: its presence marks a complete build


def training_groups(corpus: Corpus, entries: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Training texts per topic: indexed entries plus the topic's summary."""
    groups: dict[str, list[str]] = defaultdict(list)
    for text, slug in entries:
        groups[slug].append(text)
    for topic in corpus.topics:
        groups[topic.slug].append(topic.summary)
    return dict(groups)


def _encode(model, entries: list[tuple[str, str]]):
    return model.encode([text for text, _ in entries], normalize_embeddings=True, convert_to_numpy=True)


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")


def _remove_stale(kg_dir: Path, keep: Path) -> None:
    for path in kg_dir.iterdir():
        if path.is_dir() and path != keep:
            shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    from services.settings import get_settings

    settings = get_settings()
    info = ensure_built(settings.var_dir / "kg", embedding_model_dir=settings.embedding_model_dir)
    state = "reused (corpus unchanged)" if info.reused else "built"
    print(f"knowledge graph index {state}: {info.index_dir} in {info.seconds:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
