"""Custom Rasa 3.6 NLU components for PowerDesk's Chinese pipeline.

- ``DictionaryJiebaTokenizer``: jieba segmentation driven by the dictionary
  (nlu_data/dict) only, without whitespace tokens. Jieba's HMM new-word
  guessing glues numbers to their neighbours ("两千五百度要", "查二") and jieba
  emits spaces as tokens ("户号 3301 234 567"); both misalign entity labels.
- ``EntityNormalizer``: DIET and RegexEntityExtractor may both find the same
  户号; this keeps one entity per span, rejoins addresses DIET tagged in
  pieces, and turns the text into the canonical value from
  ``services.textnorm`` so slots and actions never parse raw text.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from services import clock
from services.textnorm import VAGUE_PREFIXES, VAGUE_SUFFIX, normalize_entity


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class DictionaryJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer without HMM new-word guessing and without whitespace tokens."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Segment with the jieba dictionary only; drop tokens that are only spaces."""
        import jieba

        words = jieba.tokenize(message.get(attribute), HMM=False)
        tokens = [Token(word, start) for word, start, _ in words if word.strip()]
        return self._apply_token_pattern(tokens)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class EntityNormalizer(GraphComponent, EntityExtractorMixin):
    """One entity per span, with a normalized ``value`` and the original ``raw`` text.

    Runs after all extractors. Entities whose text cannot be normalized (a
    9-digit "户号", "一百多块") are dropped so the form asks again; addresses
    are free text and always kept.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Which entities trust the regex extractor over DIET, and which are free text."""
        return {
            "prefer_regex_for": ["account_no", "phone"],
            "free_text_entities": ["address"],
            # DIET tags unknown place names character by character and can
            # leave a gap inside one address: 余姚市梨洲街道[谭家]岭东路18号
            "max_free_text_gap": 2,
            # DIET may tag "千块" in "损失几千块" or "一百" in "一百多块": the
            # neighbouring 几/多 make the figure vague, so it is judged with them
            "quantity_entities": ["amount", "kwh"],
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._prefer_regex_for = set(config["prefer_regex_for"])
        self._free_text = set(config["free_text_entities"])
        self._max_gap = config["max_free_text_gap"]
        self._quantities = set(config["quantity_entities"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityNormalizer:
        """Creates the component; it has nothing to train or load."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace each message's entities by normalized, de-duplicated ones.

        Normalizing before de-duplicating means an unparseable guess (DIET
        tagging "充值￥50" as one entity) cannot push out a valid overlapping
        regex hit ("￥50").
        """
        today = clock.today()
        for message in messages:
            text = message.get(TEXT)
            entities = sorted(message.get(ENTITIES, []), key=lambda e: e.get("start", 0))
            normalized = [
                entity
                for entity in (self._normalize(e, text, today) for e in self._join_pieces(entities, text))
                if entity is not None
            ]
            message.set(ENTITIES, self._deduplicate(normalized), add_to_output=True)
        return messages

    def _priority(self, entity: Dict[Text, Any]) -> tuple:
        """Sort key: trusted regex hits first, then longer spans, then earlier ones."""
        trusted_regex = (
            entity.get("extractor") == "RegexEntityExtractor"
            and entity["entity"] in self._prefer_regex_for
        )
        length = entity.get("end", 0) - entity.get("start", 0)
        return (not trusted_regex, -length, entity.get("start", 0))

    def _deduplicate(self, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """Keep the best entity of every group of overlapping spans, in text order."""
        kept: List[Dict[Text, Any]] = []
        for entity in sorted(entities, key=self._priority):
            if not any(_overlaps(entity, other) for other in kept):
                kept.append(entity)
        return sorted(kept, key=lambda e: e.get("start", 0))

    def _join_pieces(
        self, entities: List[Dict[Text, Any]], text: Text
    ) -> List[Dict[Text, Any]]:
        """Join free-text entities of one type separated by a short gap of plain characters."""
        joined: List[Dict[Text, Any]] = []
        for entity in entities:
            previous = joined[-1] if joined else None
            if previous is not None and self._is_one_piece(previous, entity, text):
                joined[-1] = {**previous, "end": max(previous["end"], entity["end"])}
            else:
                joined.append(entity)
        return joined

    def _is_one_piece(self, first: Dict[Text, Any], second: Dict[Text, Any], text: Text) -> bool:
        """Whether two free-text entities are parts of one, e.g. one address."""
        if first["entity"] != second["entity"] or first["entity"] not in self._free_text:
            return False
        if "end" not in first or "start" not in second:
            return False
        gap = text[first["end"] : second["start"]]
        return len(gap) <= self._max_gap and all(ch.isalnum() for ch in gap)

    def _normalize(
        self, entity: Dict[Text, Any], text: Text, today: date
    ) -> Optional[Dict[Text, Any]]:
        """The entity with its canonical value and raw text, or None if unparseable."""
        raw = _entity_text(entity, text)
        judged = _with_vague_context(entity, text) if entity["entity"] in self._quantities else raw
        value = normalize_entity(entity["entity"], judged, today)
        if value is None and entity["entity"] in self._free_text:
            value = raw
        if value is None:
            return None
        normalized = {**entity, "value": value, "raw": raw}
        return self.add_processor_name(normalized)


def _overlaps(first: Dict[Text, Any], second: Dict[Text, Any]) -> bool:
    """Whether two entities share at least one character of the message."""
    if "start" not in first or "start" not in second:
        return False
    return first["start"] < second["end"] and second["start"] < first["end"]


def _with_vague_context(entity: Dict[Text, Any], text: Text) -> Text:
    """The quantity's text with an adjacent vague word (几, 好几, 数 / 多) kept on.

    textnorm treats "几千块" and "一百多块" as no figure at all; a tagger that
    left the vague word outside its span must not turn them into 1000 or 100.
    """
    raw = _entity_text(entity, text)
    if "start" not in entity or "end" not in entity or not text:
        return raw
    before = text[: entity["start"]]
    prefix = next((p for p in VAGUE_PREFIXES if before.endswith(p)), "")
    suffix = VAGUE_SUFFIX if text[entity["end"] :].startswith(VAGUE_SUFFIX) else ""
    return prefix + raw + suffix


def _entity_text(entity: Dict[Text, Any], text: Text) -> Text:
    """The entity as the customer wrote it (synonym mapping may have changed ``value``)."""
    if "start" in entity and "end" in entity and text:
        return text[entity["start"] : entity["end"]]
    return str(entity.get("value", ""))
