"""What the site shows, read from the views once: reports with their headline figures, regions, checks.

Rates are computed only from at least `MIN_CASES` cases (applications handled, reviews and lawsuits):
below that a rate says little about an agency, and the pages show the count with a flag instead.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field

MIN_CASES = 30
OUTCOMES = (
    ("granted", "予以公开"),
    ("partially_granted", "部分公开"),
    ("denied", "不予公开"),
    ("unable", "无法提供"),
    ("not_processed", "不予处理"),
    ("other_processed", "其他处理"),
)


def rate(part: float | None, whole: float | None) -> float | None:
    """part / whole in percent, or None when unknown or when `whole` is below MIN_CASES."""
    if part is None or whole is None or whole < MIN_CASES:
        return None
    return 100.0 * part / whole


def slug(agency: str) -> str:
    """A file name for an agency page (names are long, Chinese, and may hold any character)."""
    return hashlib.sha1(agency.encode("utf-8")).hexdigest()[:12]


@dataclass
class Agency:
    name: str
    reports: list[dict] = field(default_factory=list)  # report_summary rows, by year

    @property
    def slug(self) -> str:
        return slug(self.name)

    @property
    def region_codes(self) -> set[str]:
        return {r["region_code"] for r in self.reports if r["region_code"]}

    def latest(self) -> dict:
        return max(self.reports, key=lambda r: (r["year"] or 0, r["id"]))

    def by_year(self) -> dict[int, dict]:
        """One report per year (the lowest id, as the year-over-year view pairs them)."""
        years: dict[int, dict] = {}
        for report in sorted(self.reports, key=lambda r: r["id"], reverse=True):
            if report["year"] is not None:
                years[report["year"]] = report
        return dict(sorted(years.items()))


@dataclass
class Region:
    code: str
    name: str
    level: str | None
    parent: str | None
    full_name: str | None
    report_ids: set[str] = field(default_factory=set)


@dataclass
class SiteData:
    reports: list[dict]
    agencies: dict[str, Agency]
    regions: dict[str, Region]
    failed: dict[str, list[dict]]  # report id → failed checks (hard, soft and form), rule order
    compliance: list[dict]  # report_compliance rows
    check_counts: list[tuple[str, str, int]]  # (rule, severity, reports failing it), most frequent first
    form_rules: dict[str, tuple[int, int]]  # form.* rule → (reports checked, reports failing)

    @property
    def empty(self) -> bool:
        return not self.reports


def _rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def load(conn: sqlite3.Connection) -> SiteData:
    reports = _rows(conn, "SELECT * FROM report_summary ORDER BY agency, year, id")
    agencies: dict[str, Agency] = {}
    for report in reports:
        if report["agency"]:
            agencies.setdefault(report["agency"], Agency(report["agency"])).reports.append(report)
    failed: dict[str, list[dict]] = defaultdict(list)
    for check in _rows(
        conn, "SELECT report_id, rule, scope, detail, severity FROM checks WHERE passed = 0 ORDER BY report_id, seq"
    ):
        failed[check["report_id"]].append(check)
    counts = Counter()
    for checks in failed.values():
        for rule, severity in {(c["rule"], c["severity"]) for c in checks}:
            counts[(rule, severity)] += 1
    return SiteData(
        reports=reports,
        agencies=dict(sorted(agencies.items())),
        regions=load_regions(conn, reports),
        failed=dict(failed),
        compliance=_rows(conn, "SELECT * FROM report_compliance ORDER BY agency, year"),
        check_counts=[(rule, severity, n) for (rule, severity), n in counts.most_common()],
        form_rules={
            rule: (checked, failing)
            for rule, checked, failing in conn.execute(
                "SELECT rule, COUNT(DISTINCT report_id), COUNT(DISTINCT CASE WHEN passed = 0 THEN report_id END) "
                "FROM checks WHERE rule LIKE 'form.%' GROUP BY rule"
            )
        },
    )


def load_regions(conn: sqlite3.Connection, reports: list[dict]) -> dict[str, Region]:
    """Every region that holds a report, with its ancestors (a province page gathers its counties)."""
    codes = {r["region_code"] for r in reports if r["region_code"]}
    if not codes:
        return {}
    regions: dict[str, Region] = {}
    rows = _rows(
        conn,
        "SELECT r.code, r.name, r.level, r.parent, p.full_name, p.province_code, p.city_code, p.county_code "
        f"FROM regions r LEFT JOIN region_paths p ON p.code = r.code WHERE r.code IN ({', '.join('?' * len(codes))})",
        sorted(codes),
    )
    known = {row["code"]: row for row in rows}
    ancestors = codes | {a for row in rows for a in (row["province_code"], row["city_code"], row["county_code"]) if a}
    for row in _rows(
        conn,
        "SELECT r.code, r.name, r.level, r.parent, p.full_name FROM regions r LEFT JOIN region_paths p "
        f"ON p.code = r.code WHERE r.code IN ({', '.join('?' * len(ancestors))})",
        sorted(ancestors),
    ):
        regions[row["code"]] = Region(row["code"], row["name"], row["level"], row["parent"], row["full_name"])
    for report in reports:
        row = known.get(report["region_code"])
        if row is None:
            continue
        for code in {row["code"], row["province_code"], row["city_code"], row["county_code"]} - {None}:
            if code in regions:
                regions[code].report_ids.add(report["id"])
    return dict(sorted(regions.items()))
