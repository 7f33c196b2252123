"""`discover`: find (and record) the 年报 column of portals from their home pages; no reports are fetched.

    scrapy crawl discover -a region=3208            every registered portal (data/portals.csv) under that prefix
    scrapy crawl discover -a url=<home page>        one portal
    … -a refresh=1                                   ignore the columns earlier runs recorded
    … -a registry=<csv>                              another registry than data/portals.csv (tests, a private list)
    … -s DISCOVERY_BUDGET=10                         requests per portal
Exactly one of `url`/`region`. What was found, and why not, goes to `portal_columns` / `portal_discovery`
(see crawler/families/discover.py); `scrapy coverage` reports it. `annual_reports` reuses the same step.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Spider

from crawler.families.discover import DiscoveryMixin
from crawler.portals import PORTALS_CSV, Portal, portal_for, portals_in
from crawler.regions import is_valid_prefix

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def portals_of(url: str | None, region: str | None, registry: Path = PORTALS_CSV) -> list[Portal]:
    """Validate `-a url` / `-a region` (ValueError with the reason) and return the portals they name."""
    if not registry.is_file():
        raise ValueError(f"-a registry={registry}: no such file")
    if (url is None) == (region is None):
        raise ValueError("give exactly one of -a url=<portal home page> or -a region=<division code prefix>")
    if url is not None:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ValueError(f"-a url={url!r}: expected an http(s) URL of a portal's home page")
        return [portal_for(url, registry)]
    if not is_valid_prefix(region):
        raise ValueError(f"-a region={region!r}: expected 2, 4 or 6 digits starting a code in data/regions.csv")
    found = portals_in(region, registry)
    if not found:
        raise ValueError(f"-a region={region}: no portal with a home page in {registry.name} under that prefix")
    return found


class DiscoverSpider(DiscoveryMixin, Spider):
    name = "discover"

    def __init__(self, *args, url=None, region=None, refresh=None, registry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.portals = portals_of(url, region, Path(registry) if registry else PORTALS_CSV)
        if refresh is not None and str(refresh).lower() not in TRUE + FALSE:
            raise ValueError(f"-a refresh={refresh!r}: expected 1 or 0")
        self.discovery_refresh = str(refresh).lower() in TRUE

    async def start(self):
        for portal in self.portals:
            yield self.discover(portal)
