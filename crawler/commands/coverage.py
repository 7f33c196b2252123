"""`scrapy coverage [-a region=<code prefix>] [--csv PATH]`: what the crawler reaches in a region.

Prints one line per region one level below the prefix (the whole country by province when none is given):
portals known (data/portals.csv), the outcome of their last discovery (found — and how: link, convention,
evidence — blocked, unreachable, javascript-only, not-found, not tried yet) and the reports per year the
database holds (`reports.region_code`); then writes one CSV row per portal (default data/coverage.csv)
with its column, outcome, reason, requests, identity check and reports per year from its site.
Reads `REPORTS_DB` (-s REPORTS_DB=…) read-only; crawl with `scrapy crawl discover` / `annual_reports` first.
"""

from __future__ import annotations

import csv
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.coverage import (
    METHODS,
    OUTCOMES,
    browser_counts,
    portal_coverage,
    read_database,
    region_table,
    report_years,
)
from crawler.portals import PORTALS_CSV, load_portals
from crawler.regions import is_valid_prefix
from pipelines.regions import load_regions


def parse_region(spargs: list[str]) -> str:
    region = ""
    for arg in spargs:
        name, sep, value = arg.partition("=")
        if not sep or name != "region":
            raise UsageError(f"-a {arg}: expected region=<division code prefix>", print_help=False)
        region = value
    if region and not is_valid_prefix(region):
        raise UsageError(
            f"-a region={region!r}: expected 2, 4 or 6 digits starting a code in data/regions.csv", print_help=False
        )
    return region


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "[-a region=<code prefix>] [--csv PATH]"

    def short_desc(self) -> str:
        return "Portals known, 年报 columns found (how), blocked/unreachable, reports per year, by region"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="region=PREFIX")
        parser.add_argument("--csv", default="data/coverage.csv", help="per-portal CSV (default data/coverage.csv)")
        parser.add_argument("--registry", default=str(PORTALS_CSV), help="portal registry (default data/portals.csv)")

    def run(self, args: list[str], opts) -> None:
        prefix = parse_region(opts.spargs)
        registry = Path(opts.registry)
        if not registry.is_file():
            raise UsageError(f"{registry}: no such registry (run `scrapy portals`)", print_help=False)
        portals = [p for p in load_portals(registry) if p.code.startswith(prefix) or (not prefix and not p.code)]
        outcome, columns, reports = read_database(Path(self.settings.get("REPORTS_DB")))
        rows = portal_coverage(portals, outcome, columns, reports)
        years = report_years(reports, prefix)
        table = region_table(rows, reports, prefix, years)
        names = {code: region.name for code, region in load_regions().items()}
        self.print_table(prefix, names, rows, table, years)
        pages, passed = browser_counts(Path(self.settings.get("REPORTS_DB")))
        if pages:
            print(f"pages fetched again through the browser (BROWSER_FALLBACK): {pages}, passed {passed}")
        self.write_csv(Path(opts.csv), rows, years)
        print(f"per-portal rows: {opts.csv}")

    @staticmethod
    def print_table(prefix, names, rows, table, years) -> None:
        found = [r for r in rows if r.status == "found"]
        how = ", ".join(f"{m} {sum(1 for r in found if r.method == m)}" for m in METHODS)
        rest = ", ".join(f"{s} {sum(1 for r in rows if r.status == s)}" for s in [*OUTCOMES[1:], "not tried"])
        title = f"{prefix} {names.get(prefix.ljust(6, '0'), '')}".strip() if prefix else "all regions"
        print(f"coverage of {title}: {len(rows)} portals known; columns found {len(found)} ({how}); {rest}")
        head = ["region", "portals", "found", *METHODS, "blocked", "unreach", "js-only", "not-found", "not-tried"]
        print("  ".join(f"{h:>9}" for h in head + [str(y) for y in years]) + "  name")
        keys = ["portals", "found", *METHODS, "blocked", "unreachable", "javascript-only", "not-found", "not tried"]
        for line in table:
            cells = [line["region"]] + [str(line[k]) for k in keys] + [str(line[y]) for y in years]
            print("  ".join(f"{c:>9}" for c in cells) + "  " + names.get(line["region"], ""))

    @staticmethod
    def write_csv(path: Path, rows, years) -> None:
        head = ["code", "name", "path", "home_url", "review", "status", "reason", "method", "column_url", "requests",
                "identity", "checked", "spider", *[f"reports_{y}" for y in years], "reports_total"]  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(head)
            for r in rows:
                p = r.portal
                writer.writerow([p.code, p.name, p.path, p.home_url, p.review, r.status, r.reason, r.method, r.column_url,
                                 "" if r.requests is None else r.requests, r.identity, r.checked, p.spider,
                                 *[r.reports.get(y, 0) for y in years], sum(r.reports.values())])  # fmt: skip
