"""The self-trained embedding model: char + bigram vocabulary, save and reload."""
from __future__ import annotations

import numpy as np

from knowledge_graph import embedding
from knowledge_graph.embedding import CharBigramEmbedding, load_model, train_tokenizer


def test_vocabulary_holds_characters_and_adjacent_pairs_but_no_spaces():
    vocabulary = train_tokenizer(["增容 申请"]).get_vocab()
    assert {"增", "容", "增容", "容申", "申请"} <= set(vocabulary)
    assert not any(" " in token for token in vocabulary)


def test_bigram_ids_are_added_to_the_character_ids_when_known():
    module = CharBigramEmbedding(train_tokenizer(["增容申请"]), embedding_dim=4)
    vocabulary = module.tokenizer.get_vocab()
    features = module.preprocess(["增容", "容增"])
    ids = features["input_ids"].tolist()
    assert ids[:3] == [vocabulary["增"], vocabulary["容"], vocabulary["增容"]]  # 增容 was seen in training
    assert ids[3:] == [vocabulary["容"], vocabulary["增"]]  # 容增 was not: characters only
    assert features["offsets"].tolist() == [0, 3]


def test_a_trained_model_reloads_as_the_same_class_with_the_same_vectors(tmp_path, monkeypatch):
    monkeypatch.setattr(embedding, "TRAINING_STEPS", 5)
    model = embedding.train_model({"capacity": ["增容怎么办", "加大容量"], "business": ["商铺新装", "开店用电"]})
    model.save(str(tmp_path))
    again = load_model(tmp_path)
    assert isinstance(again[0], CharBigramEmbedding)
    np.testing.assert_allclose(again.encode(["增容"]), model.encode(["增容"]), rtol=1e-6)


def test_an_ensemble_inner_product_is_the_mean_of_its_members_cosines(tmp_path, monkeypatch):
    monkeypatch.setattr(embedding, "TRAINING_STEPS", 5)
    groups = {"capacity": ["增容怎么办", "加大容量"], "business": ["商铺新装", "开店用电"]}
    tokenizer = train_tokenizer([text for texts in groups.values() for text in texts])
    members = [embedding.train_member(tokenizer, groups, seed) for seed in embedding.ENSEMBLE_SEEDS]
    model = embedding.train_model(groups)
    a, b = model.encode(["增容怎么办", "开店用电"], normalize_embeddings=True)

    def cosine(member: CharBigramEmbedding) -> float:
        x, y = member(member.preprocess(["增容怎么办", "开店用电"]))["sentence_embedding"].detach().numpy()
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert len(embedding.ENSEMBLE_SEEDS) > 1 and model[0].members == len(embedding.ENSEMBLE_SEEDS)
    assert np.isclose(float(a @ b), np.mean([cosine(member) for member in members]), atol=1e-5)
    model.save(str(tmp_path))
    assert load_model(tmp_path)[0].members == model[0].members
