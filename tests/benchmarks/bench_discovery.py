"""Discovery benchmark: `scrapy crawl discover -a region=…` over the mock region of tests/crawl/mock_region.py.

    python tests/benchmarks/bench_discovery.py [--copies 1] [--delay 0] [--concurrency 16]

Lays out `--copies` mock regions (41 portals each: 34 whose column can be found, 7 that cannot) on one
loopback server, runs the discover spider twice in fresh processes (the second run reuses the recorded
columns), and prints per run: the discovery rate of the discoverable portals, the outcome of the others,
requests per portal (mean, max), requests the server answered (robots.txt included) and wall time.
`--delay` is Scrapy's DOWNLOAD_DELAY per host (the project's setting is 1 s): each portal's requests go one
after another, many portals at once, so a region takes about (requests per portal × delay), not
(portals × requests × delay).
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


def run(db: Path, registry: Path, routes: dict, args) -> float:
    settings = {
        "REPORTS_DB": str(db), "LOOPBACK_ROUTES": json.dumps(routes), "DOWNLOAD_DELAY": str(args.delay),
        "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": str(args.concurrency), "RETRY_TIMES": "1",
        "LOG_LEVEL": "WARNING", "ADDONS": json.dumps({"demo.loopback.Loopback": 0, "crawler.browser.BrowserFallbackAddon": 0}),
    }  # fmt: skip
    flags = [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
    command = [sys.executable, "-m", "scrapy", "crawl", "discover", "-a", "region=99", "-a", f"registry={registry}"]
    started = time.monotonic()
    subprocess.run(command + flags, cwd=REPO, capture_output=True, text=True, timeout=3600)
    return time.monotonic() - started


def report(label: str, db: Path, portals, hits: int, seconds: float) -> None:
    with sqlite3.connect(db) as conn:
        outcome = dict(conn.execute("select portal, status from portal_discovery").fetchall())
        requests = dict(conn.execute("select portal, requests from portal_discovery").fetchall())
        columns = dict(conn.execute("select portal, column_url from portal_columns where status = 'found'").fetchall())
    discoverable = [p for p in portals if p.expect == "found"]
    found = sum(1 for p in discoverable if columns.get(p.home) == p.column)
    wrong = [p.style for p in portals if outcome.get(p.home) != p.expect]
    per = [requests[p.home] for p in portals if p.home in requests]
    print(f"{label}: {len(portals)} portals, {found}/{len(discoverable)} discoverable found "
          f"({100 * found / len(discoverable):.1f} %), outcomes {dict(Counter(outcome.values()))}, "
          f"unexpected outcomes {wrong or 'none'}; requests per portal mean {statistics.mean(per):.2f} "
          f"max {max(per)}; server answered {hits} requests (robots.txt included); {seconds:.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    web = MockWeb()
    portals = [p for i in range(args.copies) for p in build_region(web, f"99{i + 1:02d}", tag=f"r{i}" if i else "")]
    port = web.start()
    routes = {h: f"127.0.0.1:{port}" for p in portals for h in (p.host, *p.extra_hosts)}
    routes |= {p.host: "127.0.0.1:9" for p in portals if p.style == "unreachable"}
    with tempfile.TemporaryDirectory() as tmp:
        db, registry = Path(tmp) / "reports.db", write_registry(portals, Path(tmp) / "portals.csv")
        for label in ("first run", "second run (recorded columns)"):
            before = sum(web.hits.values())
            seconds = run(db, registry, routes, args)
            report(label, db, portals, sum(web.hits.values()) - before, seconds)
    web.stop()


if __name__ == "__main__":
    main()
