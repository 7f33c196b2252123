"""Discovery over a mock region (tests/crawl/mock_region.py): every discoverable portal's 年报 column found from
its home page in a handful of requests, every other portal classified, the evidence recorded in the database
and reused (and found again when the column moved)."""

from __future__ import annotations

import sqlite3

import pytest_twisted
from mock_region import MockWeb, build_region, page, trs_list, write_registry
from scrapy import Request
from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings

from crawler.spiders.discover import DiscoverSpider

CLOSED_PORT = "127.0.0.1:9"  # discard port: nothing listens, the connection is refused


# the loopback add-on beside the project's own: an ADDONS setting given here replaces the project's
ADDONS = {"crawler.browser.BrowserFallbackAddon": 0, "demo.loopback.Loopback": 0}


def settings(db, routes, **overrides) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.setdict(
        {"REPORTS_DB": str(db), "LOOPBACK_ROUTES": routes, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
         "ITEM_PIPELINES": {}, "RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 10, "LOG_LEVEL": "INFO",
         "TELNETCONSOLE_ENABLED": False, "ADDONS": ADDONS} | overrides,
        priority="cmdline",
    )  # fmt: skip
    return s


async def crawl(db, routes, **kwargs) -> dict:
    crawler = CrawlerRunner(settings(db, routes)).create_crawler(DiscoverSpider)
    await crawler.crawl(**kwargs)
    return crawler.stats.get_stats()


def rows(db, sql: str) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql)]


def region_setup(tmp_path):
    web = MockWeb()
    portals = build_region(web)
    port = web.start()
    routes = {h: f"127.0.0.1:{port}" for p in portals for h in (p.host, *p.extra_hosts)}
    routes |= {p.host: CLOSED_PORT for p in portals if p.style == "unreachable"}
    return web, portals, routes, write_registry(portals, tmp_path / "portals.csv")


@pytest_twisted.ensureDeferred
async def test_every_portal_of_the_region_found_or_classified(tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    db = tmp_path / "reports.db"
    stats = await crawl(db, routes, region="9901", registry=str(registry))
    outcome = {r["portal"]: r for r in rows(db, "select * from portal_discovery")}
    columns = {r["portal"]: r for r in rows(db, "select * from portal_columns")}
    discoverable = [p for p in portals if p.expect == "found"]
    assert len(discoverable) >= 30 and len(portals) == len(outcome)
    for p in portals:  # every portal recorded, never silently skipped
        assert outcome[p.home]["status"] == p.expect, (p.style, outcome[p.home])
    found = [p for p in discoverable if columns.get(p.home, {}).get("column_url") == p.column]
    assert [p.style for p in discoverable if p not in found] == []  # discovery rate 100 %
    for p in discoverable:
        assert columns[p.home]["method"] == p.method, p.style
        assert columns[p.home]["status"] == "found" and columns[p.home]["first_found"]
    assert all(outcome[p.home]["reason"] for p in portals if p.expect != "found")
    # evidence: the link text that named the column, and the page it was on
    left = next(p for p in portals if p.style == "left-nav")
    assert (columns[left.home]["link_text"], columns[left.home]["found_on"]) == ("政府信息公开年报", left.home)
    gk = next(p for p in portals if p.style == "gkmlpt-link")
    assert columns[gk.home]["link_text"] == "政府信息公开年报"  # the category's name, not the menu's
    # identity: 政府网站标识码 compared with the region code
    for p in portals:
        if p.identity:
            assert outcome[p.home]["identity"] == p.identity, p.style
    # targeted: a handful of requests per portal, never the ~140 ordinary links
    requests = [outcome[p.home]["requests"] for p in discoverable]
    assert max(requests) <= 6, sorted(zip(requests, [p.style for p in discoverable], strict=True))
    noisy = next(p for p in portals if p.style == "noise-140")
    assert not any(path.startswith("/news/") for host, path, _ in web.log if host == noisy.host)
    assert stats["discovery/found"] == len(discoverable)
    web.stop()


@pytest_twisted.ensureDeferred
async def test_second_run_reuses_the_evidence_and_finds_a_moved_column_again(tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    db = tmp_path / "reports.db"
    await crawl(db, routes, region="9901", registry=str(registry))
    first = {r["portal"]: r for r in rows(db, "select * from portal_columns")}
    # the left-nav portal moves its column (old address 404) and links the new one
    moved = next(p for p in portals if p.style == "left-nav")
    del web.pages[(moved.host, "/zfxxgk/zfxxgknb/")]
    nav = "<div class='navLeft'><a href='/xxgk/2024/nb/'>政府信息公开年报</a></div>"
    web.add(moved.home, page(moved.name, nav))
    web.add(moved.home + "xxgk/2024/nb/", trs_list("政府信息公开年报", moved.name))
    web.log.clear()
    await crawl(db, routes, region="9901", registry=str(registry))
    outcome = {r["portal"]: r for r in rows(db, "select * from portal_discovery")}
    columns = rows(db, "select * from portal_columns")
    for p in portals:
        if p.expect == "found" and p is not moved:
            assert outcome[p.home]["requests"] == 1, p.style  # the stored column answered as one
            assert outcome[p.home]["method"] == p.method
    now = {(r["portal"], r["column_url"]): r for r in columns}
    assert now[(moved.home, moved.column)]["status"] == "moved"
    assert now[(moved.home, moved.home + "xxgk/2024/nb/")]["status"] == "found"
    assert outcome[moved.home]["requests"] == 3  # old column 404, home page, new column
    kept = next(p for p in portals if p.style == "hanweb")
    assert now[(kept.home, kept.column)]["first_found"] == first[kept.home]["first_found"]
    web.stop()


@pytest_twisted.ensureDeferred
async def test_a_single_home_page_and_the_guangdong_convention(tmp_path):
    """`-a url=<home page>`; a Guangdong portal whose home page is built by scripts: gkmlpt by convention."""
    web = MockWeb()
    home = "http://www.gd-county.gov.cn/"
    web.add(home, "<html><body><div id='app'></div><script src='/app.js'></script></body></html>")
    tree = '[{"id": 7, "name": "政府信息公开年度报告", "children": []}]'
    web.add(home + "gkmlpt/index", f"<script>window._CONFIG = {{SID: '755001', TREE: {tree}, A: 1}};</script>")
    port = web.start()
    registry = tmp_path / "portals.csv"
    registry.write_text(
        "code,name,path,level,home_url\n440305,示例区,广东省/深圳市/示例区,3," + home + "\n", encoding="utf-8"
    )
    db = tmp_path / "reports.db"
    await crawl(db, {"www.gd-county.gov.cn": f"127.0.0.1:{port}"}, url=home, registry=str(registry))
    [column] = rows(db, "select * from portal_columns")
    assert (column["column_url"], column["method"], column["link_text"]) == (
        home + "gkmlpt/index#7",
        "convention",
        "政府信息公开年度报告",
    )
    [outcome] = rows(db, "select * from portal_discovery")
    assert (outcome["region_code"], outcome["requests"], outcome["identity"]) == ("440305", 2, "absent")
    web.stop()


class HomeFirstSpider(DiscoverSpider):
    """How `annual_reports -a url=` can use the step: fetch the page, and when it is no column, walk on from
    it; the columns found are handed over (here: kept on the spider)."""

    name = "test_home_first"

    async def start(self):
        for portal in self.portals:
            yield Request(portal.home_url, callback=self.parse_first, cb_kwargs={"portal": portal})

    def parse_first(self, response, portal):
        yield from self.discover_from(response, portal)

    def columns_found(self, portal, columns, response):
        self.handed = (portal.home_url, [c.url for c in columns], response.url)
        return ()


@pytest_twisted.ensureDeferred
async def test_discovery_continues_from_a_page_already_fetched(tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    deep = next(p for p in portals if p.style == "deep-tree")
    crawler = CrawlerRunner(settings(tmp_path / "r.db", routes)).create_crawler(HomeFirstSpider)
    await crawler.crawl(url=deep.home, registry=str(registry))
    assert crawler.spider.handed == (deep.home, [deep.column], deep.column)
    [outcome] = rows(tmp_path / "r.db", "select status, requests from portal_discovery")
    assert outcome == {"status": "found", "requests": 4}  # the home page (fetched once), 2 sections, the column
    assert [path for host, path, _ in web.log if host == deep.host and path != "/robots.txt"].count("/") == 1
    web.stop()
