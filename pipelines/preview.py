"""PreviewReportPipeline: in a dry run (`scrapy crawl urls -a dry_run=1`), what each report would be
stored as — year, agency, region and where each was read from — instead of storing it.

The previews are collected in the run's stats (`nianbao/preview`); `scrapy crawl` prints them.
"""

from __future__ import annotations

import json


class PreviewReportPipeline:
    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if item.rows is None:  # unchanged: nothing was parsed
            return item
        report = item.rows.report
        error = next((c["detail"] for c in item.rows.rows("checks") if c["rule"] == "input" and c["seq"] == 0), None)
        preview = {
            "url": item.source,
            "year": report["year"],
            "agency": report["agency"],
            "region_code": report["region_code"],
            "sources": json.loads(report["field_sources"] or "{}"),
            "quality": report["quality"],
            "error": error if report["quality"] == "error" else None,
        }
        if self.stats is not None:
            self.stats.set_value("nianbao/preview", [*self.stats.get_value("nianbao/preview", []), preview])
        return item


def preview_lines(previews: list[dict]) -> list[str]:
    """One line per report: year, agency, region (each with where it came from), URL."""

    def shown(value, source) -> str:
        return f"{value if value is not None else '?'}" + (f" ({source})" if value is not None and source else "")

    lines = []
    for p in previews:
        sources = p["sources"]
        if p["error"]:
            lines.append(f"unreadable: {p['error']}  {p['url']}")
            continue
        lines.append(
            f"{shown(p['year'], sources.get('year'))} | {shown(p['agency'], sources.get('agency'))} | "
            f"{shown(p['region_code'], sources.get('region_code'))} | {p['url']}"
        )
    return lines
