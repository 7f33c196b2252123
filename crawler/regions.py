"""Administrative division codes (GB/T 2260) the crawler needs, loaded from `data/regions.csv`.

Codes 99xxxx are not GB/T 2260 codes: they name the synthetic demo portal (`scrapy crawl demo`),
so that made-up reports are never attributed to a real place.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent: str | None


@cache
def regions() -> dict[str, Region]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return {
            row["code"]: Region(row["code"], row["name"], row["level"], row["parent"] or None)
            for row in csv.DictReader(f)
        }


def is_valid_code(code: str) -> bool:
    return isinstance(code, str) and len(code) == 6 and code.isdigit() and code in regions()


def is_valid_prefix(prefix: str) -> bool:
    """A region prefix for `-a region=`: 2, 4 or 6 digits that start at least one known code."""
    return (
        isinstance(prefix, str)
        and len(prefix) in (2, 4, 6)
        and prefix.isdigit()
        and any(c.startswith(prefix) for c in regions())
    )
