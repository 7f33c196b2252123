"""Run monitors (crawler/monitors.py): the monitors on crawl_runs rows, then `scrapy crawl demo` runs against
copies of the demo portal that lose their listings, block half their pages or stop changing: alert rows,
exit codes, and alerts resolved when the portal is back."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from ops_tools import alerts, challenge, crawl, cut_listings

from crawler.monitors import HOLD, Thresholds, failed_share, listed_dropped, monitor_run, quiet
from pipelines.schema import open_database

LIMITS = Thresholds(listed_drop=0.5, failed_share=0.25, quiet_days=30)


def run(id=1, started="2026-01-01T00:00:00+00:00", status="ok", pages=10, new=0, changed=0, errors=0,
        blocked=0, listed=20, year=None, limit=None) -> dict:  # fmt: skip
    return {"id": id, "started": started, "status": status, "pages": pages, "new": new, "changed": changed,
            "errors": errors, "blocked": blocked, "listed": listed, "year": year, "limit": limit}  # fmt: skip


def day(n: int) -> str:
    return (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)).isoformat(timespec="seconds")


# -- the monitors ---------------------------------------------------------------------------------------------
def test_listed_dropped_below_half_of_the_baseline():
    assert listed_dropped(run(listed=10), run(id=7, listed=20), LIMITS) is None  # exactly half: not below
    message = listed_dropped(run(listed=9), run(id=7, listed=20), LIMITS)
    assert message.startswith("9 reports listed on the columns' first pages, 20 in run 7")
    assert listed_dropped(run(listed=0), None, LIMITS) == HOLD  # nothing to compare with
    assert listed_dropped(run(listed=0, limit=5), run(listed=20), LIMITS) == HOLD  # narrowed runs are not compared
    assert listed_dropped(run(listed=None), run(listed=20), LIMITS) == HOLD


def test_failed_share_counts_errors_and_blocks_among_the_urls_met():
    assert failed_share(run(pages=30, errors=5, blocked=5), LIMITS) is None  # 10 of 40: 25 %, not above
    assert failed_share(run(pages=29, errors=6, blocked=5), LIMITS) == (
        "11 of 40 URLs failed or were blocked (28%; the limit is 25%)"
    )
    assert failed_share(run(pages=0), LIMITS) is None


def test_quiet_once_per_spell_on_a_portal_that_used_to_change():
    first, change = run(id=1, started=day(0), new=60), run(id=2, started=day(10), changed=1)
    assert quiet(run(id=3, started=day(39)), [first, change], [], LIMITS) == HOLD  # 29 days
    message = quiet(run(id=3, started=day(40)), [first, change], [], LIMITS)
    assert message.startswith("nothing new or changed for 30 days (since run 2, 2026-01-11)")
    assert quiet(run(id=4, started=day(41)), [first, change], [day(40)], LIMITS) == HOLD  # raised in this spell
    assert quiet(run(id=5, started=day(90)), [first], [], LIMITS) == HOLD  # only the first fill: never changed
    assert quiet(run(id=6, started=day(90), new=1), [first, change], [day(40)], LIMITS) is None  # passes again


def test_monitor_run_compares_with_the_last_run_not_flagged_and_resolves(tmp_path):
    db = open_database(str(tmp_path / "reports.db"))
    runs = [(1, 25), (2, 24), (3, 3), (4, 2), (5, 23)]
    for id, _ in runs:
        db.conn.execute(
            "insert into crawl_runs (id, spider, started, status, pages, new, changed, errors, blocked, detail) "
            "values (?, 'demo', ?, 'ok', 30, 0, 0, 0, 0, '{}')",
            [id, day(id)],
        )
    raised = [monitor_run(db, id, "demo", listed, LIMITS) for id, listed in runs]
    assert [[monitor for monitor, _ in alerts] for alerts in raised] == [
        [],
        [],
        ["listed_dropped"],
        ["listed_dropped"],
        [],
    ]
    assert "3 reports listed on the columns' first pages, 24 in run 2" in raised[2][0][1]
    assert "2 reports listed on the columns' first pages, 24 in run 2" in raised[3][0][1]  # not run 3: flagged
    rows = db.execute("select run_id, resolved_by from alerts order by id").fetchall()
    assert rows == [(3, "run 5"), (4, "run 5")]


# -- scrapy crawl demo against changed copies of the demo portal ----------------------------------------------
def test_incremental_runs_of_a_healthy_portal_raise_nothing(portal, db_path):
    for _ in range(2):
        assert crawl(portal, db_path).returncode == 0
    with sqlite3.connect(db_path) as conn:  # a full and an incremental run list the same first pages
        assert conn.execute("select new, unchanged, listed from crawl_runs").fetchall() == [(60, 0, 25), (0, 24, 25)]
    assert alerts(db_path) == []


def test_a_portal_whose_listings_lose_their_reports_alerts_and_exits_5(portal, db_path):
    assert crawl(portal, db_path).returncode == 0
    originals = cut_listings(portal)
    dropped = crawl(portal, db_path)
    assert dropped.returncode == 5, dropped.stderr[-2000:]
    assert "run 2 ok" in dropped.stdout
    assert "alert listed_dropped: 3 reports listed on the columns' first pages, 25 in run 1" in dropped.stdout
    assert alerts(db_path) == [(2, "demo", "listed_dropped", None)]
    for page, html in originals.items():
        (portal / page).write_text(html, encoding="utf-8")
    assert crawl(portal, db_path).returncode == 0
    assert alerts(db_path) == [(2, "demo", "listed_dropped", "run 3")]


@pytest.mark.parametrize(("challenged", "alerted"), [(30, True), (5, False)])
def test_blocked_pages_above_the_share_alert(portal, db_path, challenged, alerted):
    challenge(portal, challenged)
    result = crawl(portal, db_path)
    assert result.returncode == 3, result.stderr[-2000:]  # blocked: its own code, alert or not
    assert ("alert failed_share" in result.stdout) == alerted
    assert alerts(db_path) == ([(1, "demo", "failed_share", None)] if alerted else [])


def test_a_portal_that_stops_changing_alerts_once(portal, db_path):
    assert crawl(portal, db_path).returncode == 0
    report = portal / "zfxxgk/zfxxgknb/202403/t20240326_4410008.html"  # the newest report on page 1
    report.write_bytes(report.read_bytes().replace(b"</body>", b"<p>\xe6\x9b\xb4\xe6\xad\xa3</p></body>"))
    assert "changed 1" in crawl(portal, db_path).stdout
    with sqlite3.connect(db_path) as conn:  # both runs 40 days ago
        conn.execute("update crawl_runs set started = ?", [(datetime.now(UTC) - timedelta(days=40)).isoformat()])
    first_quiet = crawl(portal, db_path)
    assert first_quiet.returncode == 5
    assert re.search(r"alert quiet: nothing new or changed for 40 days \(since run 2, ", first_quiet.stdout)
    assert crawl(portal, db_path).returncode == 0  # still quiet: the alert stays open, not raised again
    assert alerts(db_path) == [(3, "demo", "quiet", None)]
    report.write_bytes(report.read_bytes().replace(b"</body>", b"<p>2</p></body>"))
    assert crawl(portal, db_path).returncode == 0
    assert alerts(db_path) == [(3, "demo", "quiet", "run 5")]
