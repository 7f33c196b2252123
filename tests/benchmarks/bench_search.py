"""Benchmark: search over 100,000 sections (issue 14: a query answers in < 100 ms).

    python tests/benchmarks/bench_search.py [--sections 100000] [--db PATH]

Builds a database with the project's own commands (`scrapy crawl demo` of the offline demo portal and
`scrapy ingest` of the corpus documents), then copies its reports and sections in SQL under new report ids until
there are `--sections` of them (the search index follows through its triggers), and times each query
the way `scrapy search` runs it: the number of matching sections (counted up to 10,000) plus the best 20
with snippets.
Prints the median of 5 runs per query, with its hit count, and the database size.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from research.search import search  # noqa: E402
from tests.conftest import CORPUS  # noqa: E402

QUERIES = [
    ["行政复议"], ["信息公开"], ["依申请"], ["公开申请"], ["处理费"], ["政府信息公开申请"], ["复议"], ["纠正"],
    ["结转"], ["申请"], ["信息"], ["复议", "纠正"], ["瓯鹪"],
]  # fmt: skip


def build(db: Path, sections: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["crawl", "demo"], ["ingest", str(CORPUS / "docs")]):
        command = [sys.executable, "-m", "scrapy", *args, "-s", f"REPORTS_DB={db}", "-s", "LOG_LEVEL=ERROR"]
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    conn = sqlite3.connect(db)
    have = conn.execute("SELECT COUNT(*) FROM sections").fetchone()[0]
    copies = -(-sections // have) - 1
    started = time.perf_counter()
    numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
    columns = [row[1] for row in conn.execute("PRAGMA table_info(reports)") if row[1] not in ("id", "source")]
    conn.execute(
        numbers + f"INSERT INTO reports (id, source, {', '.join(columns)}) SELECT r.id || '-' || n.i, "
        f"r.source || '#' || n.i, {', '.join('r.' + c for c in columns)} FROM reports r, n",
        [copies],
    )
    conn.execute(
        numbers + "INSERT INTO sections (report_id, number, heading, body, tokens) "
        "SELECT s.report_id || '-' || n.i, s.number, s.heading, s.body, s.tokens FROM sections s, n",
        [copies],
    )
    conn.execute("DELETE FROM sections WHERE rowid > ?", [sections])
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def run(db: Path) -> None:
    conn = sqlite3.connect(db)
    count = conn.execute("SELECT COUNT(*) FROM sections").fetchone()[0]
    text_mb = conn.execute("SELECT SUM(length(CAST(body AS BLOB))) FROM sections").fetchone()[0] / 1e6
    index_mb = conn.execute("SELECT SUM(length(block)) FROM sections_search_data").fetchone()[0] / 1e6
    print(f"{count:,} sections, {text_mb:.0f} MB of body text, trigram index {index_mb:.0f} MB")
    print(f"{'query':<22}{'hits':>8}{'median ms':>11}{'max ms':>8}")
    slowest = 0.0
    for words in QUERIES:
        search(conn, words)  # warm the page cache, as a researcher's second query would be
        times = []
        for _ in range(5):
            started = time.perf_counter()
            results = search(conn, words, limit=20)
            times.append((time.perf_counter() - started) * 1000)
        slowest = max(slowest, statistics.median(times))
        count = f"{'>' if results.more else ''}{results.count:,}"
        print(f"{' '.join(words):<22}{count:>8}{statistics.median(times):>11.1f}{max(times):>8.1f}")
    print(f"slowest median {slowest:.1f} ms (target < 100 ms); load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the benchmark database at this path")
    args = parser.parse_args()
    if args.db and args.db.exists():
        run(args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        seconds = build(db, args.sections)
        print(f"copied sections in {seconds:.1f} s (search index kept by its triggers)")
        run(db)


if __name__ == "__main__":
    main()
