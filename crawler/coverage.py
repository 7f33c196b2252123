"""Coverage of a region: which portals are known, whose 年报 column was found and how, what was blocked or
unreachable, and how many reports per year the database holds. Pure functions over the registry
(data/portals.csv) and a read-only reports database; `scrapy coverage` (crawler/commands/coverage.py)
prints the table and writes the CSV.

Per portal: the registry row, the last discovery outcome (`portal_discovery`), the column found
(`portal_columns`), and the reports whose source is on the portal's site (same host, or a sibling
subdomain under gov.cn). Per region (the table): portals grouped one level below the asked prefix
(provinces → prefectures → counties), with reports counted by `reports.region_code`.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from crawler.discovery import site_key
from crawler.portals import Portal

OUTCOMES = ["found", "blocked", "unreachable", "javascript-only", "not-found"]
METHODS = ["link", "convention", "evidence"]


@dataclass
class PortalCoverage:
    portal: Portal
    status: str = "not tried"  # a discovery status, or "not tried"
    reason: str = ""
    method: str = ""
    column_url: str = ""
    requests: int | None = None
    identity: str = ""
    checked: str = ""
    reports: Counter = field(default_factory=Counter)  # year → reports from this portal's site


def read_database(path: Path) -> tuple[dict, dict, list[tuple[str, str, int]]]:
    """(outcome by portal, found column by portal, [(source, region_code, year)]); empty when the database
    or its tables do not exist yet."""
    if not path.exists():
        return {}, {}, []
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        outcome = (
            {r["portal"]: dict(r) for r in conn.execute("select * from portal_discovery")}
            if "portal_discovery" in tables
            else {}
        )
        columns: dict[str, dict] = {}
        if "portal_columns" in tables:
            sql = "select * from portal_columns where status = 'found' order by first_found desc"
            for r in conn.execute(sql):
                columns.setdefault(r["portal"], dict(r))
        reports = (
            [tuple(r) for r in conn.execute("select source, region_code, year from reports")]
            if "reports" in tables
            else []
        )
    finally:
        conn.close()
    return outcome, columns, reports


def browser_counts(path: Path) -> tuple[int, int]:
    """(pages fetched again through the browser, of which passed) from `browser_pages`."""
    if not path.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'browser_pages'").fetchone():
            return 0, 0
        total, ok = conn.execute("select count(*), coalesce(sum(ok), 0) from browser_pages").fetchone()
        return total, ok
    finally:
        conn.close()


def portal_coverage(portals: list[Portal], outcome: dict, columns: dict, reports: list) -> list[PortalCoverage]:
    by_site: dict[str, Counter] = defaultdict(Counter)
    for source, _, year in reports:
        if source and source.startswith("http") and year:
            by_site[site_key(source)][year] += 1
    rows = []
    for portal in portals:
        row = PortalCoverage(
            portal, reports=by_site.get(site_key(portal.home_url), Counter()) if portal.home_url else Counter()
        )
        if not portal.home_url:
            row.status, row.reason = "no home page", "the registry has no home page for this place"
        if done := outcome.get(portal.home_url):
            row.status, row.reason, row.method = done["status"], done["reason"] or "", done["method"] or ""
            row.requests, row.identity, row.checked = done["requests"], done["identity"] or "", done["checked"] or ""
        if column := columns.get(portal.home_url):
            row.column_url, row.method = column["column_url"], row.method or column["method"]
        rows.append(row)
    return rows


def group_code(code: str, prefix: str) -> str:
    """The region one level below `prefix` that `code` belongs to (province → prefecture → county)."""
    if len(prefix) < 2:
        return code[:2] + "0000"
    if len(prefix) < 4:
        return code[:4] + "00"
    return code[:6]


def region_table(rows: list[PortalCoverage], reports: list, prefix: str, years: list[int]) -> list[dict]:
    """One line per region one level below `prefix`: portals, outcomes, methods, reports per year."""
    groups: dict[str, dict] = {}
    for row in rows:
        code = group_code(row.portal.code, prefix) if row.portal.code else "(no code)"
        g = groups.setdefault(
            code, {"region": code, "portals": 0} | dict.fromkeys(OUTCOMES + METHODS + ["not tried"], 0)
        )
        g["portals"] += 1
        g[row.status if row.status in g else "not tried"] += 1
        if row.status == "found" and row.method in METHODS:
            g[row.method] += 1
    for _, code, year in reports:
        if code and code.startswith(prefix) and year in years:
            empty = {"region": group_code(code, prefix), "portals": 0} | dict.fromkeys(
                OUTCOMES + METHODS + ["not tried"], 0
            )
            g = groups.setdefault(group_code(code, prefix), empty)  # reports of a region with no registered portal
            g[year] = g.get(year, 0) + 1
    return [groups[k] | {y: groups[k].get(y, 0) for y in years} for k in sorted(groups)]


def report_years(reports: list, prefix: str) -> list[int]:
    years = sorted({y for _, code, y in reports if y and (code or "").startswith(prefix)})
    return years[-8:]
