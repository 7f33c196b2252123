"""Opt-in browser for challenge pages: `-s BROWSER_FALLBACK=1` (issue 15, portals.md §7).

Whole cities answer scripts with a JavaScript challenge — 412 with a `$_ts` script (瑞数), 521 with a
`__jsl` cookie script (加速乐), 468 — while a browser gets through (the portal list's review confirmed 86
such sites by hand). With the setting on, a page that answers so is fetched once more through a real
headless browser: scrapy-playwright (an optional dependency: requirements-browser.txt) driving Debian's
`chromium` (Playwright's own browser download is not available here): `BROWSER_EXECUTABLE`, default
/usr/bin/chromium. The browser runs the challenge, keeps its cookie, follows the reload, and the page it
ends on replaces the challenge answer (waiting up to `BROWSER_SETTLE_SECONDS`, default 15). Every such page is recorded in `browser_pages` (ok 1/0) and counted
(`browser/pages`, `browser/ok`, `browser/failed`); a page still showing a challenge goes on to
BlockDetectionMiddleware and is recorded as blocked, as without the browser.

- `BrowserFallbackAddon` (in ADDONS): when the setting is on, routes http/https through scrapy-playwright's
  download handler (it fetches only requests marked `meta["playwright"]`; the rest as before) and sets
  the launch options; when off it does nothing and scrapy-playwright is never imported.
- `BrowserFallbackMiddleware` (downloader middleware, 580: sees answers before BlockDetectionMiddleware at
  570): re-issues challenge answers through the browser. A request routed through an HTTP proxy
  (`meta["proxy"]`, e.g. the offline portals' LoopbackRouteMiddleware) gets a browser context using the
  same proxy.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.http import TextResponse

from crawler.evidence import EvidenceStore
from crawler.middlewares import CHALLENGE_MARKERS
from crawler.state import CrawlState

logger = logging.getLogger(__name__)
CHALLENGE_STATUSES = {412, 468, 521}
MARKERS = [marker.encode() for marker, _ in CHALLENGE_MARKERS]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync",
]  # fmt: skip
SETTLE_SECONDS = 15.0  # default BROWSER_SETTLE_SECONDS: how long a challenge may take to run, set its cookie, reload


def challenge(status: int, body: bytes) -> str | None:
    """Why this answer is a JavaScript challenge a browser may pass, or None."""
    head = body[:8192]
    marker = next((m.decode() for m in MARKERS if m in head), None)
    if status in CHALLENGE_STATUSES:
        return f"http {status}" + (f" ({marker})" if marker else "")
    if marker and status in (200, 202, 403):
        return f"http {status} ({marker})"
    return None


async def settle(page, seconds: float = SETTLE_SECONDS) -> None:
    """Wait until the page no longer shows a challenge: the script sets its cookie and reloads, maybe twice."""
    from playwright.async_api import Error as PlaywrightError  # only with BROWSER_FALLBACK on

    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            await page.wait_for_load_state("load")
            if challenge(200, (await page.content()).encode()) is None:
                return
        except PlaywrightError:  # the page is navigating: its content cannot be read yet
            pass
        await page.wait_for_timeout(250)


class BrowserFallbackAddon:
    def update_settings(self, settings) -> None:
        if not settings.getbool("BROWSER_FALLBACK"):
            return
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        settings.set(
            "DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"), "http": handler, "https": handler}, "addon"
        )
        options = {"executable_path": settings.get("BROWSER_EXECUTABLE", "/usr/bin/chromium"), "headless": True,
                   "args": CHROMIUM_ARGS}  # fmt: skip
        settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "addon")
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options | settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), "addon")
        settings.set("PLAYWRIGHT_MAX_CONTEXTS", settings.getint("PLAYWRIGHT_MAX_CONTEXTS", 2), "addon")
        settings.set(
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", 2), "addon"
        )
        settings.set("PLAYWRIGHT_ABORT_REQUEST", "crawler.browser.skip_media", "addon")


def skip_media(request) -> bool:
    """Images, fonts and media are not needed to pass a challenge (scrapy-playwright PLAYWRIGHT_ABORT_REQUEST)."""
    return request.resource_type in ("image", "font", "media")


class BrowserFallbackMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("BROWSER_FALLBACK")
        self.settle_seconds = crawler.settings.getfloat("BROWSER_SETTLE_SECONDS", SETTLE_SECONDS)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if not self.enabled:
            return response
        reason = request.meta.get("browser_challenge")
        if request.meta.get("playwright") and reason:
            return self._after_browser(request, response, reason)
        reason = challenge(response.status, response.body)
        if reason is None or request.meta.get("playwright"):
            return response
        self.crawler.stats.inc_value("browser/pages")
        logger.info("%s answered a challenge (%s): fetching it through the browser", request.url, reason)
        meta = {
            "playwright": True, "browser_challenge": (response.status, reason),
            "playwright_page_methods": [_page_method(settle, self.settle_seconds)],
        }  # fmt: skip
        if proxy := request.meta.get("proxy"):  # the browser reaches the host the way Scrapy did
            meta |= {"playwright_context": f"proxy {proxy}", "playwright_context_kwargs": {"proxy": {"server": proxy}}}
        return request.replace(meta=request.meta | meta, dont_filter=True)

    def _after_browser(self, request, response, reason):
        status, why = reason
        text = response.text if isinstance(response, TextResponse) else ""
        ok = challenge(200, text.encode()) is None and bool(text.strip())
        self.crawler.stats.inc_value("browser/ok" if ok else "browser/failed")
        spider = self.crawler.spider.name if self.crawler.spider else ""
        EvidenceStore(CrawlState.for_crawler(self.crawler)).browser_page(request.url, status, why, ok, spider)
        if not ok:
            logger.warning("%s: still a challenge in the browser (%s)", request.url, why)
            return response
        # the status is the first navigation's (the challenge); the content is the page the browser ended on
        return response.replace(status=200)


def _page_method(fn, *args):
    from scrapy_playwright.page import PageMethod  # only with BROWSER_FALLBACK on (optional dependency)

    return PageMethod(fn, *args)
