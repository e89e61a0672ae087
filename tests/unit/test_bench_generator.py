"""The load generator's pure parts (bench/): percentiles, the scenario file, py-spy's
collapsed stacks.  No timing is asserted here: speed goals live in reports/bench.md."""
from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest

from bench.profiling import area_of, inclusive_areas, parse_collapsed, self_time
from bench.scenarios import ScenarioError, load_scenarios, parse_scenarios, rotation, turn_kinds
from bench.stats import overhead, percentile, summarize


def test_percentiles_interpolate_between_ranks_as_numpy_does() -> None:
    samples = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert percentile(samples, 0) == 15.0 and percentile(samples, 100) == 50.0
    assert percentile(samples, 50) == 35.0
    assert percentile(samples, 40) == pytest.approx(29.0)  # rank 1.6: 20 + 0.6 × 15
    assert percentile(list(reversed(samples)), 95) == pytest.approx(48.0)  # order does not matter


def test_percentile_of_one_and_of_none() -> None:
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_counts_rates_and_errors() -> None:
    summary = summarize([100.0] * 9 + [1000.0], errors=1, unexpected=2, seconds=5.0)
    assert (summary.count, summary.per_s, summary.p50) == (10, 2.0, 100.0)
    assert summary.p99 == pytest.approx(919.0)
    assert summary.error_rate == 0.1 and summary.as_dict()["unexpected"] == 2
    assert summarize([], 0, 0, 0.0).per_s == 0.0


def test_overhead_is_a_ratio_over_bare_rasa() -> None:
    assert overhead(110.0, 100.0) == pytest.approx(0.10)
    assert overhead(90.0, 100.0) == pytest.approx(-0.10)


SCENARIOS = """
lookup:
  weight: 2
  account: postpaid
  turns:
    - small_talk: 你好
    - account_no: "{account_no}"
      expect: 后4位
    - verify: "{last4}"
faq:
  turns:
    - faq: 发票怎么开
"""


def test_scenarios_parse_with_types_placeholders_and_expectations() -> None:
    lookup, faq = parse_scenarios(SCENARIOS)
    assert (lookup.name, lookup.weight, lookup.account) == ("lookup", 2, "postpaid")
    assert (faq.weight, faq.account) == (1, "any")
    assert [t.kind for t in lookup.turns] == ["small_talk", "account_no", "verify"]
    assert lookup.turns[1].expect == "后4位" and lookup.turns[0].expect is None
    assert lookup.turns[2].filled({"account_no": "1100000123", "last4": "4321"}) == "4321"
    assert turn_kinds([lookup, faq]) == ["small_talk", "account_no", "verify", "faq"]


def test_rotation_follows_the_weights_interleaved() -> None:
    lookup, faq = parse_scenarios(SCENARIOS)
    first = [s.name for s in itertools.islice(rotation([lookup, faq]), 6)]
    assert first == ["lookup", "faq", "lookup"] * 2


@pytest.mark.parametrize("document,complaint", [
    ("a:\n  turns: []\n", "non-empty `turns`"),
    ("a:\n  turns:\n    - faq: '{name}'\n", "unknown placeholder"),
    ("a:\n  turns:\n    - faq: x\n      bill: y\n", "exactly one"),
    ("a:\n  turns:\n    - just text\n", "`type: text`"),
    ("a:\n  weight: 0\n  turns:\n    - faq: x\n", "weight"),
    ("a:\n  account: vip\n  turns:\n    - faq: x\n", "account must be"),
    ("- not a mapping\n", "mapping"),
])
def test_scenario_mistakes_are_named(document: str, complaint: str) -> None:
    with pytest.raises(ScenarioError, match=complaint):
        parse_scenarios(document)


def test_the_shipped_scenarios_cover_every_conversation_kind() -> None:
    kinds = set(turn_kinds(load_scenarios()))
    assert {"verify", "top_up_confirm", "outage_report", "outage_query", "faq", "small_talk"} <= kinds


COLLAPSED = """\
<module> (rasa/__main__.py:10);parse (/v/lib/python3.10/site-packages/rasa/nlu/x.py:5);call (/v/lib/python3.10/site-packages/tensorflow/y.py:9) 30
<module> (rasa/__main__.py:10);parse (/v/lib/python3.10/site-packages/rasa/nlu/x.py:5);cut (/v/lib/python3.10/site-packages/jieba/__init__.py:3) 10
run (/usr/lib/python3.11/asyncio/events.py:80);handle_turn (/w/api/turns.py:96) 10
garbage line
"""


def test_collapsed_stacks_sum_into_self_time_and_areas() -> None:
    stacks = parse_collapsed(COLLAPSED)
    assert sum(stacks.values()) == 50 and len(stacks) == 3
    top = dict(self_time(stacks))
    assert top["call (tensorflow: y.py)"] == pytest.approx(0.6)
    areas = dict(inclusive_areas(stacks))
    assert areas["rasa"] == pytest.approx(0.8) and areas["tensorflow"] == pytest.approx(0.6)
    assert areas["api/ (project)"] == pytest.approx(0.2) and areas["stdlib asyncio"] == pytest.approx(0.2)
    assert parse_collapsed("") == Counter()


def test_areas_of_files() -> None:
    assert area_of("/x/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py") == "sqlalchemy"
    assert area_of("/usr/local/lib/python3.11/json/decoder.py") == "stdlib json"
    assert area_of("/work/wt/bench/services/conversations/store.py") == "services/ (project)"
