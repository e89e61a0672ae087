"""The dense embedding model behind the retriever.

An operator may point ``POWERDESK_EMBEDDING_MODEL_DIR`` at any sentence-transformers
model directory (e.g. a pretrained Chinese model).  Nothing can be downloaded here,
so by default the project trains its own small model from the corpus at build time:

- a character-level tokenizer built with ``tokenizers`` from the training texts.
  Chinese characters carry most of the meaning, a char vocabulary of ~1,000 is
  learnt well from a few hundred sentences, and a typo costs one character rather
  than a whole word (measured against BPE and jieba-word vocabularies, it did at
  least as well on the calibration split);
- a ``StaticEmbedding`` (mean of per-token vectors: microseconds per query on CPU);
- trained with ``MultipleNegativesSymmetricRankingLoss`` (MNRL in both directions)
  on paraphrase pairs.  Each batch holds exactly one (anchor, positive) pair per
  topic, so every in-batch negative really belongs to another topic.  Half the
  anchors lose one random character, as customers' typos and dropped words do:
  with ~16 paraphrases a topic, this noise is what keeps the model from leaning on
  any single character.

Held-out and calibration paraphrases never reach the tokenizer or the training.
"""
from __future__ import annotations

import random
from pathlib import Path

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesSymmetricRankingLoss
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

EMBEDDING_DIM = 256
UNKNOWN = "[UNK]"
TRAINING_STEPS = 1000
LEARNING_RATE = 0.05
TYPO_RATE = 0.5
SEED = 13


def load_model(path: Path | str) -> SentenceTransformer:
    """Any sentence-transformers model directory on disk, on CPU."""
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def train_model(groups: dict[str, list[str]]) -> SentenceTransformer:
    """Train the default model; ``groups`` maps each topic to its training texts."""
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    tokenizer = train_tokenizer([text for texts in groups.values() for text in texts])
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=EMBEDDING_DIM)], device="cpu")
    loss = MultipleNegativesSymmetricRankingLoss(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    model.train()
    for _ in range(TRAINING_STEPS):
        pairs = [rng.sample(texts, 2) for texts in groups.values() if len(texts) > 1]
        anchors = [_typo(anchor, rng) if rng.random() < TYPO_RATE else anchor for anchor, _ in pairs]
        positives = [positive for _, positive in pairs]
        value = loss([model.preprocess(anchors), model.preprocess(positives)], None)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    model.eval()
    return model


def _typo(text: str, rng: random.Random) -> str:
    """The text with one random character dropped (short texts are left alone)."""
    if len(text) < 4:
        return text
    cut = rng.randrange(len(text))
    return text[:cut] + text[cut + 1 :]


def train_tokenizer(texts: list[str]) -> Tokenizer:
    """One token per character of NFKC-normalised, lower-cased text.

    Characters never seen in training map to a single unknown token.
    """
    normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    characters = sorted({char for text in texts for char in normalizer.normalize_str(text) if not char.isspace()})
    vocabulary = {UNKNOWN: 0} | {char: index for index, char in enumerate(characters, start=1)}
    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token=UNKNOWN))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Split(Regex("."), behavior="isolated")]
    )
    return tokenizer
