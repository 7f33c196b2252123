"""Nightly runs that can be trusted: a crawl through every fault of tests/crawl/faults.py, as `scrapy crawl` in
a subprocess. Every URL that does not end stored is recorded with a reason, nothing broken becomes a report,
the run says what happened (status, counts, exit code), and the process tree's memory stays bounded."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from faults import EXPECTED, HOST, OTHER, FaultPortal

from demo import loopback

REPO = Path(__file__).resolve().parents[2]
PEAK_RSS_LIMIT = 500 * 2**20


def crawl(routes: dict, db: Path, url: str) -> tuple[subprocess.CompletedProcess, int]:
    """`scrapy crawl annual_reports -a url=…`; its result and the peak RSS of its process tree."""
    settings = {
        "REPORTS_DB": str(db), "LOOPBACK_ROUTES": json.dumps(routes), "ADDONS": json.dumps(loopback.ADDONS),
        "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "1",
        "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    flags = [part for key, value in settings.items() for part in ("-s", f"{key}={value}")]
    command = [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a", f"url={url}", *flags]
    process = psutil.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    portal = FaultPortal()
    routes = portal.start()
    db = tmp_path_factory.mktemp("faults") / "r.db"
    try:
        result, peak = crawl(routes, db, f"http://{HOST}/nb/index.html")
    finally:
        portal.stop()
    return result, peak, db


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_url_is_recorded_with_its_outcome(faulty_run, path):
    _, _, db = faulty_run
    status, word = EXPECTED[path]
    found = rows(db, "select status, reason from crawl_state where url = ?", f"http://{HOST}{path}")
    assert found and found[0][0] == status, found
    if status != "ok":
        assert word in found[0][1], found  # never an empty reason
    else:
        assert found[0][1] is None


def test_only_real_reports_become_report_rows(faulty_run):
    _, _, db = faulty_run
    stored = {source.removeprefix(f"http://{HOST}") for (source,) in rows(db, "select source from reports")}
    assert stored == {"/nb/t20240101_1.html", "/nb/t20240114_att.html", "/nb/t20240301_9.html"}


def test_the_run_says_what_happened(faulty_run):
    result, _, db = faulty_run
    statuses = [status for status, _ in EXPECTED.values()]
    (run,) = rows(db, "select status, errors, gone, blocked, skipped, detail from crawl_runs")
    assert run[:5] == ("blocked", statuses.count("error"), 2, 1, 1)
    assert "anti-bot" in json.loads(run[5])["why"]
    assert result.returncode == 3, result.stderr[-2000:]
    assert "run 1 blocked (1 pages were anti-bot answers)" in result.stdout and "database " in result.stdout


def test_names_from_the_network_never_become_paths(faulty_run):
    _, _, db = faulty_run
    found = rows(db, "select filename, filename_sent from documents where source like '%_name.pdf'")
    assert found == [("passwd.pdf", "../../../etc/passwd.pdf")]


def test_a_docx_bomb_is_refused_by_the_parser_with_the_reason(faulty_run):
    _, _, db = faulty_run
    details = [d for (d,) in rows(db, "select detail from checks where rule = 'attachment'")]
    assert any("word/document.xml is 46.7 MiB (limit 8 MiB)" in d for d in details), details


def test_memory_stays_bounded_through_every_fault(faulty_run):
    _, peak, _ = faulty_run
    assert peak < PEAK_RSS_LIMIT, f"peak RSS of the process tree {peak / 2**20:.0f} MiB"


def test_a_column_that_answers_404_fails_the_run_and_names_the_url(tmp_path):
    portal = FaultPortal()
    routes = portal.start()
    try:
        result, _ = crawl(routes, tmp_path / "r.db", f"http://{OTHER}/nb/index.html")
    finally:
        portal.stop()
    assert result.returncode == 1
    assert rows(tmp_path / "r.db", "select url, status, reason from crawl_state") == [
        (f"http://{OTHER}/nb/index.html", "error", "http 404: the column moved or is gone")
    ]
    assert rows(tmp_path / "r.db", "select status, errors from crawl_runs") == [("failed", 1)]
