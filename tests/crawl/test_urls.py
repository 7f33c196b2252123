"""`scrapy crawl urls -a file=LIST`: exactly the listed reports, fetched and stored; a dry run writes nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crawler.spiders.urls import UrlsSpider, read_urls
from demo import loopback
from demo.server import PortalServer, load_dir
from tests.conftest import REPO, run_scrapy

DEMO = "http://demo.nianbao.test/zfxxgk/zfxxgknb"
LISTED = [f"{DEMO}/202101/t20210106_4412807.html", f"{DEMO}/bm/202201/t20220112_4422008.html"]
# a registered portal's host (crawler/spiders/jiangsu/huaian.py), served by the same loopback server
REGISTERED = "http://www.huaian.gov.cn/zfxxgk/zfxxgknb/202301/t20230118_4411328.html"


@pytest.fixture(scope="module")
def routes():
    server = PortalServer(*load_dir(REPO / "data" / "demo_portal"))
    port = server.start()
    route = f"127.0.0.1:{port}"
    yield json.dumps({"demo.nianbao.test": route, "www.huaian.gov.cn": route})
    server.stop()


def crawl(list_file: Path, db: Path, routes: str, *extra: str):
    return run_scrapy("crawl", "urls", "-a", f"file={list_file}", *extra, "-s", f"LOOPBACK_ROUTES={routes}",
                      "-s", f"ADDONS={json.dumps(loopback.ADDONS)}", "-s", "DOWNLOAD_DELAY=0",
                      "-s", "AUTOTHROTTLE_ENABLED=0", db=db)  # fmt: skip


def test_dry_run_shows_what_would_be_stored_and_writes_nothing(tmp_path, routes):
    listing = tmp_path / "links.txt"
    listing.write_text("# reports to read\n" + "\n".join([*LISTED, REGISTERED]) + "\n", encoding="utf-8")
    db = tmp_path / "reports.db"
    result = crawl(listing, db, routes, "-a", "dry_run=1")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if "http://" in line]
    assert len(lines) == 3
    first = next(line for line in lines if LISTED[0] in line)
    assert first.startswith("2020 (title) | 示例县人民政府 (title) |")
    assert "320800 (portal)" in next(line for line in lines if REGISTERED in line)
    assert not db.exists()


def test_the_listed_reports_are_stored_and_only_those(tmp_path, routes):
    listing = tmp_path / "links.csv"
    rows = ["序号,机关,链接", *(f"{i},某机关,{url}" for i, url in enumerate([*LISTED, REGISTERED], start=1))]
    listing.write_bytes("\n".join(rows).encode("gb18030"))  # as WPS saves a CSV
    db = tmp_path / "reports.db"
    result = crawl(listing, db, routes)
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT source, region_code FROM reports").fetchall())
        sources = dict(conn.execute("SELECT source, json_extract(field_sources, '$.region_code') FROM reports"))
    assert set(stored) == {*LISTED, REGISTERED}
    assert stored[REGISTERED] == "320800" and sources[REGISTERED] == "portal"


def test_read_urls_from_a_list_and_from_a_named_column(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text(f"\n{LISTED[0]}\n  {LISTED[1]}  \n{LISTED[0]}\n", encoding="utf-8")
    assert read_urls(plain) == LISTED  # order kept, blanks and repeats dropped
    table = tmp_path / "b.tsv"
    table.write_text(f"url\tnote\n{LISTED[0]}\tx\n{LISTED[1]}\ty\n", encoding="utf-8")
    assert read_urls(table, "url") == LISTED


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        (f"{LISTED[0]}\nnot a url\n", None, "line 2: 'not a url'"),
        ("", None, "no http"),
        (f"a,b\n1,{LISTED[0]}\n", "链接", "not a column"),
        ("a,b\n1,2\n", None, "no column of URLs"),
        (f"a,b\n1,{LISTED[0]}\n2,ftp://x\n", None, "'ftp://x'"),
    ],
)
def test_bad_lists_are_refused_with_the_reason(tmp_path, content, column, message):
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_urls(path, column)


def test_arguments_are_checked_before_anything_is_fetched(tmp_path):
    with pytest.raises(ValueError, match="needs -a file"):
        UrlsSpider()
    with pytest.raises(ValueError, match="no such file"):
        UrlsSpider(file=str(tmp_path / "missing.txt"))
    listing = tmp_path / "l.txt"
    listing.write_text(LISTED[0], encoding="utf-8")
    with pytest.raises(ValueError, match="dry_run"):
        UrlsSpider(file=str(listing), dry_run="maybe")
    assert UrlsSpider(file=str(listing), limit="1").urls == [LISTED[0]]
