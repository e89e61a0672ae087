"""Imported by Python itself at start-up in the Rasa server's process only (scripts/stack.py
puts this folder on that process's PYTHONPATH): ``jsonschema.validate`` without checking
the same schema again on every call.

Rasa 3.6 validates every answer of the action server with ``jsonschema.validate(result,
spec)``, and ``jsonschema.validate`` first checks the schema itself against its
meta-schema, every time, before validating the instance: about 20 ms of CPU per custom
action on this machine, over 40 % of Rasa's Python time in a conversation (py-spy,
reports/bench.md), for a schema that never changes.  Here a schema is checked once and its
validator kept (keyed by the schema's content, since Rasa builds the dict anew per call);
the instance is validated exactly as before: the same validator class, the same
``best_match`` error raised.  A schema that fails its check is never cached, so it fails
every time as before.  Nothing else of Rasa's changes.
"""
from __future__ import annotations

import json
from typing import Any

_validators: dict[tuple[str, Any], Any] = {}


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """``jsonschema.validate`` with the schema's check and its validator kept per schema."""
    from jsonschema import exceptions, validators

    if args or kwargs:  # options for the validator: not what Rasa passes, not cached
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        key = (json.dumps(schema, sort_keys=True, default=repr), cls)
    except (TypeError, ValueError):
        return _original_validate(instance, schema, cls)
    validator = _validators.get(key)
    if validator is None:
        validator_cls = cls or validators.validator_for(schema)
        validator_cls.check_schema(schema)  # raises SchemaError: then nothing is kept
        validator = _validators[key] = validator_cls(schema)
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Replace ``jsonschema.validate`` (Rasa imports it by name when it validates)."""
    global _original_validate
    try:
        import jsonschema
    except ImportError:  # not Rasa's environment: nothing to speed up
        return
    if getattr(jsonschema.validate, "__name__", "") != cached_validate.__name__:
        _original_validate = jsonschema.validate
        jsonschema.validate = cached_validate


def _original_validate(*args: Any, **kwargs: Any) -> None:  # replaced by install()
    from jsonschema import validate

    validate(*args, **kwargs)


if __name__ == "sitecustomize":  # at interpreter start-up, not when a test imports the file
    install()
