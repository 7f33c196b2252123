"""End to end: `scrapy crawl` as a subprocess with the real pipelines, against the mock portal.

Proves: reports land in the `reports` table (one per report); a second run writes nothing; the exit
code says whether the run failed (1) or met blocks (3); bad arguments fail at once (2); a run killed with
SIGKILL and run again completes with no duplicate and no half-written report.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from demo import loopback

REPO = Path(__file__).resolve().parents[2]
TRS = "http://trs.mock/zfxxgk/zfxxgknb/index.html"


def command(portal, db, *args):
    settings = {"REPORTS_DB": str(db), "LOOPBACK_ROUTES": json.dumps(portal.routes), "DOWNLOAD_DELAY": "0"}
    settings |= {"ADDONS": json.dumps(loopback.ADDONS)}
    settings |= {"AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING"}
    flags = [part for key, value in settings.items() for part in ("-s", f"{key}={value}")]
    return [sys.executable, "-m", "scrapy", "crawl", "annual_reports", *args, *flags]


def crawl(portal, db, *args) -> subprocess.CompletedProcess:
    return subprocess.run(command(portal, db, *args), cwd=REPO, capture_output=True, text=True, timeout=180)


def query(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def expected_trs(portal, stored: set[str]) -> set[str]:
    original, copy = portal.crosspost
    return portal.expected["trs.mock"] - {original} | (stored & {original, copy})


def test_reports_stored_once_and_second_run_writes_nothing(mock_portal, tmp_path):
    db = tmp_path / "reports.db"
    first = crawl(mock_portal, db, "-a", f"url={TRS}")
    assert first.returncode == 0, first.stderr[-3000:]
    sources = [s for (s,) in query(db, "select source from reports")]
    assert len(sources) == len(set(sources)) and set(sources) == expected_trs(mock_portal, set(sources))
    before = query(db, "select * from reports order by id")
    second = crawl(mock_portal, db, "-a", f"url={TRS}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert query(db, "select * from reports order by id") == before
    assert query(db, "select new, changed, status from crawl_runs order by id") == [
        (len(sources), 0, "ok"),
        (0, 0, "ok"),
    ]


def test_exit_codes(mock_portal, tmp_path):
    blocked = crawl(mock_portal, tmp_path / "a.db", "-a", "url=http://ruishu.mock/nb/index.html")
    assert blocked.returncode == 1 and "failed" in blocked.stdout
    partial = crawl(mock_portal, tmp_path / "b.db", "-a", "url=http://soft404.mock/nb/index.html")
    assert partial.returncode == 3 and "blocked" in partial.stdout
    bad = crawl(mock_portal, tmp_path / "c.db", "-a", f"url={TRS}", "-a", "year=twenty")
    assert bad.returncode == 2 and "error: -a year='twenty': expected a report year" in bad.stderr
    assert not db_has_runs(tmp_path / "c.db")  # refused before anything ran


@pytest.mark.parametrize("stored_before_kill", [0, 3], ids=["before-any-report", "mid-run"])
def test_killed_run_then_rerun_completes_without_duplicates(mock_portal, tmp_path, stored_before_kill):
    """Killed right after the run record was committed (nothing stored, early listing pages already known
    to nobody), or in the middle of the run: the rerun completes the portal either way (more kill points:
    tests/benchmarks/kill_resume.py)."""
    db = tmp_path / "reports.db"
    mock_portal.delays["trs.mock"] = 0.2  # ~15 s for the whole host: the kill lands well inside the run
    proc = subprocess.Popen(
        command(mock_portal, db, "-a", f"url={TRS}"), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and _running(db) and _count(db) >= stored_before_kill:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl finished before it could be killed"
    helpers = psutil.Process(proc.pid).children(recursive=True)  # the parser process (and multiprocessing's tracker)
    assert any("spawn_main" in " ".join(p.cmdline()) for p in helpers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(helpers, timeout=10)
    assert not alive, f"helper processes outlived the killed crawl: {[p.cmdline() for p in alive]}"
    stored_before = _count(db)
    assert stored_before_kill <= stored_before < len(mock_portal.expected["trs.mock"])
    del mock_portal.delays["trs.mock"]
    rerun = crawl(mock_portal, db, "-a", f"url={TRS}")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    sources = [s for (s,) in query(db, "select source from reports")]
    assert len(sources) == len(set(sources)) and set(sources) == expected_trs(mock_portal, set(sources))
    clean = tmp_path / "clean.db"  # an uninterrupted crawl: every report must look exactly the same
    assert crawl(mock_portal, clean, "-a", f"url={TRS}").returncode == 0
    pair = set(mock_portal.crosspost)  # which copy of the cross-post is kept depends on crawl order
    assert [r for r in query(db, SHAPE) if r[0] not in pair] == [r for r in query(clean, SHAPE) if r[0] not in pair]
    assert query(db, "select status from crawl_runs order by id") == [("killed",), ("ok",)]


SHAPE = """select r.source, r.title, r.year, (select count(*) from sections s where s.report_id = r.id),
                  (select count(*) from cells c where c.report_id = r.id) from reports r order by r.source"""


def db_has_runs(db) -> bool:
    return db.exists() and bool(query(db, "select count(*) from crawl_runs")[0][0])


def _running(db) -> bool:
    try:
        return bool(query(db, "select count(*) from crawl_runs where status = 'running'")[0][0])
    except sqlite3.OperationalError:  # tables not created yet
        return False


def _count(db) -> int:
    try:
        return query(db, "select count(*) from reports")[0][0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0
