"""What a customer reads for the messages an action sent, rendered from the domain.

Actions choose a response (``utter_*`` in bot/domain.yml) and pass its data; Rasa fills
the template.  Action tests render the same way, so they assert on the wording the
customer gets, not on response names alone."""
from __future__ import annotations

from functools import lru_cache
from string import Formatter

import yaml
from rasa_sdk.executor import CollectingDispatcher

from services.settings import REPO_ROOT


@lru_cache(maxsize=1)
def responses() -> dict[str, list[dict]]:
    domain = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def render(message: dict) -> str:
    """One dispatched message as text; a missing template variable fails the test."""
    if message.get("text"):
        return message["text"]
    name = message.get("response")
    if not name:
        return ""
    template = responses()[name][0]["text"]
    needed = {field for _, field, _, _ in Formatter().parse(template) if field}
    missing = needed - message.keys()
    assert not missing, f"{name} needs {sorted(missing)}"
    return template.format(**{key: message[key] for key in needed})


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(render(m) for m in dispatcher.messages)
