"""The portal registry as data: `data/portals.csv`, one row per government portal home page.

Built by `scrapy portals` (crawler/commands/portals.py) from the public portal list
(`../shared/data/portals/government-portals.tsv`: anyi-econ/china-public-debt@9b01b30a `data/website-gov.ts`)
and its review (`data/sources/portal-review.tsv`, transcribed from the same repository's
`docs/website-gov-review.md`@1934e725, 2026-04-18), matched to `data/regions.csv`. Pure functions; the
crawl side reads the file with `load_portals` / `portals_in`.

Columns:
    code          division code the place matched (blank: unmatched, see `match`)
    name, path    the place as the source names it (`河北省/唐山市/滦州市`), depth 1–3 from `level`
    level         1 province-level, 2 prefecture or municipal district, 3 county-level (the source's depth)
    home_url      the portal's home page (blank for 4 places the source has none for)
    review        ok (checked by the source's script) | browser-only (a WAF answers scripts — HTTP
                  412/468/521/403 — the source confirmed the site by hand in a browser) | doubtful | empty
    review_note   the source's reason (HTTP 412, timeout…)
    match         exact (name under its parent) | in-province (the one division of that name in the
                  province: county-level cities administered elsewhere, 兵团 cities) | former-name (the
                  source uses a name the division no longer has: the successor's code) | unmatched
    note          facts worth knowing (a home page shared with another place)
    spider        a hand-written portal spider for this host (crawler/spiders/<province>/), if any
    column_url, column_source   a 年报 column known from public evidence (today: the hand-written spiders'
                  documented columns), and where that evidence is written down
    source, review_source       repository@commit and file each fact comes from
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from data import resource

PORTALS_CSV = resource("portals.csv")  # read from a Scrapyd egg too (data/__init__.py)
SOURCE = "anyi-econ/china-public-debt@9b01b30a data/website-gov.ts"
REVIEW_SOURCE = "anyi-econ/china-public-debt@1934e725 docs/website-gov-review.md"
REVIEW_STATUS = {"无法访问": "browser-only", "存疑": "doubtful"}


@dataclass
class Portal:
    code: str
    name: str
    path: str
    level: str
    home_url: str
    review: str = "ok"
    review_note: str = ""
    match: str = "unmatched"
    note: str = ""
    spider: str = ""
    column_url: str = ""
    column_source: str = ""
    source: str = SOURCE
    review_source: str = REVIEW_SOURCE

    @property
    def host(self) -> str:
        return host_of(self.home_url)


COLUMNS = [f.name for f in fields(Portal)]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class Gazetteer:
    """Divisions above township level, indexed by current and former name (built once per registry)."""

    def __init__(self, regions: dict):
        self.regions = regions
        self.current: dict[str, list] = {}
        self.former: dict[str, list] = {}
        for region in regions.values():
            if region.level == "township":
                continue
            if region.status == "current" or (region.status == "gbt2260" and region.level == "province"):
                self.current.setdefault(region.name, []).append(region)  # 香港, 澳门, 台湾 are GB/T 2260 only
            if region.status == "former":
                self.former.setdefault(region.name, []).append(region)
            for name in filter(None, region.former_names.split("|")):
                self.former.setdefault(name, []).append(region)

    def within(self, region, ancestor) -> bool:
        while region is not None and region.parent:
            if region.parent == ancestor.code:
                return True
            region = self.regions.get(region.parent)
        return False

    def match(self, parts: list[str]) -> tuple[str, str]:
        """(code, how) for a place path such as ["河北省", "唐山市", "滦州市"]; ("", "unmatched") if none fits."""
        province = next((r for r in self.current.get(parts[0], []) if r.level == "province"), None)
        if province is None:
            return "", "unmatched"
        if len(parts) == 1:
            return province.code, "exact"
        parent = province
        if len(parts) == 3 and (code := self.match(parts[:2])[0]):
            parent = self.regions[code]  # else 新疆生产建设兵团, which has no code: look in the province
        name, prefix = parts[-1], province.code[:2]
        named = [r for r in self.current.get(name, []) if r.code.startswith(prefix)]
        if len(named) > 1:  # 嘉峪关市 is a prefecture and, under it, a county of the same name
            level = "city" if len(parts) == 2 and parent is province else "county"
            named = [r for r in named if r.level == level] or named
        under = [r for r in named if self.within(r, parent)]
        if len(under) == 1:
            return under[0].code, "exact" if parent is not province or len(parts) == 2 else "in-province"
        if len(named) == 1:
            return named[0].code, "in-province"
        former = [r for r in self.former.get(name, []) if r.code.startswith(prefix)]
        if len(former) == 1:
            successors = [c for c in former[0].successors.split("|") if c] or [former[0].code]
            if len(successors) == 1:
                return successors[0], "former-name"
        return "", "unmatched"


def read_source(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def build_registry(
    places: list[dict[str, str]], review: list[dict[str, str]], regions: dict, spiders: Iterable = ()
) -> list[Portal]:
    """Registry rows in the source's order. `spiders`: hand-written portal spider classes (region_code,
    column_urls, name); a spider is attached to the row whose home page shares its column's host."""
    gazetteer = Gazetteer(regions)
    reviewed = {host_of(r["url"]): r for r in review}
    by_host = {host_of(url): s for s in spiders for url in s.column_urls}
    shared = Counter(host_of(p["home_url"]) for p in places if p["home_url"])
    rows = []
    for place in places:
        parts = place["path"].split("/")
        code, how = gazetteer.match(parts)
        row = Portal(code, parts[-1], place["path"], place["depth"], place["home_url"], match=how)
        host = host_of(row.home_url)
        if not row.home_url:
            row.review = "empty"
        elif host in reviewed:
            row.review = REVIEW_STATUS[reviewed[host]["status"]]
            row.review_note = reviewed[host]["error"]
        if host and shared[host] > 1:
            others = [p["path"] for p in places if host_of(p["home_url"]) == host and p is not place]
            row.note = "home page shared with " + ", ".join(others)
        if (spider := by_host.get(host)) and spider.region_code == code:
            row.spider, row.column_url = spider.name, spider.column_urls[0]
            row.column_source = f"spider {spider.name} ({spider.__module__}: public evidence in its docstring)"
        rows.append(row)
    return rows


def write_portals(rows: Iterable[Portal], path: Path) -> int:
    rows = list(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)
    return len(rows)


@cache
def load_portals(path: Traversable = PORTALS_CSV) -> tuple[Portal, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(Portal(**row) for row in csv.DictReader(handle))


def portals_in(prefix: str, path: Traversable = PORTALS_CSV) -> list[Portal]:
    """Registered portals with a home page whose division code starts with `prefix`, one per home page."""
    seen: set[str] = set()
    found = []
    for portal in load_portals(path):
        if portal.home_url and portal.code.startswith(prefix) and portal.home_url not in seen:
            seen.add(portal.home_url)
            found.append(portal)
    return found


def portal_for(url: str, path: Traversable = PORTALS_CSV) -> Portal:
    """The registry's row for this page's host (its home page replaced by `url`), else an unregistered
    portal (no code)."""
    host = host_of(url)
    for portal in load_portals(path):
        if portal.home_url and portal.host == host:
            return Portal(**{**vars(portal), "home_url": url})
    return Portal(code="", name=host, path="", level="", home_url=url, review="", match="unregistered")


def is_home_page(url: str, path: Traversable = PORTALS_CSV) -> bool:
    """The site's root (`/`, `/index.html`…) or a home page the registry lists: where discovery starts, never
    a column to sweep (its directory is the whole site)."""
    if re.fullmatch(r"/?((index|default|main|home)\.\w+)?", urlsplit(url).path):
        return True
    key = url.rstrip("/")
    return any(portal.home_url.rstrip("/") == key for portal in load_portals(path) if portal.home_url)


def summary(rows: list[Portal]) -> dict[str, int]:
    counts = Counter(f"match {r.match}" for r in rows) + Counter(f"review {r.review}" for r in rows)
    counts["rows"] = len(rows)
    counts["with a code"] = sum(1 for r in rows if r.code)
    counts["with an evidence-backed column"] = sum(1 for r in rows if r.column_url)
    counts["with a hand-written spider"] = sum(1 for r in rows if r.spider)
    return dict(sorted(counts.items()))
