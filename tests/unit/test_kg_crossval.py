"""The cross-validation folds every retrieval change is selected on."""
from __future__ import annotations

from knowledge_graph.crossval import cv_folds
from knowledge_graph.source import load_corpus
from knowledge_graph.splits import split_corpus


def test_folds_partition_the_non_heldout_paraphrases_and_never_touch_heldout():
    corpus = load_corpus()
    splits = split_corpus(corpus)
    folds = cv_folds(corpus, folds=3)
    tested = [pair for _, queries in folds for pair in queries]
    assert len(tested) == len(set(tested))  # each paraphrase is tested in exactly one fold
    heldout = set(splits.heldout)
    for entries, queries in folds:
        assert not set(entries) & set(queries)
        assert not (set(entries) | set(queries)) & heldout
    assert set(splits.calibration) <= set(tested)


def test_every_fold_indexes_each_topic_question_and_tests_each_topic():
    corpus = load_corpus()
    for entries, queries in cv_folds(corpus, folds=3):
        assert {(topic.question, topic.slug) for topic in corpus.topics} <= set(entries)
        assert {slug for _, slug in queries} == {topic.slug for topic in corpus.topics}
