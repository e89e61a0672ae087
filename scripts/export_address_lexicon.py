"""Write jionlp's administrative names to nlu_data/address_admin_names.txt.

Usage: ``.venv/bin/python scripts/export_address_lexicon.py``

The NLU's address extractor (bot/address_entity.py) runs in the Rasa venv, where
jionlp is not installed; it reads this file instead.  The file is the library's own
lexicon (provinces, prefecture cities, districts and counties, their short names, and
the districts renamed or merged since 2000, which customers still write), so the
extractor and the services' normalizer (services/outage/address.py) know the same
places.  Re-run after upgrading jionlp.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "nlu_data" / "address_admin_names.txt"
# A short name this long or shorter is too common a word to read as a place (e.g. 和平,
# 城区 are districts' short names); only full names of that length are kept.
MIN_ALIAS_CHARS = 2


def admin_names() -> set[str]:
    """Full and short names of every province, city and county jionlp knows, old ones too."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

        current = jionlp.china_location_loader()
        changes = jionlp.china_location_change_loader()
    names: set[str] = set()

    def add(full: str, alias: str | list[str] | None) -> None:
        names.add(full)
        for short in [alias] if isinstance(alias, str) else alias or []:
            if len(short) >= MIN_ALIAS_CHARS:
                names.add(short)

    for province, cities in current.items():
        add(province, cities.get("_alias"))
        for city, counties in cities.items():
            if city.startswith("_"):
                continue
            add(city, counties.get("_alias"))
            for county, info in counties.items():
                if not county.startswith("_"):
                    names.add(county)  # a county's short name (西湖, 和平) is too often a word
    for change in changes:
        for full, _short in change["old_loc"]:
            if full:
                names.add(full)
    return names


def main() -> None:
    names = sorted(admin_names())
    header = "# jionlp administrative names, one a line (scripts/export_address_lexicon.py)\n"
    OUTPUT.write_text(header + "\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} names → {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
