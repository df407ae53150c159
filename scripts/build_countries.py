"""Write src/extract/data/countries.jsonl from pycountry's German ISO 3166 names plus the
hand-kept src/extract/data/countries_overrides.yaml.

    .venv/bin/python scripts/build_countries.py

One line per state: ``{"id", "names", "adjectives", "demonyms", "capitals", "seats",
"historical"}``. Only base forms are written; the entity ruler generates inflections
(genitives, adjective endings, demonym plurals) when it compiles its patterns.
A name that two states would share ("Korea" from "Korea, Republik" and "Korea,
Demokratische Volksrepublik") is dropped unless the overrides give it to one of them.
"""

from __future__ import annotations

import gettext
import json
import re
from collections import Counter
from pathlib import Path

import pycountry
import yaml

DATA = Path(__file__).resolve().parents[1] / "src" / "extract" / "data"


def clean(name: str) -> list[str]:
    """ISO display names → names as German text writes them."""
    name = re.sub(r"\s*\([^)]*\)\s*", " ", name).replace("- ", "-").strip()  # "(Staat Vatikanstadt)"
    name = re.sub(r"-\s*-", "-", name)
    # "Iran, Islamische Republik" → "Iran"; the official name already has the long form.
    return [name.split(",")[0].strip()] if name else []


def iso_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for domain, records in (("iso3166-1", pycountry.countries), ("iso3166-3", pycountry.historic_countries)):
        tr = gettext.translation(domain, pycountry.LOCALES_DIR, languages=["de"]).gettext
        for c in records:
            forms = clean(tr(c.name))
            if getattr(c, "official_name", None):
                forms += clean(tr(c.official_name))
            names.setdefault(c.alpha_3, []).extend(forms)
    return names


def build() -> list[dict]:
    overrides = yaml.safe_load((DATA / "countries_overrides.yaml").read_text(encoding="utf-8"))
    iso = iso_names()
    current = {c.alpha_3 for c in pycountry.countries}
    ids = sorted(current | set(overrides))
    generated = {i: list(dict.fromkeys(iso.get(i, []))) for i in ids}
    # Names two states share are ambiguous: drop them, an override can give one back.
    owners = Counter(n for i in ids for n in generated[i])
    records = []
    for i in ids:
        o = overrides.get(i) or {}
        drop = set(o.get("drop", [])) | {n for n in generated[i] if owners[n] > 1}
        names = [n for n in generated[i] if n not in drop] + list(o.get("n", []))
        records.append(
            {
                "id": i,
                "names": list(dict.fromkeys(names)),
                "adjectives": o.get("a", []),
                "demonyms": o.get("d", []),
                "capitals": o.get("c", []),
                "seats": o.get("s", []),
                "historical": bool(o.get("hist")) or i not in current,
            }
        )
    return records


def main() -> None:
    records = build()
    with (DATA / "countries.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} states to {DATA / 'countries.jsonl'}")


if __name__ == "__main__":
    main()
