"""PowerDesk's tokenizer for Rasa 3.6's Chinese pipeline.

``DictionaryJiebaTokenizer``: jieba segmentation driven by the dictionary
(nlu_data/dict) only, without whitespace tokens. Jieba's HMM new-word guessing glues
numbers to their neighbours ("两千五百度要", "查二") and jieba emits spaces as tokens
("户号 3301 234 567"); both misalign entity labels.

Its code shapes every feature the model is trained on, so scripts/train_model.py
fingerprints this file and retrains without Rasa's cache when it changes.
"""
from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


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
