"""PreviewReportPipeline: in a dry run (`scrapy crawl urls -a dry_run=1`), what each report would be
stored as — year, agency, region and where each was read from — instead of storing it.

The previews are collected in the run's stats (`nianbao/preview`); `scrapy crawl` prints them.
"""

from __future__ import annotations


class PreviewReportPipeline:
    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        parsed = item.parsed
        meta = parsed.metadata
        preview = {
            "url": item.source,
            "year": meta.year,
            "agency": meta.agency,
            "region_code": meta.region_code,
            "sources": dict(meta.sources),
            "quality": parsed.quality,
            "error": parsed.error,
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
