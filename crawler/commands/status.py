"""`scrapy status [-a spider=NAME] [--json] [--resolve]`: the state of every crawled portal, from the database.

One row per spider that has crawl runs (local `ingest`/`reparse` runs left out): its last run (id, when,
status and why), the reports stored from it, its URLs now gone, in error, blocked or skipped (`crawl_state`),
the newest report's publication date and its open alerts (`crawler/monitors.py`), listed below the table.
`--json` prints the same as JSON. `--resolve` closes the open alerts shown (after a look: e.g. a portal
that now lists fewer reports for good), and the monitors then compare with the runs after it.
Reads `REPORTS_DB` (`-s REPORTS_DB=…`) without changing it, except for `--resolve`.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from crawler.local import LocalDocumentsSpider, StoredDocumentsSpider
from crawler.state import now

LOCAL = (LocalDocumentsSpider.name, StoredDocumentsSpider.name)
OUTCOMES = ("gone", "error", "blocked", "skipped")
HEADER = ("spider", "last run", "status", "why", "reports", "newest", *OUTCOMES, "alerts")


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "[-a spider=NAME] [--json] [--resolve]"

    def short_desc(self) -> str:
        return "Last run, status, reports, failed URLs, newest report and open alerts of every crawled portal"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="spider=NAME",
                            help="only this spider")  # fmt: skip
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--resolve", action="store_true", help="close the open alerts shown")

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("-a takes spider=NAME", print_help=False) from None
        if set(opts.spargs) - {"spider"}:
            raise UsageError(f"unknown argument -a {', '.join(set(opts.spargs) - {'spider'})}= (only -a spider=)",
                             print_help=False)  # fmt: skip

    def run(self, args, opts) -> None:
        if args:
            raise UsageError(f"unexpected argument {args[0]!r} (use -a spider={args[0]})", print_help=False)
        path = Path(self.settings.get("REPORTS_DB"))
        if not path.is_file():
            raise UsageError(f"REPORTS_DB: no database at {path} (nothing crawled yet?)", print_help=False)
        spider = opts.spargs.get("spider")
        portals = read_status(path, spider)
        if spider and not portals:
            raise UsageError(f"no crawl run of {spider!r} in {path}", print_help=False)
        if opts.resolve:
            closed = resolve_alerts(path, [a["id"] for p in portals for a in p["alerts"]])
            print(f"{closed} alerts resolved")
            return
        print(json.dumps(portals, ensure_ascii=False, indent=2) if opts.json else render(portals, path))


def read_status(path: Path, spider: str | None = None) -> list[dict]:
    """The status of every portal crawled into the database at `path` (or of `spider`), read-only."""
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        if "crawl_runs" not in tables:
            return []
        marks = ", ".join("?" * len(LOCAL))
        columns = {row[1] for row in conn.execute("pragma table_info(crawl_runs)")}
        runs_only = "part_of is null and " if "part_of" in columns else ""  # a distributed run's row, not its workers'
        runs = conn.execute(
            "select spider, id, started, finished, status, json_extract(detail, '$.why') as why from crawl_runs "
            f"where id in (select max(id) from crawl_runs where {runs_only}spider not in ({marks}) group by spider) "
            "and (? is null or spider = ?) order by spider",
            [*LOCAL, spider, spider],
        ).fetchall()
        outcomes = {(row[0], row[1]): row[2] for row in conn.execute(
            "select spider, status, count(*) from crawl_state where status != 'ok' group by 1, 2")}  # fmt: skip
        reports = {row[0]: (row[1], row[2]) for row in conn.execute(
            "select s.spider, count(distinct r.id), max(r.published) from crawl_state s "
            "join reports r on r.id = s.report_id group by s.spider")}  # fmt: skip
        alerts: dict[str, list[dict]] = {}
        if "alerts" in tables:
            for row in conn.execute("select * from alerts where resolved is null order by id"):
                alerts.setdefault(row["spider"], []).append(
                    {k: row[k] for k in ("id", "run_id", "target", "monitor", "message", "raised")}
                )
    finally:
        conn.close()
    return [
        {
            "spider": run["spider"],
            "last_run": {k: run[k] for k in ("id", "started", "finished", "status", "why")},
            "reports": reports.get(run["spider"], (0, None))[0],
            "newest_report": reports.get(run["spider"], (0, None))[1],
            "urls": {outcome: outcomes.get((run["spider"], outcome), 0) for outcome in OUTCOMES},
            "alerts": alerts.get(run["spider"], []),
        }
        for run in runs
    ]


def resolve_alerts(path: Path, ids: list[int]) -> int:
    """Close these alerts (by hand); how many were open."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        with conn:
            marks = ", ".join("?" * len(ids))
            return conn.execute(
                f"update alerts set resolved = ?, resolved_by = 'scrapy status --resolve' "
                f"where resolved is null and id in ({marks})",
                [now(), *ids],
            ).rowcount
    finally:
        conn.close()


def render(portals: list[dict], path: Path) -> str:
    """A plain-text table (one row per portal), then the open alerts."""
    rows = [HEADER] + [
        (
            p["spider"],
            f"{p['last_run']['id']} {(p['last_run']['finished'] or p['last_run']['started'])[:16].replace('T', ' ')}",
            p["last_run"]["status"],
            p["last_run"]["why"] or "",
            str(p["reports"]),
            p["newest_report"] or "-",
            *(str(p["urls"][outcome]) for outcome in OUTCOMES),
            str(len(p["alerts"])),
        )
        for p in portals
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    if not portals:
        lines.append(f"(no crawl runs in {path})")
    for p in portals:
        for alert in p["alerts"]:
            lines.append(f"alert {alert['id']} {alert['target']} {alert['monitor']} since {alert['raised'][:10]} "
                         f"(run {alert['run_id']}): {alert['message']}")  # fmt: skip
    return "\n".join(lines)
