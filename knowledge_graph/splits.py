"""Split each topic's paraphrases into train, calibration and held-out sets.

The split is deterministic and per text (a hash of slug + paraphrase), so adding
or editing one paraphrase never reshuffles the others.  Held-out paraphrases are
never indexed nor used to train the embedding model: they exist only to measure
recall honestly.  Calibration paraphrases are likewise kept out of the index so the
confidence threshold is set on queries the retriever has not seen.  Out-of-scope
questions are split the same way: two thirds calibrate the threshold, the rest
measure how often the calibrated retriever still answers them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from knowledge_graph.source import Corpus

HELDOUT_PER_TOPIC = 4
CALIBRATION_PER_TOPIC = 2
OUT_OF_SCOPE_HELDOUT_EVERY = 3  # one out-of-scope question in three, by hash order


@dataclass(frozen=True)
class Splits:
    train: list[tuple[str, str]]  # (text, slug): canonical question, name, training paraphrases
    calibration: list[tuple[str, str]]
    heldout: list[tuple[str, str]]
    out_of_scope_calibration: list[str]
    out_of_scope_heldout: list[str]


def split_corpus(corpus: Corpus) -> Splits:
    train, calibration, heldout = [], [], []
    for topic in corpus.topics:
        ordered = sorted(dict.fromkeys(topic.paraphrases), key=lambda text: _rank(topic.slug, text))
        cut = HELDOUT_PER_TOPIC + CALIBRATION_PER_TOPIC
        heldout += [(text, topic.slug) for text in ordered[:HELDOUT_PER_TOPIC]]
        calibration += [(text, topic.slug) for text in ordered[HELDOUT_PER_TOPIC:cut]]
        train += [(topic.question, topic.slug), (topic.name, topic.slug)]
        train += [(text, topic.slug) for text in ordered[cut:]]
    questions = sorted(dict.fromkeys(corpus.out_of_scope), key=lambda text: _rank("", text))
    return Splits(
        train=train,
        calibration=calibration,
        heldout=heldout,
        out_of_scope_calibration=[q for i, q in enumerate(questions) if i % OUT_OF_SCOPE_HELDOUT_EVERY],
        out_of_scope_heldout=[q for i, q in enumerate(questions) if not i % OUT_OF_SCOPE_HELDOUT_EVERY],
    )


def _rank(slug: str, text: str) -> str:
    return hashlib.sha256(f"{slug}\x00{text}".encode()).hexdigest()
