"""The dealer of new NLU examples: every 5th to held-out, and nothing already known.

A sentence already in the training set that lands in the held-out set would be scored
by a model trained on it; the dealer drops it (annotations and spaces do not make a
sentence new)."""
from pathlib import Path

import pytest

from scripts import split_nlu_examples as dealer


def write(path: Path, intent: str, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"    - {line}\n" for line in lines)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{body}', encoding="utf-8")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(dealer, "ROOT", tmp_path)
    write(tmp_path / "nlu_data" / "train" / "top_up.yml", "top_up", ["交[两百](amount)电费"])
    write(tmp_path / "nlu_data" / "heldout" / "faq.yml", "faq", ["过户要带什么"])
    return tmp_path


def test_every_fifth_new_example_is_held_out(project: Path) -> None:
    staging = project / "staging"
    new = [f"帮我充{n}块" for n in "一二三四五六七八九十"]
    write(staging / "top_up.yml", "top_up", new)
    assert dealer.split(staging) == {"top_up": (8, 2, 0)}
    heldout = dealer.read_examples(project / "nlu_data" / "heldout" / "top_up.yml")["top_up"]
    assert heldout == [new[4], new[9]]
    assert not list(staging.glob("*.yml"))


def test_known_sentences_are_dropped_whatever_their_intent_or_annotation(project: Path) -> None:
    staging = project / "staging"
    write(staging / "query_bill.yml", "query_bill", ["交两百 电费", "过户要带什么", "查下电费", "查下 电费"])
    assert dealer.split(staging) == {"query_bill": (1, 0, 3)}
    trained = dealer.read_examples(project / "nlu_data" / "train" / "query_bill.yml")["query_bill"]
    assert trained == ["查下电费"]


def test_plain_text_strips_annotations_and_spaces() -> None:
    assert dealer.plain_text("户号 [3301 5566 77](account_no) 查[上个月](month)") == "户号3301556677查上个月"


def test_no_held_out_sentence_is_trained_on() -> None:
    """The real data: a sentence of nlu_data/heldout that is also in nlu_data/train would
    make the held-out figures in reports/nlu.md score the model on what it learned."""
    def sentences(part: str) -> set[str]:
        return {dealer.plain_text(line) for path in (dealer.ROOT / "nlu_data" / part).glob("*.yml")
                for lines in dealer.read_examples(path).values() for line in lines}
    assert sentences("heldout"), "no held-out data found"
    assert sentences("heldout") & sentences("train") == set()
