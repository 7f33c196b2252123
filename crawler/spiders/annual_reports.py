"""`annual_reports`: the generic spider — any 年报 column URL, or every registered portal of a region.

    scrapy crawl annual_reports -a url=<年报 column URL>     family auto-detected from the page
    scrapy crawl annual_reports -a region=3208              every registered portal whose code starts so
    … -a year=2023 -a limit=N -a full=1                    as for every ReportSpider
Exactly one of `url`/`region` is required; invalid values stop the run at once with the reason.
"""

from urllib.parse import urlsplit

from crawler.families.detect import detect_family, portal_classes
from crawler.families.gkmlpt import GkmlptSpider
from crawler.families.hanweb import HanwebSpider, JpaasSpider
from crawler.families.jsonapi import JsonApiSpider
from crawler.families.static import GenericSpider
from crawler.regions import is_valid_prefix


class AnnualReportsSpider(GenericSpider, HanwebSpider, JpaasSpider, GkmlptSpider, JsonApiSpider):
    name = "annual_reports"
    family = "generic"

    def __init__(self, *args, url=None, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if (url is None) == (region is None):
            raise ValueError("annual_reports needs exactly one of -a url=<年报 column URL> or -a region=<code prefix>")
        if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            raise ValueError(f"-a url={url!r}: expected an http(s) URL of a 年报 column")
        if region is not None and not is_valid_prefix(region):
            raise ValueError(f"-a region={region!r}: expected 2, 4 or 6 digits starting a code in data/regions.csv")
        self.url, self.region = url, region
        self.portals = [p for p in portal_classes() if region and p.region_code.startswith(region)]
        if region is not None and not self.portals:
            raise ValueError(f"-a region={region}: no registered portal in that region")

    async def start(self):
        if self.url:
            portal = next((p for p in portal_classes() if _same_host(p, self.url)), None)
            meta = {"region_code": portal.region_code} if portal else {}
            yield self.listing(self.url, self.parse_detect, column=self.url, meta=meta)
        for portal in self.portals:
            for url in portal.column_urls:
                meta = {"portal": portal, "region_code": portal.region_code}
                yield self.listing(url, getattr(self, f"parse_{portal.family}"), column=url, meta=meta)

    def parse_detect(self, response):
        family = detect_family(response.text)
        self.logger.info("%s looks like family %s", response.url, family)
        self.crawler.stats.set_value("nianbao/family", family)
        yield from getattr(self, f"parse_{family}")(response)


def _same_host(portal, url: str) -> bool:
    return any(urlsplit(u).hostname == urlsplit(url).hostname for u in portal.column_urls)
