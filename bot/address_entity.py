"""The address entity, found by Chinese address grammar rather than guessed by DIET.

DIET tags addresses from a few hundred examples and gets their edges wrong: it tags stray
words (湖, 火星, 单元), cuts an unknown name in two, or runs on into 那块.  A Chinese address
has a grammar (bot/address_grammar.py: administrative names from jionlp's lexicon, then
towns, roads, places and numbers), so ``AddressExtractor`` reads it that way.

What the grammar finds replaces the address entities DIET gave for that span.  An address
DIET found where the grammar found none is kept only if it reads as an address (it names an
administrative area or ends like a road, place or number), so 湖 or 和平(精英) is dropped.
The value is left to ``EntityNormalizer``, which runs next; the services' normalizer
(``services/outage/address.py``, jionlp) splits the address into its parts.
Measured in reports/address.md.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.address_grammar import find_addresses, reads_as_address

ENTITY = "address"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class AddressExtractor(GraphComponent, EntityExtractorMixin):
    """Address entities from the address grammar; DIET's kept only where they read as one."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AddressExtractor:
        """Creates the component; it has nothing to train (the lexicon is a data file)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace each message's address entities by the grammar's, keeping the rest."""
        for message in messages:
            text = message.get(TEXT) or ""
            message.set(ENTITIES, self._entities(text, message.get(ENTITIES, [])), add_to_output=True)
        return messages

    def _entities(self, text: str, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        found = self.add_extractor_name(
            [{"entity": ENTITY, "start": s, "end": e, "value": text[s:e]} for s, e in find_addresses(text)]
        )
        kept = []
        for entity in entities:
            if entity.get("entity") != ENTITY:
                kept.append(entity)
            elif "start" in entity and not any(_overlaps(entity, f) for f in found):
                if reads_as_address(text[entity["start"] : entity["end"]]):
                    kept.append(entity)
        return sorted(kept + found, key=lambda e: e.get("start", 0))


def _overlaps(first: Dict[Text, Any], second: Dict[Text, Any]) -> bool:
    return first["start"] < second["end"] and second["start"] < first["end"]
