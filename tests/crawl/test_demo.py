"""The embedded default: the committed demo portal is what the seeded generator writes, and
`scrapy crawl demo` crawls it offline, exits 0, and a second run is incremental."""

import subprocess
import sys
from pathlib import Path

from crawler.demo_portal import build_portal
from crawler.portalserver import load_dir

REPO = Path(__file__).resolve().parents[2]


def test_generator_is_deterministic_and_matches_committed_portal(tmp_path):
    build_portal(seed=2024).write(tmp_path)
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


def scrapy_crawl(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawl", *args, "-s", "LOG_LEVEL=WARNING"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_scrapy_crawl_demo_twice(tmp_path):
    db = tmp_path / "reports.db"
    first = scrapy_crawl("demo", "-s", f"REPORTS_DB={db}")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "ok: pages 69, new 60, changed 0, unchanged 0" in first.stdout
    second = scrapy_crawl("demo", "-s", f"REPORTS_DB={db}")
    assert second.returncode == 0, second.stderr[-2000:]
    assert "new 0, changed 0, unchanged 24" in second.stdout  # page 1 of each column re-checked by 304s
