"""The retriever's building blocks: index choice, BM25 tokens, fusion, calibration."""
from __future__ import annotations

import faiss
import numpy as np

from knowledge_graph.calibration import best_cut
from knowledge_graph.index import (
    APPROXIMATE_FROM,
    LexicalIndex,
    char_bigrams,
    make_dense_index,
    reciprocal_rank_fusion,
    tokenize,
)
from knowledge_graph.retriever import normalize_query


def _unit_vectors(count: int, dim: int = 8) -> np.ndarray:
    vectors = np.random.default_rng(0).normal(size=(count, dim)).astype("float32")
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_small_corpus_gets_an_exact_index():
    index = make_dense_index(_unit_vectors(100))
    assert isinstance(index, faiss.IndexFlatIP)


def test_large_corpus_gets_an_approximate_index_that_still_finds_neighbours():
    vectors = _unit_vectors(APPROXIMATE_FROM)
    index = make_dense_index(vectors)
    assert isinstance(index, faiss.IndexHNSWFlat)
    _, ids = index.search(vectors[:20], 1)
    assert (ids[:, 0] == np.arange(20)).mean() >= 0.9


def test_tokens_drop_punctuation_and_particles():
    tokens = tokenize("网上国网怎么交电费呀？")
    assert "网上国网" in tokens and "电费" in tokens
    assert "？" not in tokens and "呀" not in tokens


def test_tokens_keep_jieba_words_and_add_chinese_character_bigrams():
    tokens = tokenize("电表带不动了")
    assert "电表" in tokens  # the jieba word
    assert {"表带", "带不", "不动"} <= set(tokens)  # bigrams within the run
    assert char_bigrams("峰谷 电价95598") == ["峰谷", "电价"]  # never across a space or a digit


def test_a_typo_still_shares_bigrams_with_the_indexed_wording():
    index = LexicalIndex({"capacity": ["申请增加用电容量"], "pay": ["怎么交电费"], "outage": ["停电了怎么报修"]})
    assert list(index.scores("申请增加用电荣量"))[0] == "capacity"


def test_queries_are_read_half_width_with_single_spaces():
    assert normalize_query("  ９５５９８　电话 ") == "95598 电话"


def test_bm25_ranks_topics_sharing_words_and_skips_the_rest():
    index = LexicalIndex({"pay": ["怎么交电费"], "repair": ["停电了怎么报修"], "other": ["天气"]})
    scores = index.scores("停电报修")
    assert list(scores)[0] == "repair"
    assert "other" not in scores


def test_rrf_rewards_agreement_between_rankings():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a"]])
    assert fused["a"] == fused["b"] > fused["c"]
    assert reciprocal_rank_fusion([["a", "b"], ["a", "b"]])["a"] > reciprocal_rank_fusion([["a", "b"], ["b", "a"]])["a"]


def test_weighted_rrf_lets_the_heavier_ranking_break_a_tie():
    assert reciprocal_rank_fusion([["a", "b"], ["b", "a"]], [1.0, 1.0])["a"] == reciprocal_rank_fusion([["a", "b"], ["b", "a"]])["b"]
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], [2.0, 1.0])
    assert fused["a"] > fused["b"]


def test_calibration_picks_the_cut_separating_right_from_wrong():
    samples = [(0.9, True), (0.8, True), (0.7, True), (0.5, False), (0.3, False), (0.75, False)]
    assert best_cut(samples, wrong_answer_cost=1.0) == 0.7  # ties go to the lower cut
    # A wrong confident answer (0.75) costs more than deflecting a right one (0.7).
    assert best_cut(samples) == 0.8
    assert best_cut([(0.9, True)]) == 0.0  # nothing to separate: always confident
