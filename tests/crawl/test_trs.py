"""TRS family on the mock portal: every report found once (sub-columns, both createPageHTML
conventions, ../ links, document.write rows, cross-posts), nothing else; encodings; attachments."""

import pytest_twisted
from conftest import STORE, rows, run_crawl

from crawler.families.static import TrsSpider
from pipelines.titles import clean_title


class TrsMock(TrsSpider):
    name = "test_trs"
    region_code = "990101"
    column_urls = ("http://trs.mock/zfxxgk/zfxxgknb/index.html",)


@pytest_twisted.ensureDeferred
async def test_every_report_once_and_nothing_else(mock_portal, tmp_path):
    result = await run_crawl(TrsMock, tmp_path / "r.db", mock_portal.routes)
    original, copy = mock_portal.crosspost
    stored = result.sources
    assert len(result.items) == len(stored)  # no report yielded twice
    assert len({original, copy} & stored) == 1  # the byte-identical cross-post is stored once
    assert stored - {copy} | {original} == mock_portal.expected["trs.mock"]
    assert result.stats["nianbao/run_status"] == "ok"
    assert all(item.region_code == "990101" for item in result.items)
    assert result.stats["robotstxt/forbidden"] == 1  # the /admin/ report robots.txt disallows
    assert not [path for _, path, _ in mock_portal.server.log if path.startswith("/admin/")]


@pytest_twisted.ensureDeferred
async def test_titles_dates_and_encodings_reach_the_database(mock_portal, tmp_path):
    """The spider hands over raw bytes and the listing's words; the pipelines read the page right, whether it
    is UTF-8, GBK declared only in <meta>, or GBK under a header that claims UTF-8."""
    db = tmp_path / "r.db"
    result = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    stored = {source: rest for source, *rest in rows(db, "select source, title, published, index_no from reports")}
    for item in result.items:
        assert item.hints["list_title"] == mock_portal.titles[item.source]
        title, published, index_no = stored[item.source]
        assert title == clean_title(mock_portal.titles[item.source]), item.source  # (stored without 关于, spaces)
        assert published and index_no
    wrong = result.by_source("http://trs.mock/zfxxgk/zfxxgknb/202404/t20240401_5000001.html")
    assert wrong.encoding == "gb18030" and wrong.body.decode("gb18030").count("水利局") >= 2
    gbk = [i for i in result.items if i.content_type == "text/html"]
    assert gbk and all(i.encoding == "gb18030" for i in gbk)


@pytest_twisted.ensureDeferred
async def test_attachments(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    result = await run_crawl(TrsMock, db, mock_portal.routes)
    item = result.by_source("http://trs.mock/zfxxgk/zfxxgknb/202404/t20240403_5000003.html")
    names = sorted((a.url.rsplit("/", 1)[1], a.filename) for a in item.attachments)
    assert names == [("P020240403000001.pdf", "统计局年报.pdf"), ("P020240403000002.pdf", "P020240403000002.pdf")]
    assert all(a.body.startswith(b"%PDF") for a in item.attachments)
    broken = rows(db, "select status, reason from crawl_state where url like '%P020240403000003.pdf'")
    assert broken == [("skipped", "html page served instead of a file")]  # the portal's defect: not retried
    with_files = [i for i in result.items if i.attachments and i is not item]
    assert with_files and all(a.filename.endswith((".pdf", ".docx")) for i in with_files for a in i.attachments)


@pytest_twisted.ensureDeferred
async def test_year_and_limit_arguments(mock_portal, tmp_path):
    only_2021 = await run_crawl(TrsMock, tmp_path / "a.db", mock_portal.routes, year="2021")
    wanted = {u for u in mock_portal.expected["trs.mock"] if "2021" in mock_portal.titles[u]}
    assert only_2021.sources == wanted and wanted
    five = await run_crawl(TrsMock, tmp_path / "b.db", mock_portal.routes, limit="5")
    # limit caps report pages requested; one of page 1's is the robots-forbidden /admin/ report
    assert len(five.items) == 5 - five.stats["robotstxt/forbidden"] == 4
    assert five.stats["nianbao/run_status"] == "ok"
