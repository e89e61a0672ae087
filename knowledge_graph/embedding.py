"""The dense embedding model behind the retriever.

An operator may point ``POWERDESK_EMBEDDING_MODEL_DIR`` at any sentence-transformers
model directory (e.g. a pretrained Chinese model).  Nothing can be downloaded here,
so by default the project trains its own small model from the corpus at build time:

- a character-level tokenizer built with ``tokenizers`` from the training texts.
  Chinese characters carry most of the meaning, a char vocabulary of ~1,000 is
  learnt well from a few hundred sentences, and a typo costs one character rather
  than a whole word (measured against BPE and jieba-word vocabularies, it did at
  least as well on the calibration split);
- a ``StaticEmbedding`` (mean of per-token vectors: microseconds per query on CPU)
  whose tokens are the characters *and* their adjacent pairs (``CharBigramEmbedding``):
  增容 or 商铺 mean more than their characters apart.  3-fold CV (knowledge_graph.crossval):
  dense recall@1 0.880 -> 0.894, hybrid 0.886 -> 0.890, over characters alone;
- trained with ``MultipleNegativesRankingLoss`` in both directions (query→doc, doc→query)
  on paraphrase pairs.  Each batch holds exactly one (anchor, positive) pair per
  topic, so every in-batch negative really belongs to another topic.  Half the
  anchors lose one random character, as customers' typos and dropped words do:
  with ~16 paraphrases a topic, this noise is what keeps the model from leaning on
  any single character;
- an ensemble of ``len(ENSEMBLE_SEEDS)`` such models trained from different seeds,
  stored as one module whose vector is the members' unit vectors side by side
  (scaled by 1/sqrt(n)), so one inner product is the mean of the members' cosines
  and FAISS still holds one index.  A single small model from a few hundred
  sentences depends on its seed.  3-fold CV (knowledge_graph.crossval,
  mean ± sd over folds): hybrid recall@1
  0.895 ± 0.020 and 0.897 ± 0.023 for two 3-member ensembles, 0.900 ± 0.026 with 5
  members, 0.899 ± 0.027 with 6; at the calibrated threshold, out-of-scope
  flagged 0.925 / 0.895 / 0.895 / 0.915 with fold sd 0.03-0.06 (reports/kg_crossval.md).
  More members moved nothing beyond the folds' spread, so three are kept.

Held-out and calibration paraphrases never reach the tokenizer or the training.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

EMBEDDING_DIM = 256
UNKNOWN = "[UNK]"
ENSEMBLE_FILE = "ensemble.json"
CHAR_BIGRAMS = True
TRAINING_STEPS = 1000  # CV: 2000 steps gave the same hybrid recall@1 (0.878 vs 0.879)
LEARNING_RATE = 0.05
TYPO_RATE = 0.5
ENSEMBLE_SEEDS = (13, 7, 29)


def load_model(path: Path | str) -> SentenceTransformer:
    """Any sentence-transformers model directory on disk, on CPU.

    A model this project trained (one :class:`CharBigramEmbedding` module) is
    rebuilt from its files here: sentence-transformers would otherwise refuse to
    import a module class that is not its own without ``trust_remote_code``, and
    this class is our own code, not the model directory's.
    """
    modules = json.loads((Path(path) / "modules.json").read_text(encoding="utf-8"))
    if [module["type"] for module in modules] == [_OWN_MODULE]:
        module = CharBigramEmbedding.load(str(Path(path) / modules[0]["path"]), local_files_only=True)
        return SentenceTransformer(modules=[module], device="cpu")
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def train_model(groups: dict[str, list[str]], seeds: tuple[int, ...] = ENSEMBLE_SEEDS) -> SentenceTransformer:
    """Train the default model; ``groups`` maps each topic to its training texts."""
    tokenizer = train_tokenizer([text for texts in groups.values() for text in texts])
    return combine_members(tokenizer, [train_member(tokenizer, groups, seed) for seed in seeds])


def combine_members(tokenizer: Tokenizer, members: list[CharBigramEmbedding]) -> SentenceTransformer:
    """One model from members trained with the same tokenizer (see the module doc)."""
    if len(members) == 1:
        return SentenceTransformer(modules=[members[0]], device="cpu")
    weights = torch.cat([member.embedding.weight.detach() for member in members], dim=1)
    ensemble = CharBigramEmbedding(tokenizer, embedding_weights=weights, members=len(members))
    return SentenceTransformer(modules=[ensemble], device="cpu")


def train_member(tokenizer: Tokenizer, groups: dict[str, list[str]], seed: int) -> CharBigramEmbedding:
    """One static model trained with in-batch negatives, one pair per topic per step."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    # Without CHAR_BIGRAMS the vocabulary has no pairs and this is a plain StaticEmbedding.
    model = SentenceTransformer(modules=[CharBigramEmbedding(tokenizer, embedding_dim=EMBEDDING_DIM)], device="cpu")
    # Both directions, each with its own softmax: what the deprecated symmetric loss did.
    loss = MultipleNegativesRankingLoss(model, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction")
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
    return model[0]


def _typo(text: str, rng: random.Random) -> str:
    """The text with one random character dropped (short texts are left alone)."""
    if len(text) < 4:
        return text
    cut = rng.randrange(len(text))
    return text[:cut] + text[cut + 1 :]


class CharBigramEmbedding(StaticEmbedding):
    """A StaticEmbedding that also averages in the vectors of adjacent character pairs.

    A bigram such as 增容 or 商铺 means more than its two characters apart.  The
    tokenizer's vocabulary holds the training characters and bigrams, but
    ``tokenizers`` cannot emit overlapping pieces, so the bigram ids are looked up
    here from each text's character tokens.  Bigrams never seen in training are
    skipped (the characters still count).

    With ``members`` > 1 the vector is an ensemble of that many models side by
    side; each member's part is normalised on its own (see :func:`train_model`).
    """

    def __init__(self, tokenizer: Tokenizer, *args, members: int = 1, **kwargs) -> None:
        super().__init__(tokenizer, *args, **kwargs)
        if self.embedding_dim % members:
            raise ValueError(f"embedding dimension {self.embedding_dim} does not split into {members} members")
        self.members = members

    def forward(self, features: dict[str, torch.Tensor], **kwargs) -> dict[str, torch.Tensor]:
        features = super().forward(features, **kwargs)
        if self.members > 1:
            pooled = features["sentence_embedding"]
            parts = torch.nn.functional.normalize(pooled.view(len(pooled), self.members, -1), dim=-1)
            features["sentence_embedding"] = parts.reshape(len(pooled), -1) / self.members**0.5
        return features

    def save(self, output_path: str, *args, **kwargs) -> None:
        super().save(output_path, *args, **kwargs)
        (Path(output_path) / ENSEMBLE_FILE).write_text(json.dumps({"members": self.members}), encoding="utf-8")

    def preprocess(self, inputs: list[str], prompt: str | None = None, **kwargs) -> dict[str, torch.Tensor]:
        encodings = self.tokenizer.encode_batch(inputs, add_special_tokens=False)
        vocabulary = self._vocabulary()
        ids = [
            encoding.ids + [vocabulary[pair] for pair in map("".join, zip(encoding.tokens, encoding.tokens[1:])) if pair in vocabulary]
            for encoding in encodings
        ]
        offsets = torch.tensor([0] + [len(row) for row in ids[:-1]], dtype=torch.long).cumsum(0)
        return {"input_ids": torch.tensor([i for row in ids for i in row], dtype=torch.long), "offsets": offsets}

    @classmethod
    def load(cls, model_name_or_path: str, *args, **kwargs) -> CharBigramEmbedding:
        """The saved module as this class (the parent's ``load`` always builds its own class)."""
        loaded = StaticEmbedding.load(model_name_or_path, *args, **kwargs)
        ensemble = Path(model_name_or_path) / ENSEMBLE_FILE
        members = json.loads(ensemble.read_text(encoding="utf-8"))["members"] if ensemble.exists() else 1
        return cls(loaded.tokenizer, embedding_weights=loaded.embedding.weight.detach(), members=members)

    def _vocabulary(self) -> dict[str, int]:
        if "_bigram_vocabulary" not in self.__dict__:
            self.__dict__["_bigram_vocabulary"] = {t: i for t, i in self.tokenizer.get_vocab().items() if len(t) == 2}
        return self.__dict__["_bigram_vocabulary"]


_OWN_MODULE = f"{CharBigramEmbedding.__module__}.{CharBigramEmbedding.__qualname__}"


def train_tokenizer(texts: list[str]) -> Tokenizer:
    """One token per character of NFKC-normalised, lower-cased text.

    Characters never seen in training map to a single unknown token.  With
    ``CHAR_BIGRAMS`` the vocabulary also holds every adjacent character pair of the
    training texts, for :class:`CharBigramEmbedding`.
    """
    normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    normalised = ["".join(normalizer.normalize_str(text).split()) for text in texts]
    characters = sorted({char for text in normalised for char in text})
    if CHAR_BIGRAMS:
        characters += sorted({text[i : i + 2] for text in normalised for i in range(len(text) - 1)})
    vocabulary = {UNKNOWN: 0} | {char: index for index, char in enumerate(characters, start=1)}
    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token=UNKNOWN))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Split(Regex("."), behavior="isolated")]
    )
    return tokenizer
