"""Offline portals on 127.0.0.1 under realistic host names: the demo, the tests and the benchmarks.

`LoopbackRouteMiddleware` is not in the project's settings: the demo spider adds it for itself
(`DemoSpider.update_settings`), and tests and benchmarks enable it as a Scrapy add-on:
`-s 'ADDONS={"demo.loopback.Loopback": 0, "crawler.browser.BrowserFallbackAddon": 0}'
-s 'LOOPBACK_ROUTES={"trs.mock": "127.0.0.1:8123"}'` (a -s ADDONS replaces the project's add-ons: list them too;
`ADDONS` below does).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

PRIORITY = 740  # before HttpProxyMiddleware (750), which then connects to the loopback server


def _addons() -> dict[str, int]:
    from crawler import settings

    return {**settings.ADDONS, "demo.loopback.Loopback": 0}


ADDONS = _addons()  # the project's add-ons and this one: the value of a -s ADDONS for offline portals


class Loopback:
    """Scrapy add-on: enable `LoopbackRouteMiddleware`."""

    def update_settings(self, settings) -> None:
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", LoopbackRouteMiddleware, PRIORITY)


class LoopbackRouteMiddleware:
    """Send requests for the spider's `loopback_routes` hosts ({host: "127.0.0.1:port"}) to a local server.

    The offline portals (demo, tests, benchmark) keep stable, realistic URLs such as
    `http://demo.nianbao.test/zfxxgk/…` while every connection goes to the loopback server, used as an
    HTTP proxy (it reads the absolute URL). Stable URLs matter: the crawl state is keyed by URL, and an
    ephemeral port in the URL would make every run look new. Distinct host names keep per-host
    politeness slots, robots.txt and cookies apart. No-op for spiders without the attribute.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        # the LOOPBACK_ROUTES setting (JSON) does the same for subprocess tests: -s LOOPBACK_ROUTES='{…}'
        routes = crawler.settings.get("LOOPBACK_ROUTES")
        self.setting_routes = json.loads(routes) if isinstance(routes, str) else routes

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        routes = getattr(self.crawler.spider, "loopback_routes", None) or self.setting_routes
        if routes:
            host = urlsplit(request.url).hostname
            if host in routes:
                request.meta["proxy"] = f"http://{routes[host]}"
        return None
