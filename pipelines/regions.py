"""Administrative division codes from data/regions.csv: lookup by code and by name in a text.

The table (built by `scrapy regions`, crawler/divisions.py) holds the current codes down to townships
(9 digits) and the earlier codes reports still carry (status `former`, with the year they changed and
their successors). Name lookups (`region_code_for`, `region_name_at`, `region_names_in`) cover provinces,
prefectures and counties, under their current and former names; townships are looked up only inside a
known county (`township_code_for`): 城关镇 or 新华街道 alone names hundreds of places.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable

from data import resource

REGIONS_CSV = resource("regions.csv")
_GENERIC_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str  # province, city, county, township
    parent: str
    status: str = "current"  # current | former | gbt2260 | synthetic
    former_names: str = ""  # `|`-separated
    changed: str = ""  # year the code or its former name went out of use
    successors: str = ""  # `|`-separated current codes that took over a former code
    source: str = ""


_FIELDS = set(Region.__dataclass_fields__)


@cache
def load_regions(path: Traversable = REGIONS_CSV) -> dict[str, Region]:
    with path.open(encoding="utf-8") as handle:
        return {row["code"]: Region(**{k: v for k, v in row.items() if k in _FIELDS}) for row in csv.DictReader(handle)}


def is_valid_code(code: str) -> bool:
    return code in load_regions()


@cache
def _names() -> dict[str, list[Region]]:
    by_name: dict[str, list[Region]] = {}
    for region in load_regions().values():
        if region.level == "township":
            continue
        for name in (region.name, *filter(None, region.former_names.split("|"))):
            if name in _GENERIC_NAMES:
                continue
            by_name.setdefault(name, []).append(region)
            short = _short_name(name)
            if short and short != name:
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
    seen = set()
    while region.parent and region.parent in regions and region.code not in seen:
        seen.add(region.code)
        if region.parent == ancestor.code:
            return True
        region = regions[region.parent]
    return False


def is_within(code: str, ancestor: str) -> bool:
    """`code` lies inside `ancestor` (both known codes)."""
    regions = load_regions()
    return code in regions and ancestor in regions and _within(regions[code], regions[ancestor])


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
    """Full names (current and former) of provinces, prefectures and counties."""
    regions = (r for r in load_regions().values() if r.level != "township")
    return frozenset(name for r in regions for name in (r.name, *filter(None, r.former_names.split("|"))))


@cache
def _townships() -> dict[str, list[Region]]:
    by_county: dict[str, list[Region]] = {}
    for region in load_regions().values():
        if region.level == "township":
            by_county.setdefault(region.parent, []).append(region)
    return by_county


def township_code_for(text: str | None, county_code: str) -> str | None:
    """The 9-digit code of the one township of `county_code` named in `text` (示例县城关镇人民政府), else None."""
    if not text:
        return None
    named = {r.code for r in _townships().get(county_code, []) if r.name in text}
    return named.pop() if len(named) == 1 else None
