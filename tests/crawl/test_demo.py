"""The embedded default: the committed demo portal is what the seeded generator writes, and
`scrapy crawl demo` crawls it offline, exits 0, and a second run is incremental."""

import sqlite3
import subprocess
import sys
from pathlib import Path

from demo.portal import build_portal
from demo.server import load_dir
from demo.synthetic import APP_COLS, REVIEW_COLS

REPO = Path(__file__).resolve().parents[2]


def test_generator_is_deterministic_and_matches_committed_portal(tmp_path):
    build_portal(seed=2024, scanned=True).write(tmp_path)  # as `scrapy gendemo` writes it
    assert load_dir(tmp_path) == load_dir(REPO / "data" / "demo_portal")
    other = build_portal(seed=5)
    assert other.files.keys() != build_portal(seed=2024).files.keys()


def test_demo_portal_layout():
    portal = build_portal(seed=2024)
    assert len(portal.reports) == 60
    versions = {r.version for r in portal.reports.values()}
    assert versions == {"v2019", "v2021"}
    assert any(p.endswith(".pdf") for p in portal.files) and any(p.endswith(".docx") for p in portal.files)
    gbk = [p for p, h in portal.headers.items() if h == {"Content-Type": "text/html"}]
    assert gbk and b"charset=gbk" in portal.files[gbk[0]]
    assert "xxgk_list_2.shtml" in " ".join(portal.files) and "bm/index_3.html" in " ".join(portal.files)


def test_synthetic_numbers_obey_the_hard_rules():
    reports = list(build_portal(seed=2024).reports.values())
    for r in reports:
        a = r.applications
        for col, c in a.items():  # R3.1 and R3.3, every column
            assert c["new_received"] + c["carried_over"] == c["results_total"] + c["carried_forward"]
            parts = [
                v
                for k, v in c.items()
                if k.startswith(("granted", "partially", "denied_", "unable_", "not_processed_", "other_"))
            ]
            assert sum(parts) == c["results_total"], col
        for row in a["total"]:  # R3.2, every row
            assert a["total"][row] == sum(a[col][row] for col in APP_COLS)
        for cells in r.review.values():  # R4.1
            assert cells["total"] == sum(cells[k] for k in REVIEW_COLS)
    by_unit = {}
    for r in sorted(reports, key=lambda r: r.year):  # soft cross-year rule: 上年结转 = last year's 结转下年度
        if r.unit in by_unit:
            assert r.applications["total"]["carried_over"] == by_unit[r.unit].applications["total"]["carried_forward"]
        by_unit[r.unit] = r


def scrapy_crawl(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawl", *args, "-s", "LOG_LEVEL=WARNING"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_scrapy_crawl_demo_twice(tmp_path):
    db = tmp_path / "reports.db"
    first = scrapy_crawl("demo", "-s", f"REPORTS_DB={db}")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "ok (everything found was stored or unchanged): pages 69, new 60, changed 0, unchanged 0" in first.stdout
    assert f"database {db}" in first.stdout
    with sqlite3.connect(db) as conn:  # every synthetic report reads as a clean report; the scanned one via OCR
        assert conn.execute("select template, quality, count(*) from reports group by 1, 2").fetchall() == [
            ("v2019", "ok", 24),
            ("v2021", "ok", 35),
            ("v2021", "warning", 1),
        ]
        scanned = "select format, (select count(*) from cells where report_id = r.id and value is null) from reports r"
        assert conn.execute(scanned + " where quality = 'warning'").fetchall() == [("pdf+ocr", 0)]  # every cell read
        failed = "select rule, detail from checks where passed = 0"
        # «3 of 3 pages read by OCR» (never ok); and the scan, made from the tables, lacks the 信息处理费 statement
        assert sorted(rule for rule, _ in conn.execute(failed)) == ["form.fee_statement", "input"]
    second = scrapy_crawl("demo", "-s", f"REPORTS_DB={db}")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "new 0, changed 0, unchanged 24" in second.stdout  # page 1 of each column re-checked by 304s
