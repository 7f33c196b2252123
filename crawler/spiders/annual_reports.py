"""`annual_reports`: the generic spider — any 年报 column URL, or every registered portal of a region.

    scrapy crawl annual_reports -a url=<年报 column URL>     family auto-detected from the page
    scrapy crawl annual_reports -a region=3208              every registered portal whose code starts so
    … -a year=2023 -a limit=N -a full=1                    as for every ReportSpider
Exactly one of `url`/`region` is required; invalid values stop the run at once with the reason.

It is composed of portals: each registered portal (or, for `-a url=`, a spider of the detected family)
is a part with its own attributes and its own `start()`. Requests a part makes are routed back to it by
`route`, with the part's key and method name in their meta, so every request stays plain data (as queues
on disk or in Redis need it).
"""

import inspect
from urllib.parse import urlsplit

from scrapy import Request

from crawler.families.base import ReportSpider
from crawler.families.detect import FAMILIES, detect_family, portal_classes
from crawler.regions import is_valid_prefix

PART, METHOD, ERRBACK = "nianbao_part", "nianbao_method", "nianbao_errback"


class AnnualReportsSpider(ReportSpider):
    name = "annual_reports"
    arguments = ("url", "region", *ReportSpider.arguments)

    def __init__(self, *args, url=None, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if (url is None) == (region is None):
            raise ValueError("annual_reports needs exactly one of -a url=<年报 column URL> or -a region=<code prefix>")
        if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            raise ValueError(f"-a url={url!r}: expected an http(s) URL of a 年报 column")
        if region is not None and not is_valid_prefix(region):
            raise ValueError(f"-a region={region!r}: expected 2, 4 or 6 digits starting a code in data/regions.csv")
        self.url, self.region = url, region
        self.portal_classes = [p for p in portal_classes() if region and p.region_code.startswith(region)]
        if region is not None and not self.portal_classes:
            raise ValueError(f"-a region={region}: no registered portal in that region")
        self.parts: dict[str, ReportSpider] = {}

    def add_part(self, cls: type[ReportSpider], **attributes) -> ReportSpider:
        """A portal spider working inside this run (same crawler, same RunScope)."""
        part = cls.from_crawler(self.crawler, **attributes)
        part.run = self.run
        self.parts[part.name] = part
        return part

    async def start(self):
        if self.url:
            yield self.listing(self.url, self.parse_detect, column=self.url)
        for portal in self.portal_classes:
            part = self.part(portal.name)
            async for request in part.start():
                yield self.routed(part, request)

    def parse_detect(self, response):
        """The column page tells its family; a part of that family (with the registered portal's region
        code when one shares the host) reads it."""
        family = detect_family(response.text)
        self.logger.info("%s looks like family %s", response.url, family)
        self.crawler.stats.set_value("nianbao/family", family)
        part = self.part(f"{self.name}_{family}")
        for obj in part.listing_callback(response) or ():
            yield self._routed_output(part, obj)

    def part(self, name: str) -> ReportSpider:
        """A part by name, made on first use: a registered portal of the region, or the part of a detected
        family. A worker of a distributed run (crawler/distributed) may get a part's request before its own
        `start()` reached that portal, or without having read the column page that told the family."""
        if name in self.parts:
            return self.parts[name]
        family = name.removeprefix(f"{self.name}_")
        if portal := next((p for p in self.portal_classes if p.name == name), None):
            return self.add_part(portal)
        if self.url and family in FAMILIES:
            portal = next((p for p in portal_classes() if _same_host(p, self.url)), None)
            return self.add_part(type(f"{family}_part", (FAMILIES[family],), {
                "name": name, "column_urls": (self.url,), "region_code": portal.region_code if portal else None,
            }))  # fmt: skip
        raise KeyError(name)

    # -- routing the parts' requests ----------------------------------------------------------------
    def routed(self, part: ReportSpider, request: Request) -> Request:
        callback, errback = request.callback, request.errback
        if getattr(callback, "__self__", None) is not part:
            return request
        meta = {PART: part.name, METHOD: callback.__name__}
        if getattr(errback, "__self__", None) is part:
            meta[ERRBACK] = errback.__name__
        return request.replace(callback=self.route, errback=self.route_error, meta=request.meta | meta)

    async def route(self, response):
        """A part's callback, called for it; what it yields is routed in turn."""
        part = self.part(response.meta[PART])
        output = getattr(part, response.meta[METHOD])(response)
        if inspect.isawaitable(output):  # `async def` returning one item (or None)
            output = await output
        if inspect.isasyncgen(output):
            async for obj in output:
                yield self._routed_output(part, obj)
        elif inspect.isgenerator(output):
            for obj in output:
                yield self._routed_output(part, obj)
        elif output is not None:
            yield output

    def _routed_output(self, part: ReportSpider, obj):
        return self.routed(part, obj) if isinstance(obj, Request) else obj

    def route_error(self, failure):
        meta = failure.request.meta
        part = self.part(meta[PART]) if PART in meta else None
        if part is not None and meta.get(ERRBACK):
            return getattr(part, meta[ERRBACK])(failure)
        return self.failed(failure)


def _same_host(portal, url: str) -> bool:
    return any(urlsplit(u).hostname == urlsplit(url).hostname for u in portal.column_urls)
