"""`scrapy status`: the portal's last run, reports, failed URLs, newest report and open alerts, as a table and
as JSON, read from a database two real demo crawls wrote (both blocked on some of five pages, the second
finding its listings cut down); `--resolve` closes the alerts."""

from __future__ import annotations

import json
import re

from ops_tools import challenge, crawl, cut_listings

from tests.conftest import run_scrapy


def test_status_table_json_and_resolve(portal, db_path):
    challenge(portal, 5)
    assert crawl(portal, db_path).returncode == 3
    cut_listings(portal)  # the monitors raise listed_dropped; still blocked pages keep exit 3
    second = crawl(portal, db_path)
    assert second.returncode == 3 and "alert listed_dropped" in second.stdout

    table = run_scrapy("status", db=db_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["spider", "last", "run", "status", "why", "reports", "newest", "gone", "error",
                                "blocked", "skipped", "alerts"]  # fmt: skip
    assert re.fullmatch(
        r"demo +2 \d{4}-\d\d-\d\d \d\d:\d\d +blocked +\d pages were anti-bot answers +55 +2024-03-26 +0 +0 +5 +0 +1",
        lines[1],
    ), lines[1]
    assert lines[2].startswith("alert 1 demo listed_dropped since ")
    assert lines[2].endswith("(run 2): 3 reports listed on the columns' first pages, 25 in run 1: "
                             "the portal's layout or column may have changed")  # fmt: skip

    shown = json.loads(run_scrapy("status", "--json", "-a", "spider=demo", db=db_path).stdout)
    assert [(p["spider"], p["last_run"]["id"], p["last_run"]["status"], p["reports"], p["newest_report"])
            for p in shown] == [("demo", 2, "blocked", 55, "2024-03-26")]  # fmt: skip
    assert shown[0]["urls"] == {"gone": 0, "error": 0, "blocked": 5, "skipped": 0}
    assert [(a["id"], a["run_id"], a["target"], a["monitor"]) for a in shown[0]["alerts"]] == [
        (1, 2, "demo", "listed_dropped")
    ]

    resolved = run_scrapy("status", "--resolve", db=db_path)
    assert resolved.stdout.strip() == "1 alerts resolved"
    assert json.loads(run_scrapy("status", "--json", db=db_path).stdout)[0]["alerts"] == []


def test_status_says_what_is_wrong(tmp_path, db_path, portal):
    missing = run_scrapy("status", db=tmp_path / "none.db")
    assert missing.returncode == 2
    assert f"REPORTS_DB: no database at {tmp_path / 'none.db'}" in missing.stderr
    assert crawl(portal, db_path).returncode == 0
    unknown = run_scrapy("status", "-a", "spider=nowhere", db=db_path)
    assert unknown.returncode == 2 and "no crawl run of 'nowhere'" in unknown.stderr
    typo = run_scrapy("status", "-a", "spidr=demo", db=db_path)
    assert typo.returncode == 2 and "unknown argument -a spidr= (only -a spider=)" in typo.stderr
