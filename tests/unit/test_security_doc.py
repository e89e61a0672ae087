"""docs/security.md names the test that covers each threat: every name it gives exists."""
from __future__ import annotations

import re

from services.settings import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def test_every_test_the_threat_map_names_exists():
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", DOC)
    assert len(named) > 30
    missing = [(path, test) for path, test in named
               if not re.search(rf"def {test}\b", (REPO_ROOT / path).read_text(encoding="utf-8"))]
    assert missing == []


def test_every_test_file_it_names_exists():
    files = set(re.findall(r"`(tests/[\w/]+\.py)", DOC))
    assert files and all((REPO_ROOT / path).is_file() for path in files)
