"""Region-run benchmark over the mock region of tests/crawl/mock_region.py (issue 15).

    python tests/benchmarks/bench_discovery.py [--spider annual_reports] [--copies 1] [--delay 0]
                                               [--concurrency 16] [--queue aware|plain]

Lays out `--copies` mock regions (41 portals each: 34 whose column can be found, 33 of them with report
pages behind it, 7 that cannot be found) on one loopback server, runs `scrapy crawl <spider> -a region=99`
twice in fresh processes on one database (the second run reuses the recorded columns), and prints per run:
the discovery rate of the discoverable portals, the outcome of the others, requests per portal (mean, max),
reports stored of those behind the columns (annual_reports, item pipelines as configured), requests the
server answered (robots.txt included), the run's status and the wall time.
`--spider discover` runs discovery alone. `--delay` is Scrapy's DOWNLOAD_DELAY per host (the project's
setting is 1 s): each portal's requests go one after another, many portals at once, so a region takes about
(requests of its busiest portal × delay), not (all requests × delay). `--queue plain` replaces the spider's
DownloaderAwarePriorityQueue by Scrapy's default priority queue, to compare.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "crawl")]

from mock_region import MockWeb, build_region, write_registry  # noqa: E402

from demo import loopback  # noqa: E402


def run(db: Path, registry: Path, routes: dict, args) -> tuple[float, str]:
    settings = {
        "REPORTS_DB": str(db), "LOOPBACK_ROUTES": json.dumps(routes), "DOWNLOAD_DELAY": str(args.delay),
        "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": str(args.concurrency), "RETRY_TIMES": "1",
        "LOG_LEVEL": "WARNING",
        "ADDONS": json.dumps(loopback.ADDONS),
    }  # fmt: skip
    if args.queue == "plain":
        settings["SCHEDULER_PRIORITY_QUEUE"] = "scrapy.pqueues.ScrapyPriorityQueue"
    flags = [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
    command = [sys.executable, "-m", "scrapy", "crawl", args.spider, "-a", "region=99", "-a", f"registry={registry}"]
    started = time.monotonic()
    subprocess.run(command + flags, cwd=REPO, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - started
    with sqlite3.connect(db) as conn:
        [(status,)] = conn.execute("select status from crawl_runs order by id desc limit 1").fetchall()
    return seconds, status


def report(label: str, db: Path, portals, hits: int, seconds: float, status: str) -> None:
    with sqlite3.connect(db) as conn:
        outcome = dict(conn.execute("select portal, status from portal_discovery").fetchall())
        requests = dict(conn.execute("select portal, requests from portal_discovery").fetchall())
        columns = dict(conn.execute("select portal, column_url from portal_columns where status = 'found'").fetchall())
        stored = {s for (s,) in conn.execute("select source from reports")} if _has(conn, "reports") else set()
        new = conn.execute("select new from crawl_runs order by id desc limit 1").fetchone()[0]
    discoverable = [p for p in portals if p.expect == "found"]
    found = sum(1 for p in discoverable if columns.get(p.home) == p.column)
    wrong = [p.style for p in portals if outcome.get(p.home) != p.expect]
    per = [requests[p.home] for p in portals if p.home in requests]
    behind = {u for p in portals for u in p.reports}
    print(f"{label}: {len(portals)} portals, {found}/{len(discoverable)} discoverable found "
          f"({100 * found / len(discoverable):.1f} %), outcomes {dict(Counter(outcome.values()))}, "
          f"unexpected outcomes {wrong or 'none'}; requests per portal mean {statistics.mean(per):.2f} "
          f"max {max(per)}; reports stored {len(stored & behind)}/{len(behind)} (new this run {new}); "
          f"server answered {hits} requests (robots.txt included); run {status}; {seconds:.1f} s")  # fmt: skip


def _has(conn, table: str) -> bool:
    return bool(conn.execute("select 1 from sqlite_master where name = ?", [table]).fetchone())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--spider", choices=["annual_reports", "discover"], default="annual_reports")
    parser.add_argument("--queue", choices=["aware", "plain"], default="aware")
    args = parser.parse_args()
    web = MockWeb()
    portals = [p for i in range(args.copies) for p in build_region(web, tag=f"r{i}" if i else "")]
    port = web.start()
    routes = {h: f"127.0.0.1:{port}" for p in portals for h in (p.host, *p.extra_hosts)}
    routes |= {p.host: "127.0.0.1:9" for p in portals if p.style == "unreachable"}
    with tempfile.TemporaryDirectory() as tmp:
        db, registry = Path(tmp) / "reports.db", write_registry(portals, Path(tmp) / "portals.csv")
        for label in ("first run", "second run (recorded columns)"):
            before = sum(web.hits.values())
            seconds, status = run(db, registry, routes, args)
            report(label, db, portals, sum(web.hits.values()) - before, seconds, status)
    web.stop()


if __name__ == "__main__":
    main()
