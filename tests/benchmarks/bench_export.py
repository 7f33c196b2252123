"""Benchmark: `scrapy export` of a 10,000-report database (issue 14: ≤ 20 s), CSV and Parquet, and `scrapy site`.

    python tests/benchmarks/bench_export.py [--reports 10000] [--db PATH]

Builds the database with the project's own commands (`scrapy crawl demo`, `scrapy ingest` of the corpus
documents), then copies every report with its rows (cells, sections, checks, documents without their
bytes) in SQL under new ids until there are `--reports` of them, one copy per agency and year so that the
year-over-year view pairs them as in a real database. Times each command end to end in a subprocess.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import CORPUS  # noqa: E402

CHILDREN = ("cells", "sections", "checks", "indicators", "extra_rows")


def scrapy(*args: str, db: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process): on a shared machine the CPU time is the steadier figure."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "scrapy", *args, "-s", f"REPORTS_DB={db}", "-s", "LOG_LEVEL=ERROR"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"scrapy {' '.join(args)} failed: {result.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - started, cpu


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def build(db: Path, reports: int) -> None:
    scrapy("crawl", "demo", db=db)
    scrapy("ingest", str(CORPUS / "docs"), db=db)
    conn = sqlite3.connect(db)
    have = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    copies = -(-reports // have) - 1
    numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
    rest = [c for c in columns(conn, "reports") if c not in ("id", "source", "agency")]
    # each copy is another agency (the agency name gets the copy number), so agencies keep their years
    conn.execute(
        numbers + f"INSERT INTO reports (id, source, agency, {', '.join(rest)}) SELECT r.id || '-' || n.i, "
        f"r.source || '#' || n.i, r.agency || n.i, {', '.join('r.' + c for c in rest)} FROM reports r, n",
        [copies],
    )
    for table in CHILDREN:
        others = [c for c in columns(conn, table) if c != "report_id"]
        conn.execute(
            numbers + f"INSERT INTO {table} (report_id, {', '.join(others)}) SELECT t.report_id || '-' || n.i, "
            f"{', '.join('t.' + c for c in others)} FROM {table} t, n",
            [copies],
        )
    others = [c for c in columns(conn, "documents") if c not in ("report_id", "compressed")]
    conn.execute(
        numbers + f"INSERT INTO documents (report_id, {', '.join(others)}) SELECT d.report_id || '-' || n.i, "
        f"{', '.join('d.' + c for c in others)} FROM documents d, n",
        [copies],
    )
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the benchmark database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        if not db.exists():
            started = time.perf_counter()
            build(db, args.reports)
            print(f"built the database in {time.perf_counter() - started:.0f} s")
        conn = sqlite3.connect(db)
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("reports", "cells", "sections")}
        conn.close()
        print(", ".join(f"{n:,} {t}" for t, n in counts.items()) + f"; {db.stat().st_size / 1e6:.0f} MB")
        scrapy("export", "-o", str(Path(tmp) / "warm"), "-a", "year=1990", db=db)  # migrations, page cache
        for label, extra in (("csv", []), ("parquet", ["--format", "parquet"])):
            out = Path(tmp) / label
            seconds, cpu = scrapy("export", "-o", str(out), *extra, db=db)
            size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
            print(f"scrapy export --format {label}: {seconds:.1f} s end to end, {cpu:.1f} s CPU ({size:.0f} MB written;"
                  " target ≤ 20 s)")  # fmt: skip
            shutil.rmtree(out)
        seconds, cpu = scrapy("site", "-o", str(Path(tmp) / "site"), db=db)
        pages = sum(1 for _ in (Path(tmp) / "site").rglob("*.html"))
        print(f"scrapy site: {seconds:.1f} s end to end, {cpu:.1f} s CPU ({pages:,} pages)")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
