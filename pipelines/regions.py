"""Administrative division codes (GB/T 2260) from data/regions.csv: lookup by code and by name in a text."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable

from data import resource

REGIONS_CSV = resource("regions.csv")
_GENERIC_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province, city, county
    parent: str


@cache
def load_regions(path: Traversable = REGIONS_CSV) -> dict[str, Region]:
    rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    return {row["code"]: Region(**row) for row in rows}


def is_valid_code(code: str) -> bool:
    return code in load_regions()


@cache
def _names() -> dict[str, list[Region]]:
    by_name: dict[str, list[Region]] = {}
    for region in load_regions().values():
        if region.name in _GENERIC_NAMES:
            continue
        by_name.setdefault(region.name, []).append(region)
        short = _short_name(region.name)
        if short and short != region.name:
            by_name.setdefault(short, []).append(region)
    return by_name


def _short_name(name: str) -> str | None:
    """河北省 → 河北, 淮安市 → 淮安: agencies often write «省教育厅» but portals «河北教育厅»."""
    short = re.sub(r"(省|市|自治区|特别行政区|壮族自治区|回族自治区|维吾尔自治区)$", "", name)
    return short if len(short) >= 2 and short != name and name.endswith(("省", "市", "自治区")) else None


@cache
def _name_pattern() -> re.Pattern:
    names = sorted(_names(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def region_code_for(agency: str | None) -> str | None:
    """The most specific division named in an agency name (河北省教育厅 → 130000), or None if ambiguous."""
    if not agency:
        return None
    mentioned = [_names()[match.group(0)] for match in _name_pattern().finditer(agency)]
    if not mentioned:
        return None
    chosen: Region | None = None
    for candidates in mentioned:
        narrowed = [r for r in candidates if chosen is None or _within(r, chosen)] or candidates
        if len(narrowed) > 1:
            return chosen.code if chosen else None
        chosen = narrowed[0]
    return chosen.code if chosen else None


def _within(region: Region, ancestor: Region) -> bool:
    regions = load_regions()
    while region.parent:
        if region.parent == ancestor.code:
            return True
        region = regions[region.parent]
    return False


def region_name_at(text: str) -> int | None:
    """Offset of the first division name in `text`, or None."""
    match = _name_pattern().search(text)
    return match.start() if match else None


def region_names_in(text: str, suffix: str) -> set[str]:
    """Full division names ending in `suffix` («砚山县», «河北省») mentioned in `text`."""
    names = load_region_names()
    found = set()
    for match in re.finditer(re.escape(suffix), text):
        before = text[max(0, match.start() - 8) : match.end()]
        found.update(before[i:] for i in range(len(before) - 2) if before[i:] in names)
    return found


@cache
def load_region_names() -> frozenset[str]:
    return frozenset(region.name for region in load_regions().values())
