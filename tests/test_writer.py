"""The database writer process (pipelines/writer.py) and the store's batch (pipelines/batch.py), on real
SQLite files: ordering, errors, commit timing, dying with the crawling process, FTS consistency."""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from pipelines.rows import ReportRows
from pipelines.writer import DatabaseWriter, WriterError, execute, insert_returning_id

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rows_of(db_path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql, params).fetchall()


def test_jobs_run_in_order_and_results_come_back(tmp_path):
    db = tmp_path / "w.db"
    writer = DatabaseWriter.acquire(str(db))
    try:
        first = writer.call(insert_returning_id, "insert into crawl_runs (spider, status) values (?, ?)", ["a", "x"])
        for i in range(50):
            writer.submit_logged(execute, "update crawl_runs set status = ? where id = ?", [f"s{i}", first])
        assert writer.call("pipelines.writer:insert_returning_id", "insert into crawl_runs (spider) values (?)", ["b"])
        writer.commit().result()
        assert rows_of(db, "select spider, status from crawl_runs order by id") == [("a", "s49"), ("b", None)]
    finally:
        writer.release()


def test_a_failing_job_fails_its_caller_and_a_failing_unawaited_one_is_logged(tmp_path, caplog):
    writer = DatabaseWriter.acquire(str(tmp_path / "w.db"))
    try:
        with pytest.raises(WriterError, match="no such table: nope"):
            writer.call(execute, "select * from nope", [])
        with caplog.at_level(logging.ERROR, logger="pipelines.writer"):
            writer.submit_logged(execute, "insert into nope values (1)", [])
            writer.commit().result()  # the failure report arrives, and is logged, before this commit's
        assert any("database write failed" in r.message and "nope" in r.message for r in caplog.records)
        assert writer.call(insert_returning_id, "insert into crawl_runs (spider) values ('ok')", []) == 1
    finally:
        writer.release()


def test_an_open_batch_is_committed_once_idle_for_commit_seconds(tmp_path):
    db = tmp_path / "w.db"
    writer = DatabaseWriter.acquire(str(db), commit_seconds=0.3)
    try:
        writer.call(execute, "insert into crawl_runs (spider) values ('a')", [])
        assert rows_of(db, "select count(*) from crawl_runs") == [(0,)]  # not committed yet
        time.sleep(1.0)
        assert rows_of(db, "select count(*) from crawl_runs") == [(1,)]
    finally:
        writer.release()


def test_one_writer_per_file_shared_until_its_last_user_releases_it(tmp_path):
    first = DatabaseWriter.acquire(str(tmp_path / "w.db"))
    second = DatabaseWriter.acquire(str(tmp_path / "." / "w.db"))
    assert first is second
    first.release()
    assert not second.closed
    second.release()
    assert second.closed
    with pytest.raises(WriterError, match="closed"):
        second.submit(execute, "select 1", [])


def test_a_writer_that_cannot_open_the_database_says_why(tmp_path):
    (tmp_path / "not-a-db").write_bytes(b"this is not an SQLite file" * 100)
    writer = DatabaseWriter(str(tmp_path / "not-a-db"))
    with pytest.raises(WriterError, match="cannot open"):
        writer.wait_ready()


def test_the_writer_dies_with_a_killed_crawling_process_and_its_open_batch_is_lost(tmp_path):
    db = tmp_path / "w.db"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {REPO!r})
        from pipelines.writer import DatabaseWriter, execute
        if __name__ == "__main__":
            writer = DatabaseWriter.acquire({str(db)!r}, commit_seconds=3600)
            writer.call(execute, "insert into crawl_runs (spider) values ('committed')", [])
            writer.commit().result()
            writer.call(execute, "insert into crawl_runs (spider) values ('open batch')", [])
            print("ready", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        helpers = psutil.Process(proc.pid).children(recursive=True)
        assert helpers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _, alive = psutil.wait_procs(helpers, timeout=10)
        assert not alive
    finally:
        proc.kill()
    assert rows_of(db, "select spider from crawl_runs") == [("committed",)]


def minimal_rows(rid: str, body: str, tokens: str | None) -> ReportRows:
    """A report with one section and nothing else."""
    report_row = (rid, f"/{rid}.txt", *[None] * 4, "none", None, "warning", *[None] * 12)
    return ReportRows(rid, {"reports": [report_row], "sections": [(rid, 1, "一、总体情况", body, tokens)]})


def report(rid: str, words: str) -> bytes:
    """A pickled minimal report whose one section has the tokens `words`."""
    return pickle.dumps(minimal_rows(rid, words, words))


def fts(db, word: str) -> list[str]:
    sql = "select s.report_id from sections_fts join sections s on s.rowid = sections_fts.rowid where sections_fts match ?"
    return sorted(r for (r,) in rows_of(db, sql, [word]))


def test_sections_are_indexed_per_batch_and_replaced_reports_leave_no_stale_words(tmp_path):
    db = tmp_path / "w.db"
    writer = DatabaseWriter.acquire(str(db), commit_seconds=3600)
    try:
        write = "pipelines.batch:write_report"
        writer.call(write, report("a", "行政复议 旧词"), "rjieba")
        writer.call(write, report("a", "行政复议 新词"), "rjieba")  # replaced within the batch, before indexing
        writer.call(write, report("b", "行政诉讼"), "rjieba")
        writer.commit().result()
        assert fts(db, "旧词") == [] and fts(db, "新词") == ["a"] and fts(db, "行政复议") == ["a"]
        writer.call(write, report("b", "依申请公开"), "rjieba")  # replaced in a later batch: delete trigger
        writer.commit().result()
        assert fts(db, "行政诉讼") == [] and fts(db, "依申请公开") == ["b"]
        writer.call(execute, "insert into sections_fts (sections_fts) values ('integrity-check')", [])
    finally:
        writer.release()
    assert rows_of(db, "select count(*) from sections") == [(2,)]


def test_sections_without_tokens_are_segmented_by_the_writer(tmp_path):
    db = tmp_path / "w.db"
    rows = minimal_rows("c", "本机关依法办理政府信息公开申请", None)
    writer = DatabaseWriter.acquire(str(db))
    try:
        writer.call("pipelines.batch:write_report", pickle.dumps(rows), "rjieba")
    finally:
        writer.release()
    (tokens,) = rows_of(db, "select tokens from sections")[0]
    assert "政府信息公开" in tokens.split() and fts(db, "政府信息公开") == ["c"]


def read_then_write(db, seconds: float) -> None:
    """Writer job: read, wait, write (like the cross-year checks: they read before they write)."""
    db.conn.execute("select count(*) from crawl_state").fetchall()
    time.sleep(seconds)
    db.conn.execute("insert into crawl_state (url, kind) values ('http://a/late', 'document')")


def test_two_runs_can_write_to_one_database_at_the_same_time(tmp_path):
    """A nightly crawl and an ingest on one file: each writer holds the write lock for its whole batch,
    so the other's commit cannot land between a job's read and its write (SQLITE_BUSY_SNAPSHOT)."""
    db = str(tmp_path / "w.db")
    first, second = DatabaseWriter(db, commit_seconds=0.2), DatabaseWriter(db, commit_seconds=0.2)
    try:
        first.wait_ready()
        second.wait_ready()
        pending = first.submit(read_then_write, 0.6)
        time.sleep(0.2)  # the first writer is inside its job now
        second.call(execute, "insert into crawl_state (url, kind) values ('http://b/1', 'document')", [])
        second.commit().result()
        pending.result()
        first.commit().result()
    finally:
        first.close()
        second.close()
    assert rows_of(db, "select url from crawl_state order by url") == [("http://a/late",), ("http://b/1",)]
