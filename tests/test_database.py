"""The run's database owner (pipelines/database.py) on real SQLite files: order, bulk writes, a bad report
costing only itself, commit timing, crash semantics, FTS consistency, two runs on one file."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pipelines.database import DatabaseError, ReportsDatabase
from pipelines.rows import ReportRows, TableRows

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rows_of(db_path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql, params).fetchall()


def report(rid: str, words: str = "行政复议", quality: str = "warning", **state) -> ReportRows:
    """A minimal report: its `reports` row and one section whose tokens are `words`."""
    row = {"id": rid, "source": f"/{rid}.txt", "template": "none", "quality": quality}
    section = {"report_id": rid, "number": 1, "heading": "一、总体情况", "body": words, "tokens": words}
    rows = ReportRows(rid, {"reports": TableRows.of([row]), "sections": TableRows.of([section])})
    if state:
        rows.crawl_state = {"url": f"http://x/{rid}", "kind": "document", "status": "ok", **state}
    return rows


def fts(db, word: str) -> list[str]:
    sql = "select s.report_id from sections_fts join sections s on s.rowid = sections_fts.rowid where sections_fts match ?"
    return sorted(r for (r,) in rows_of(db, sql, [word]))


def insert_run(db, spider: str) -> int:
    return db.conn.execute("insert into crawl_runs (spider, status) values (?, 'x')", [spider]).lastrowid


def test_writes_apply_in_order_and_calls_return_their_result(tmp_path):
    path = tmp_path / "w.db"
    db = ReportsDatabase(path)
    try:
        first = db.call(insert_run, "a")
        for i in range(50):
            db.upsert("crawl_runs", {"id": first, "spider": "a", "status": f"s{i}"}, "id")
        assert db.call(insert_run, "b") == first + 1
        assert rows_of(path, "select spider, status from crawl_runs order by id") == [("a", "s49"), ("b", "x")]
    finally:
        db.close()


def test_a_report_replaces_its_rows_and_its_crawl_state_commits_with_it(tmp_path):
    path = tmp_path / "w.db"
    db = ReportsDatabase(path)
    try:
        db.store(report("a", "旧词", sha256="1"))
        db.store(report("b", "行政诉讼"))
        db.commit()
        db.store(report("a", "新词", sha256="2"))
        db.commit()
    finally:
        db.close()
    assert rows_of(path, "select id from reports order by id") == [("a",), ("b",)]
    assert rows_of(path, "select report_id, body from sections order by report_id") == [
        ("a", "新词"),
        ("b", "行政诉讼"),
    ]
    assert rows_of(path, "select url, sha256, report_id from crawl_state") == [("http://x/a", "2", "a")]
    assert fts(path, "旧词") == [] and fts(path, "新词") == ["a"] and fts(path, "行政诉讼") == ["b"]
    rows_of(path, "insert into sections_fts (sections_fts) values ('integrity-check')")


def test_a_report_that_cannot_be_written_costs_only_itself_and_says_why(tmp_path, caplog):
    path = tmp_path / "w.db"
    db = ReportsDatabase(path, commit_seconds=3600)
    broken = report("bad", sha256="x")
    broken.tables["cells"] = TableRows(("report_id", "no_such_column"), [("bad", 1)])
    try:
        with caplog.at_level(logging.ERROR, logger="pipelines.database"):
            for rows in (report("a", sha256="1"), broken, report("c", sha256="3")):
                db.store(rows)
            db.commit()
    finally:
        db.close()
    assert rows_of(path, "select id from reports order by id") == [("a",), ("c",)]
    assert rows_of(
        path,
        "select url, status, coalesce(reason, '') like 'not stored:%no_such_column%' from crawl_state order by url",
    ) == [
        ("http://x/a", "ok", 0),
        ("http://x/bad", "error", 1),
        ("http://x/c", "ok", 0),
    ]
    assert [source for source, _ in db.failures] == ["/bad.txt"]
    assert any("/bad.txt" in record.getMessage() for record in caplog.records)


def test_upserts_keep_first_seen_and_merge_in_order(tmp_path):
    path = tmp_path / "w.db"
    db = ReportsDatabase(path)
    try:
        db.upsert(
            "crawl_state", {"url": "u", "kind": "listing", "first_seen": "1", "sha256": "s"}, "url", ("first_seen",)
        )
        db.commit()
        db.upsert(
            "crawl_state", {"url": "u", "kind": "listing", "first_seen": "2", "status": "ok"}, "url", ("first_seen",)
        )
        db.upsert(
            "crawl_state", {"url": "u", "kind": "listing", "first_seen": "3", "status": "gone"}, "url", ("first_seen",)
        )
    finally:
        db.close()
    assert rows_of(path, "select first_seen, sha256, status from crawl_state") == [("1", "s", "gone")]


def test_the_open_batch_is_committed_once_idle_for_commit_seconds(tmp_path):
    path = tmp_path / "w.db"
    db = ReportsDatabase(path, commit_seconds=0.3)
    try:
        db.store(report("a"))
        time.sleep(0.1)
        assert rows_of(path, "select count(*) from reports") == [(0,)]  # written, not committed yet
        time.sleep(0.6)
        assert rows_of(path, "select count(*) from reports") == [(1,)]
    finally:
        db.close()


def test_a_database_that_cannot_be_opened_says_why(tmp_path):
    (tmp_path / "not-a-db").write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(
        DatabaseError, match=r"cannot open the database .*not-a-db: DatabaseError: file is not a database"
    ):
        ReportsDatabase(tmp_path / "not-a-db")


def test_a_killed_process_loses_only_its_open_batch(tmp_path):
    path = tmp_path / "w.db"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {REPO!r})
        from pipelines.database import ReportsDatabase
        from tests.test_database import insert_run
        db = ReportsDatabase({str(path)!r}, commit_seconds=3600)
        db.call(insert_run, "committed")
        db.upsert("crawl_runs", {{"id": 2, "spider": "open batch"}}, "id")
        db.store(__import__("tests.test_database", fromlist=["report"]).report("a"))
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # the writer thread has taken both writes into its open transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        proc.kill()
    assert rows_of(path, "select spider from crawl_runs") == [("committed",)]
    assert rows_of(path, "select count(*) from reports") == [(0,)]


def read_then_write(db, seconds: float) -> None:
    """Read, wait, write (like the cross-year checks: they read before they write)."""
    db.conn.execute("select count(*) from crawl_state").fetchall()
    time.sleep(seconds)
    db.conn.execute("insert into crawl_state (url, kind) values ('http://a/late', 'document')")


def test_two_runs_can_write_to_one_database_at_the_same_time(tmp_path):
    """A nightly crawl and an ingest on one file: each writer holds the write lock for its whole batch,
    so the other's commit cannot land between a job's read and its write (SQLITE_BUSY_SNAPSHOT)."""
    path = tmp_path / "w.db"
    first, second = ReportsDatabase(path, commit_seconds=0.2), ReportsDatabase(path, commit_seconds=0.2)
    try:
        slow = threading.Thread(target=first.call, args=(read_then_write, 0.6))
        slow.start()
        time.sleep(0.2)  # the first writer is inside its job now
        second.upsert("crawl_state", {"url": "http://b/1", "kind": "document"}, "url")
        second.commit()
        slow.join()
    finally:
        first.close()
        second.close()
    assert rows_of(path, "select url from crawl_state order by url") == [("http://a/late",), ("http://b/1",)]


def test_many_reports_are_written_in_few_statements(tmp_path):
    """The writer thread's statements each wait for the GIL: 500 reports must not cost 500 × ~10 of them."""
    path = tmp_path / "w.db"
    db = ReportsDatabase(path, commit_seconds=3600)
    statements = []
    try:
        db.call(lambda d: d.conn.set_trace_callback(statements.append))
        for i in range(500):
            db.store(report(f"r{i:03d}", sha256=str(i)))
        db.commit()
    finally:
        db.close()
    assert rows_of(path, "select count(*) from reports") == [(500,)]
    # (the trace repeats a statement for every trigger it fires: count tables without triggers)
    inserts = [s for s in statements if s.startswith("INSERT OR REPLACE INTO [reports]")]
    deletes = [s for s in statements if s.startswith("DELETE FROM [cells]")]
    assert 0 < len(inserts) <= 500 / 50 and 0 < len(deletes) <= 500 / 50
