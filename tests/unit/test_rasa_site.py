"""scripts/rasa_site/sitecustomize.py, in Rasa's own environment (.venv-rasa, where
jsonschema is): jsonschema.validate is replaced at start-up and still accepts and rejects
exactly what the original does, with the same error; a broken schema still fails."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from services.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SITE = REPO_ROOT / "scripts" / "rasa_site"

CHECK = r"""
import json, sys
import jsonschema
from jsonschema import validators

schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object",
          "properties": {"event": {"type": "string"}}, "required": ["event"]}}}, "additionalProperties": False}
cases = [{"events": [{"event": "slot"}]}, {"events": [{"name": "x"}]}, {"events": 1}, {"other": True}]

def outcome(validate, instance, schema):
    try:
        validate(instance, dict(schema))  # a new dict each call, as Rasa builds it
        return "ok"
    except jsonschema.ValidationError as error:
        return "invalid: " + error.message
    except jsonschema.SchemaError as error:
        return "bad schema: " + error.message

original = validators.validate
print(json.dumps({
    "installed": jsonschema.validate.__name__,
    "patched": [outcome(jsonschema.validate, c, schema) for c in cases * 2],
    "original": [outcome(original, c, schema) for c in cases * 2],
    "broken": [outcome(jsonschema.validate, {}, {"type": 12}) for _ in range(2)],
}))
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    assert RASA_PYTHON.exists(), "no .venv-rasa: make test builds it (make setup) before the tests"
    env = {**os.environ, "PYTHONPATH": str(SITE)}
    done = subprocess.run([str(RASA_PYTHON), "-c", CHECK], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_replacement_is_installed_at_start_up(outcomes: dict) -> None:
    assert outcomes["installed"] == "cached_validate"


def test_it_accepts_and_rejects_as_jsonschema_does(outcomes: dict) -> None:
    assert outcomes["patched"] == outcomes["original"]
    assert outcomes["patched"][0] == "ok"
    assert all(result.startswith("invalid: ") for result in outcomes["patched"][1:4])


def test_a_broken_schema_fails_every_time(outcomes: dict) -> None:
    assert all(result.startswith("bad schema: ") for result in outcomes["broken"])
