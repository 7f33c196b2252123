"""What an operator meets at the edges: one clear line for bad usage (exit 2, nothing run), a database that
fails mid-run stops the run once instead of failing every item, and a document whose parser died is
fetched again by the next run."""

from __future__ import annotations

import logging
import os
import sqlite3

import pytest
import pytest_twisted
from scrapy.exceptions import DropItem
from twisted.internet.defer import Deferred

from crawler.items import ReportItem
from pipelines.database import ReportsDatabase, path_problem
from pipelines.formats import to_document
from pipelines.parse import unparsed_rows
from pipelines.store import StoreReportPipeline
from tests.conftest import run_scrapy


def test_an_unknown_spider_argument_is_refused_before_anything_runs(tmp_path):
    result = run_scrapy(
        "crawl", "annual_reports", "-a", "url=http://a.gov.cn/nb/", "-a", "yaer=2023", db=tmp_path / "x.db"
    )
    assert result.returncode == 2
    assert "unknown spider argument -a yaer= (this spider takes -a url=, -a region=, -a year=" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x.db").exists()


def test_a_database_path_under_a_file_is_refused_in_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    db = tmp_path / "afile" / "reports.db"
    assert path_problem(db) == f"cannot create {db}: {tmp_path / 'afile'} is a file, not a directory"
    for command in (["crawl", "demo"], ["ingest", str(tmp_path)]):
        result = run_scrapy(*command, db=db)
        assert result.returncode == 2, result.stderr[-2000:]
        assert f"REPORTS_DB: cannot create {db}" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "text.db").write_text("not a database at all")
    assert path_problem(tmp_path / "text.db") == f"{tmp_path / 'text.db'} is not an SQLite database"


def test_a_symlink_loop_is_called_what_it_is(tmp_path):
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    result = run_scrapy("ingest", str(tmp_path / "loop"), db=tmp_path / "x.db")
    assert result.returncode == 2
    assert "a symbolic link that leads nowhere (a loop, or a missing target)" in result.stderr


def test_random_bytes_named_pdf_are_called_not_a_pdf():
    with pytest.raises(Exception, match="not a PDF file: its bytes are neither PDF nor text"):
        to_document(bytes(range(256)) * 40, filename="report.pdf")


def crawled_item(rows_for) -> ReportItem:
    item = ReportItem(source="http://x.gov.cn/a.html", body=b"<html>a</html>", content_type="text/html")
    item.report_id, item.content_sha256 = "a", "h"
    item.crawl_state = {"url": item.source, "kind": "document", "status": "ok", "reason": None, "sha256": "h"}
    item.rows = rows_for(item)
    return item


@pytest_twisted.ensureDeferred
async def test_a_document_whose_parser_died_is_fetched_again_next_run(tmp_path):
    db = ReportsDatabase(tmp_path / "r.db")
    try:
        item = crawled_item(lambda it: unparsed_rows(it, "parser process died on this document: killed"))
        await StoreReportPipeline(db).process_item(item)
        db.commit()
    finally:
        db.close()
    with sqlite3.connect(tmp_path / "r.db") as connection:
        state = connection.execute("select status, reason from crawl_state").fetchall()
        kept = connection.execute("select quality, (select count(*) from documents) from reports").fetchall()
    assert state == [("error", "not read: parser process died on this document: killed")]  # not settled: asked again
    assert kept == [("error", 1)]  # and its raw document is kept for `scrapy reparse`


@pytest_twisted.ensureDeferred
async def test_a_database_that_fails_mid_run_stops_the_run_once(tmp_path, caplog):
    db = ReportsDatabase(tmp_path / "r.db")
    db.close()  # as good as a writer thread that died
    stopped = []

    async def stop(reason):
        stopped.append(reason)

    pipeline = StoreReportPipeline(db, stop=stop)
    with caplog.at_level(logging.ERROR, logger="pipelines.store"):
        for _ in range(3):
            with pytest.raises(DropItem, match="database failed"):
                await pipeline.process_item(crawled_item(lambda it: unparsed_rows(it, "x")))
    await Deferred.fromFuture(pipeline._stopping)  # scheduled, not awaited, by the item that met the failure
    assert len([r for r in caplog.records if "database failed" in r.getMessage()]) == 1
    assert len(stopped) == 1 and "the database is closed" in stopped[0]
