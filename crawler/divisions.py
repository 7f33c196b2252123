"""Build `data/regions.csv` from the current division codes, keeping the old codes reports still use.

Pure functions (no Scrapy): `scrapy regions` (crawler/commands/regions.py) calls `build_regions` and
`write_regions`. Inputs:

- the current codes (`../shared/data/divisions/`: provinces.csv, cities.csv, areas.csv, streets.csv, from
  modood/Administrative-divisions-of-China, NBS 统计用区划代码 2023): provinces → `NN0000`, prefectures →
  `NNNN00`, counties → 6 digits, townships (乡镇街道) → 9 digits;
- the project's earlier table, kept as `data/sources/regions-gbt2260-cpca.csv` (GB/T 2260 from the `cpca`
  package, vintage 2015/16, plus the demo codes): every code in it that the current data lack is kept,
  because reports published under it still carry it, and its names of renamed codes become `former_names`;
- `data/sources/division-changes.tsv`: the code changes of 2016–2023 (year, removed/added code, name,
  successor names, the approving document), transcribed from yescallop/areacodes `diff/YYYY-1-YYYY.diff`
  (which cite the Ministry of Civil Affairs' 县级以上行政区划变更情况). It gives a kept code the year it
  stopped being current and the current code(s) that took over.

Output columns (the first four are the `regions` table's; the rest say where a row comes from):
    code, name, level (province | city | county | township), parent,
    status      current (in the current data) | former (abolished, or moved to another code: see
                `changed`, `successors`) | gbt2260 (a GB/T 2260 code the statistical codes never carry:
                市辖区 placeholders, the 省直辖 groupings, 台湾/香港/澳门) | synthetic (the 99xxxx demo region)
    former_names  earlier names of a current code (邢台市桥东区 → 襄都区, same code), `|`-separated
    changed     year the code (or its former name) went out of use, when the change list records it
    successors  current codes that took over a former code, `|`-separated, when derivable
    source      nbs2023 | gbt2260-cpca | demo
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

COLUMNS = ["code", "name", "level", "parent", "status", "former_names", "changed", "successors", "source"]
SAME_NAME = {"_", "#"}  # change-list marks: the same name under a new code
SAME_CODE = "."  # change-list mark: the same code under a new name
# GB/T 2260 codes with no place of their own (the statistical codes leave them out)
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent: str
    status: str = "current"
    former_names: str = ""
    changed: str = ""
    successors: str = ""
    source: str = "nbs2023"


@dataclass(frozen=True)
class Change:
    year: str
    op: str  # "-" removed, "+" added
    code: str
    name: str
    links: tuple[str, ...]  # successor names ("-") or predecessor names ("+"), or the marks above
    document: str


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def current_divisions(root: Path) -> list[RegionRow]:
    """Every division of the current data, parents before children."""
    rows = [RegionRow(r["code"] + "0000", r["name"], "province", "") for r in read_csv(root / "provinces.csv")]
    rows += [
        RegionRow(r["code"] + "00", r["name"], "city", r["provinceCode"] + "0000")
        for r in read_csv(root / "cities.csv")
    ]
    # 东莞, 中山, 儋州 have no districts: the data repeat the city as an area (441900) to hang townships on
    areas = [r for r in read_csv(root / "areas.csv") if r["code"] != r["cityCode"] + "00"]
    rows += [RegionRow(r["code"], r["name"], "county", r["cityCode"] + "00") for r in areas]
    rows += [RegionRow(r["code"], r["name"], "township", r["areaCode"]) for r in read_csv(root / "streets.csv")]
    return rows


def read_changes(path: Path) -> list[Change]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Change(
                r["year"], r["op"], r["code"], r["name"], tuple(x for x in r["links"].split(",") if x), r["document"]
            )
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def build_regions(root: Path, previous: list[dict[str, str]], changes: list[Change]) -> list[RegionRow]:
    """The new table: the current divisions, then the earlier table's codes they lack (see module doc).
    Built from fixed inputs only, so regenerating gives the same file."""
    rows = current_divisions(root)
    by_code = {row.code: row for row in rows}
    removed = {c.code: c for c in changes if c.op == "-"}  # the latest removal wins (codes are reused)
    for old in previous:
        row = by_code.get(old["code"])
        if row is not None:
            if old["name"] != row.name and old["name"] != "市辖区":  # 620201 市辖区 → 嘉峪关市 is no rename
                row.former_names = "|".join(filter(None, [row.former_names, old["name"]]))
                row.changed = removed[old["code"]].year if old["code"] in removed else ""
            continue
        kept = RegionRow(old["code"], old["name"], old["level"], old["parent"], status="former", source="gbt2260-cpca")
        if old["code"].startswith("99"):
            kept.status, kept.source = "synthetic", "demo"
        elif old["name"] in PLACEHOLDERS or old["code"][:2] in ("71", "81", "82"):
            kept.status = "gbt2260"
        elif (change := removed.get(old["code"])) and change.name == old["name"]:
            kept.changed = change.year
            kept.successors = "|".join(successors(change, changes, by_code))
        else:  # not in the change list (e.g. 金明区, merged in 2014): only a same-named successor is derivable
            kept.successors = same_name_county(old["name"], old["code"][:2], by_code) or ""
        rows.append(kept)
        by_code[kept.code] = kept
    return sorted(rows, key=lambda r: (r.source == "demo", r.code))


def successors(change: Change, changes: list[Change], current: dict[str, RegionRow]) -> list[str]:
    """Current codes that took over a removed code, following later removals (错那县 540530 → 540581)."""
    found: list[str] = []
    for link in change.links:
        code = _successor_code(change, link, changes, current)
        while code and code not in current:
            later = next((c for c in changes if c.op == "-" and c.code == code and c.year > change.year), None)
            follow = [_successor_code(later, x, changes, current) for x in later.links] if later else []
            code = next((c for c in follow if c), None)
        if code and current[code].status == "current" and code not in found:
            found.append(code)
    return found


def _successor_code(change: Change, link: str, changes: list[Change], current: dict[str, RegionRow]) -> str | None:
    if link == SAME_CODE:
        return change.code
    name = change.name if link in SAME_NAME else link
    added = [c.code for c in changes if c.op == "+" and c.year == change.year and c.name == name]
    if added:
        return added[0]
    # an existing division took it over (邯郸县 → 邯山区): the one county of that name in the city, else province
    return same_name_county(name, change.code[:4], current) or same_name_county(name, change.code[:2], current)


def same_name_county(name: str, prefix: str, current: dict[str, RegionRow]) -> str | None:
    matches = [
        r.code
        for r in current.values()
        if r.level == "county" and r.status == "current" and r.name == name and r.code.startswith(prefix)
    ]
    return matches[0] if len(matches) == 1 else None


def write_regions(rows: Iterable[RegionRow], path: Path) -> int:
    rows = list(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    return len(rows)


def summary(rows: list[RegionRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        for key in (f"level {row.level}", f"status {row.status}"):
            counts[key] = counts.get(key, 0) + 1
    counts["former with year"] = sum(1 for r in rows if r.status == "former" and r.changed)
    counts["former with successor"] = sum(1 for r in rows if r.status == "former" and r.successors)
    counts["renamed (former_names)"] = sum(1 for r in rows if r.former_names)
    return dict(sorted(counts.items()))
