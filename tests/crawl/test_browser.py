"""Opt-in browser for challenge pages (-s BROWSER_FALLBACK=1, crawler/browser.py), with Debian's chromium.

The mock portal answers like a 瑞数-style WAF: without its cookie every page is a 412 whose script sets
the cookie and reloads; with it, the page. Scrapy alone is blocked; with the fallback the home page and the
column page are fetched through headless chromium, the column is found and both pages are recorded.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest_twisted
from mock_region import MockWeb, page, trs_list
from scrapy.crawler import CrawlerRunner
from test_discovery_region import settings

from crawler.browser import BrowserFallbackAddon, challenge
from crawler.spiders.discover import DiscoverSpider

HOME = "http://www.waf-county.gov.cn/"
CHALLENGE = (
    "<html><head><meta r='m'><script>var $_ts = window['$_ts'] || {};"
    "document.cookie = 'FSSBBIl1UgzbN7N80T=passed; path=/'; location.reload();</script></head><body></body></html>"
)
NEVER = "<html><head><script>var $_ts = {}; /* a challenge this browser cannot pass */</script></head></html>"


def gated(web: MockWeb, url: str, body: str, wall: str = CHALLENGE) -> None:
    """`url` answers `body` only to a client holding the cookie the wall's script sets; else 412."""
    web.add(url, body)
    path = url.removeprefix(HOME.rstrip("/"))
    ok = web.pages[("www.waf-county.gov.cn", path)]

    def reply(headers: dict[str, str]):
        if "FSSBBIl1UgzbN7N80T=passed" in headers.get("cookie", ""):
            return ok
        return 412, {"Content-Type": "text/html; charset=utf-8"}, wall.encode()

    web.pages[("www.waf-county.gov.cn", path)] = reply


def portal(tmp_path, wall: str = CHALLENGE):
    web = MockWeb()
    gated(web, HOME, page("示例县", "<div class='nav'><a href='/zfxxgk/nb/'>政府信息公开年报</a></div>"), wall)
    gated(web, HOME + "zfxxgk/nb/", trs_list("政府信息公开年报", "示例县"), wall)
    port = web.start()
    registry = tmp_path / "portals.csv"
    registry.write_text(
        f"code,name,path,level,home_url\n990101,示例县,示例省/示例市/示例县,3,{HOME}\n", encoding="utf-8"
    )
    return web, {"www.waf-county.gov.cn": f"127.0.0.1:{port}"}, registry


async def crawl(db, routes, registry, **overrides) -> dict:
    crawler = CrawlerRunner(settings(db, routes, **overrides)).create_crawler(DiscoverSpider)
    await crawler.crawl(url=HOME, registry=str(registry))
    return crawler.stats.get_stats()


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql)]


def test_chromium_is_installed():
    assert shutil.which("chromium") == "/usr/bin/chromium", "apt-get install chromium (see .ci/run)"


@pytest_twisted.ensureDeferred
async def test_without_the_browser_the_portal_is_blocked(tmp_path):
    web, routes, registry = portal(tmp_path)
    db = tmp_path / "r.db"
    stats = await crawl(db, routes, registry)
    [outcome] = rows(db, "select status, reason from portal_discovery")
    assert outcome["status"] == "blocked" and "412" in outcome["reason"]
    assert rows(db, "select * from browser_pages") == [] and "browser/pages" not in stats
    web.stop()


@pytest_twisted.ensureDeferred
async def test_the_browser_passes_a_javascript_cookie_challenge(tmp_path):
    web, routes, registry = portal(tmp_path)
    db = tmp_path / "r.db"
    stats = await crawl(db, routes, registry, BROWSER_FALLBACK=True)
    [outcome] = rows(db, "select status, requests from portal_discovery")
    assert outcome == {"status": "found", "requests": 2}
    [column] = rows(db, "select column_url, method, link_text from portal_columns")
    assert column == {"column_url": HOME + "zfxxgk/nb/", "method": "link", "link_text": "政府信息公开年报"}
    pages = {r["url"]: r for r in rows(db, "select * from browser_pages")}
    assert set(pages) == {HOME, HOME + "zfxxgk/nb/"}
    assert all(r["ok"] == 1 and r["status"] == 412 and r["spider"] == "discover" for r in pages.values())
    assert stats["browser/pages"] == stats["browser/ok"] == 2
    # the browser really ran the script: a 412 first, then the reload carrying the cookie
    assert [s for h, p, s in web.log if p == "/"][:1] == [412] and 200 in [s for h, p, s in web.log if p == "/"]
    web.stop()


@pytest_twisted.ensureDeferred
async def test_a_challenge_the_browser_cannot_pass_stays_blocked_and_is_recorded(tmp_path):
    web, routes, registry = portal(tmp_path, wall=NEVER)
    db = tmp_path / "r.db"
    stats = await crawl(db, routes, registry, BROWSER_FALLBACK=True, BROWSER_SETTLE_SECONDS=2)
    [outcome] = rows(db, "select status from portal_discovery")
    assert outcome["status"] == "blocked"
    [recorded] = rows(db, "select url, ok from browser_pages")
    assert recorded == {"url": HOME, "ok": 0} and stats["browser/failed"] == 1
    web.stop()


def test_challenge_recognition_and_addon_settings():
    assert challenge(412, b"<script>var $_ts={}</script>") == "http 412 ($_ts)"
    assert challenge(521, b"") == "http 521" and challenge(468, b"") == "http 468"
    assert challenge(200, b"<html>document.cookie='__jsl_clearance=1'</html>") == "http 200 (__jsl_clearance)"
    assert challenge(404, b"not found") is None and challenge(200, b"<html>ok</html>") is None
    from scrapy.settings import Settings

    off, on = Settings({"BROWSER_FALLBACK": False}), Settings({"BROWSER_FALLBACK": True})
    BrowserFallbackAddon().update_settings(off)
    BrowserFallbackAddon().update_settings(on)
    assert "http" not in off.getdict("DOWNLOAD_HANDLERS")
    assert on.getdict("DOWNLOAD_HANDLERS")["http"].startswith("scrapy_playwright.")
    options = on.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["executable_path"] == "/usr/bin/chromium" and "--no-sandbox" in options["args"]
