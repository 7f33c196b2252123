"""`scrapy site`: the static site's pages, links and guards (the browser test is test_browser.py)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipelines.schema import open_database
from research.site import build_site
from research.site.data import MIN_CASES, rate, slug
from tests.conftest import run_scrapy

HREF = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture(scope="module")
def site(shared_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_scrapy("site", "-o", str(out), db=shared_db)
    assert result.returncode == 0, result.stderr
    return out


def pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_index_quality_compliance_and_a_page_per_agency_and_region(site, shared_db):
    conn = sqlite3.connect(shared_db)
    agencies = [r[0] for r in conn.execute("SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL")]
    codes = [r[0] for r in conn.execute("SELECT DISTINCT region_code FROM reports WHERE region_code IS NOT NULL")]
    conn.close()
    for name in ("index.html", "quality.html", "compliance.html", "site.css"):
        assert (site / name).exists()
    for agency in agencies:
        assert agency in (site / "agency" / f"{slug(agency)}.html").read_text(encoding="utf-8")
    for code in codes:
        assert (site / "region" / f"{code}.html").exists()
    for ancestor in ("990000", "990100"):  # the demo county's city and province gather it
        assert "示例县教育局" in (site / "region" / f"{ancestor}.html").read_text(encoding="utf-8")


def test_every_link_resolves_and_nothing_is_fetched_from_the_network(site):
    for page in pages(site):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html
        for href in HREF.findall(html):
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                assert re.search(rf'<a href="{re.escape(href)}"', html), f"{page}: {href} is not a plain link"
                continue
            assert (page.parent / parts.path).resolve().exists(), f"{page.name}: broken link {href}"
        assert not re.search(r'<link[^>]+href="https?:', html)


def test_agency_page_has_its_charts_and_failed_checks_linked_to_the_source(site):
    page = (site / "agency" / f"{slug('河北省工业和信息化厅')}.html").read_text(encoding="utf-8")
    assert page.count('<svg class="chart"') == 3
    for title in ("本年新收申请", "办理结果构成", "行政复议、行政诉讼"):
        assert title in page
    assert "Failed checks (" in page and "R3." in page


def test_small_numbers_get_no_rate(site):
    region = (site / "region" / "990101.html").read_text(encoding="utf-8")
    assert f"&lt;{MIN_CASES}, no rate" in region
    assert rate(10, MIN_CASES - 1) is None and rate(10, MIN_CASES) == pytest.approx(100 * 10 / MIN_CASES)
    compliance = (site / "compliance.html").read_text(encoding="utf-8")
    assert "not ranked" in compliance


def test_text_from_reports_is_escaped(research_db, tmp_path):
    conn = sqlite3.connect(research_db)
    conn.execute("UPDATE reports SET agency = '<script>alert(1)</script>局', source = 'javascript:alert(2)' "
                 "WHERE agency = '示例县教育局'")  # fmt: skip
    conn.commit()
    conn.close()
    out = tmp_path / "site"
    result = run_scrapy("site", "-o", str(out), db=research_db)
    assert result.returncode == 0, result.stderr
    for page in pages(out):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;局" in (out / "index.html").read_text(encoding="utf-8")


def test_an_empty_database_gives_a_site_that_says_so(tmp_path):
    db = open_database(str(tmp_path / "empty.db"))
    out = tmp_path / "site"
    out.mkdir()
    written = build_site(db.conn, out.resolve())
    assert "index.html" in written
    assert "no reports yet" in (out / "index.html").read_text(encoding="utf-8")


def test_non_empty_directory_is_refused_unless_force(shared_db, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.html").write_text("mine", encoding="utf-8")
    refused = run_scrapy("site", "-o", str(out), db=shared_db)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert [p.name for p in out.iterdir()] == ["keep.html"]
    forced = run_scrapy("site", "-o", str(out), "--force", db=shared_db)
    assert forced.returncode == 0 and (out / "index.html").exists()
    assert (out / "keep.html").read_text(encoding="utf-8") == "mine"


def test_a_linked_subdirectory_does_not_lead_a_write_outside(shared_db, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = tmp_path / "site"
    out.mkdir()
    (out / "agency").symlink_to(outside, target_is_directory=True)
    result = run_scrapy("site", "-o", str(out), "--force", db=shared_db)
    assert result.returncode == 2 and "outside" in result.stderr
    assert list(outside.iterdir()) == []
