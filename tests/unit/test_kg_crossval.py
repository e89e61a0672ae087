"""The cross-validation folds every retrieval change is selected on."""
from __future__ import annotations

from knowledge_graph.crossval import Sample, confidence_figures, cv_folds, out_of_scope_folds
from knowledge_graph.retriever import Ranking
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


def test_out_of_scope_folds_partition_the_non_heldout_questions():
    corpus = load_corpus()
    splits = split_corpus(corpus)
    folds = out_of_scope_folds(corpus, folds=3)
    tested = [q for _, questions in folds for q in questions]
    assert sorted(tested) == sorted(splits.out_of_scope_calibration)
    for known, questions in folds:
        assert not set(known) & set(questions)
        assert not (set(known) | set(questions)) & set(splits.out_of_scope_heldout)


def _sample(confidence: float, correct: bool) -> Sample:
    return Sample(Ranking(topics=[("t", 1.0)], confidence=confidence), correct)


def test_confidence_figures_calibrate_on_one_half_and_measure_on_the_other():
    # Right answers are confident above 0.6, out-of-scope questions below 0.5, except one.
    halves = ([_sample(0.8, True), _sample(0.3, False)], [_sample(0.7, True), _sample(0.65, False)])
    known = [_sample(0.4, False), _sample(0.45, False)]
    tested = [_sample(0.2, False), _sample(0.9, False)]
    figures = confidence_figures(lambda ranking: ranking.confidence, halves, known, tested, cost=2.0)
    assert figures["flagged"] == 0.5  # 0.9 passes either cut
    # Cut 0.8 (from the first half) keeps nothing of the second; cut 0.7 keeps 0.8 of the first.
    assert figures["answered"] == 0.25 and figures["precision"] == 1.0
