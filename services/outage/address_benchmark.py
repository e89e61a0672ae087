"""Which address library reads the project's own addresses better: jionlp or cpca.

``python -m services.outage.address_benchmark`` prints the table in reports/address.md.

The examples are every ``[…](address)`` annotation in nlu_data/train/*.yml and the demo
accounts' addresses from the billing seed (at the production and the test size: they come
from the seed's random generator); their hand-checked parts are in address_examples.tsv.
An example counts as parsed right when province, city and district are right and the text
after the district is kept whole (a library that drops "文三路" loses the street).  A merged
district under its old name (江干区 for 上城区) and cpca's 市辖区 for a municipality's city
count as right: they name the same place.  The project's normalizer (address.py) is scored
on every part.  cpca is not a dependency; reports/address.md says how to run it beside.
"""
from __future__ import annotations

import csv
import importlib.metadata
import re
from collections.abc import Callable
from pathlib import Path

from services.settings import REPO_ROOT

EXAMPLES = Path(__file__).resolve().parent / "address_examples.tsv"
ADMIN = ("province", "city", "district")
PARTS = ("province", "city", "district", "street", "number", "building", "unit", "room", "rest")
OLD_NAMES = {"下城区": "拱墅区", "江干区": "上城区"}  # merged in 2021 into these
# cpca's option for district names several provinces have: the ones in the service area.
CPCA_UMAP = {"西湖区": "330106", "江北区": "330205"}

Parse = Callable[[str], dict]


def gold_rows() -> list[dict]:
    with EXAMPLES.open(encoding="utf-8") as handle:
        return [{k: v or None for k, v in row.items()} for row in csv.DictReader(handle, delimiter="\t")]


def project_examples() -> list[str]:
    """The address annotations of the training data and the demo accounts' seeded addresses."""
    from services.billing.models import Customer
    from services.billing.seed import _demo_profiles, generate

    pattern = re.compile(r"\[([^\]]+)\]\(address\)")
    found = {m for path in sorted((REPO_ROOT / "nlu_data" / "train").glob("*.yml"))
             for m in pattern.findall(path.read_text(encoding="utf-8"))}
    demos = len(_demo_profiles())
    seeded = [c["address"] for size in (5000, 40) for c in generate(size).tables[Customer][:demos]]
    return sorted(found) + seeded


def _jionlp(text: str) -> dict:
    import jionlp

    parsed = jionlp.parse_location(text)
    return {"province": parsed["province"], "city": parsed["city"], "district": parsed["county"],
            "detail": parsed["detail"]}


def _cpca(umap: dict[str, str]) -> Parse:
    def parse(text: str) -> dict:
        import cpca

        row = cpca.transform([text], umap=umap).iloc[0]
        # cpca leaves NaN where it found nothing, the rest of the text included
        value = {key: (row[col] if isinstance(row[col], str) and row[col] else None)
                 for key, col in (("province", "省"), ("city", "市"), ("district", "区"), ("detail", "地址"))}
        if value["city"] == "市辖区":
            value["city"] = value["province"]
        return value
    return parse


def _same(predicted: str | None, gold: str | None) -> bool:
    return OLD_NAMES.get(predicted or "", predicted) == gold


def admin_right(predicted: dict, gold: dict) -> bool:
    detail = predicted["detail"] or None
    return all(_same(predicted[k], gold[k]) for k in ADMIN) and detail == gold["detail"]


def parts_right(text: str, gold: dict) -> bool:
    from services.outage.address import normalize_address

    address = normalize_address(text, province="zhejiang")
    return all(getattr(address, k) == gold[k] for k in PARTS)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def score(name: str, package: str, check: Callable[[str, dict], bool], rows: list[dict]) -> str:
    version = _version(package)
    if not version:
        return f"| {name} | not installed | | |"
    wrong = [row["address"] for row in rows if not check(row["address"], row)]
    shown = "、".join(wrong[:20]) + (" …" if len(wrong) > 20 else "")
    return f"| {name} | {version} | {len(rows) - len(wrong)} / {len(rows)} | {shown} |"


def main() -> None:
    rows = gold_rows()
    labelled = {row["address"] for row in rows}
    unlabelled = [text for text in project_examples() if text not in labelled]
    cpca_plain, cpca_umap = _cpca({}), _cpca(CPCA_UMAP)
    print("| parser | version | parsed right | wrong |")
    print("|---|---|---|---|")
    print(score("cpca `transform`", "cpca", lambda t, g: admin_right(cpca_plain(t), g), rows))
    print(score("cpca `transform(umap=西湖区/江北区 in Zhejiang)`", "cpca", lambda t, g: admin_right(cpca_umap(t), g), rows))
    print(score("jionlp `parse_location`", "jionlp", lambda t, g: admin_right(_jionlp(t), g), rows))
    print(score("services/outage/address.py (jionlp, checks, province), every part", "jionlp", parts_right, rows))
    if unlabelled:
        print(f"\n{len(unlabelled)} examples have no hand-checked row in {EXAMPLES.name}: {'、'.join(unlabelled)}")


if __name__ == "__main__":
    main()
