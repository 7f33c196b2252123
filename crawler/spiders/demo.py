"""The embedded default: crawl the synthetic TRS-style portal in `data/demo_portal/` with no network.

The spider serves that directory from an in-process loopback HTTP server (real headers, ETags, 304s,
a GBK page) and reaches it under the stable host name below (`demo/loopback.py`), so a
second `scrapy crawl demo` is an incremental run like any nightly one. Regenerate the portal with
`scrapy gendemo`. Region 990101 is the synthetic demo county (data/regions.csv), not a real place.
"""

from pathlib import Path
from typing import ClassVar

from crawler.families.static import TrsSpider
from data import resource
from demo.loopback import PRIORITY, LoopbackRouteMiddleware
from demo.server import PortalServer, load_dir

HOST = "demo.nianbao.test"


class DemoSpider(TrsSpider):
    name = "demo"
    region_code = "990101"
    column_urls = (f"http://{HOST}/zfxxgk/zfxxgknb/index.html",)
    custom_settings: ClassVar[dict] = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}  # our own loopback server

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # at spider priority: `scrapy crawl` merges the project's settings in again after this
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES") | {LoopbackRouteMiddleware: PRIORITY}
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    async def start(self):
        configured = self.settings.get("DEMO_PORTAL_DIR")  # default: the portal shipped with the project
        root = Path(configured) if configured else resource("demo_portal")
        if not (root / "_headers.json").is_file():
            raise FileNotFoundError(f"{root} holds no demo portal; run `scrapy gendemo` first")
        self.server = PortalServer(*load_dir(root))
        self.loopback_routes = {HOST: f"127.0.0.1:{self.server.start()}"}
        async for request in super().start():
            yield request

    def closed(self, reason):
        if getattr(self, "server", None):
            self.server.stop()
