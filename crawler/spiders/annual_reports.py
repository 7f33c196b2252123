"""`annual_reports`: the generic spider — any 年报 column URL or portal home page, or every portal of a region.

    scrapy crawl annual_reports -a url=<年报 column URL>     family auto-detected from the page
    scrapy crawl annual_reports -a url=<home page>          its 年报 column discovered first (issue 15)
    scrapy crawl annual_reports -a region=3208              every registered portal whose code starts so
    … -a year=2023 -a limit=N -a full=1                    as for every ReportSpider
    … -a registry=<csv>                                    another portal registry than data/portals.csv
Exactly one of `url`/`region` is required; invalid values stop the run at once with the reason.

Discovery (crawler/families/discover.py) finds a portal's column from its home page and records how, or
why not, in `portal_columns` / `portal_discovery`. `-a url=` fetches the page: a column is crawled as
before; a home page (the site root or a registry home page) or a page that shows no column goes on as
discovery from the response already fetched. `-a region=` runs the hand-written portal spiders under the
prefix with their own `start()`, and discovery for every other registry row (`data/portals.csv`). A found
column is crawled by a part of the family its page shows, with the registry row's region code, starting
from the page discovery fetched. A portal whose column is not found is recorded and the run goes on.
Many portals run at once, each at its own pace (one download slot per host, `CONCURRENT_REQUESTS_PER_DOMAIN
= 1`); the scheduler hands out requests of the hosts with the fewest in flight first
(`DownloaderAwarePriorityQueue`), so one big column does not hold the run's concurrency.

It is composed of portals: each registered portal (or, for `-a url=`, a spider of the detected family)
is a part with its own attributes and its own `start()`. Requests a part makes are routed back to it by
`route`, with the part's key and method name in their meta, so every request stays plain data (as queues
on disk or in Redis need it).
"""

import inspect
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import TextResponse

from crawler.discovery import column_check, gkmlpt_column
from crawler.families.base import ReportSpider
from crawler.families.detect import FAMILIES, detect_family, portal_classes
from crawler.families.discover import DiscoveryMixin
from crawler.portals import PORTALS_CSV, Portal, host_of, is_home_page, portal_for, portals_in
from crawler.regions import is_valid_code, is_valid_prefix

PART, METHOD, ERRBACK = "nianbao_part", "nianbao_method", "nianbao_errback"
RECIPE = "nianbao_part_recipe"  # a part made during the run: its family and attributes, to make it again


class AnnualReportsSpider(DiscoveryMixin, ReportSpider):
    name = "annual_reports"
    # the requests of the hosts with the fewest in flight first: many portals at once (module docstring)
    custom_settings: ClassVar[dict] = {"SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue"}
    column_page_handed_over = True  # columns_found parses the column page discovery fetched
    arguments = ("url", "region", *ReportSpider.arguments, "registry")

    def __init__(self, *args, url=None, region=None, registry=None, **kwargs):
        super().__init__(*args, **kwargs)
        if (url is None) == (region is None):
            raise ValueError("annual_reports needs exactly one of -a url=<年报 column URL> or -a region=<code prefix>")
        if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            raise ValueError(f"-a url={url!r}: expected an http(s) URL of a 年报 column")
        if region is not None and not is_valid_prefix(region):
            raise ValueError(f"-a region={region!r}: expected 2, 4 or 6 digits starting a code in data/regions.csv")
        self.registry = Path(registry) if registry else PORTALS_CSV
        if not self.registry.is_file():
            raise ValueError(f"-a registry={registry}: no such file")
        self.url, self.region = url, region
        self.portal_classes = [p for p in portal_classes() if region and p.region_code.startswith(region)]
        self.portals = registry_portals(region, self.registry, self.portal_classes) if region else []
        if url is not None:
            check_codes([portal_for(url, self.registry)], self.registry)
        if region is not None and not self.portal_classes and not self.portals:
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
        for portal in self.portals:
            yield self.discover(portal)

    def parse_detect(self, response):
        """The column page tells its family; a part of that family (with the registered portal's region
        code when one shares the host) reads it. A home page, or a page that shows no column, is where
        discovery starts."""
        if is_home_page(self.url, self.registry) or not looks_like_column(response):
            portal = portal_for(self.url, self.registry)
            self.logger.info("%s is no 年报 column: discovering the column from it", response.url)
            yield from self.discover_from(response, portal)
            return
        family = detect_family(response.text)
        self.logger.info("%s looks like family %s", response.url, family)
        self.crawler.stats.set_value("nianbao/family", family)
        portal = next((p for p in portal_classes() if _same_host(p, self.url)), None)
        part = self.part(f"{self.name}_{family}", {"family": family, "name": f"{self.name}_{family}",
                         "column_urls": (self.url,), "region_code": portal.region_code if portal else None})  # fmt: skip
        for obj in part.listing_callback(response) or ():
            yield self._routed_output(part, obj)

    # -- discovery's hand-over --------------------------------------------------------------------
    def columns_found(self, portal, columns, response):
        """A part of the column page's family crawls each column found, from the page already fetched."""
        first, *more = columns
        yield from self.crawl_column(response, portal, first.url)
        for column in more:  # (the portal rides along: any worker of a distributed run may read the column)
            yield self.listing(column.url, self.parse_found, column=column.url, meta={"found_portal": portal})

    def parse_found(self, response):
        yield from self.crawl_column(response, response.meta["found_portal"], response.meta["column"])

    def crawl_column(self, response, portal: Portal, column_url: str):
        text = response.text if isinstance(response, TextResponse) else ""
        family = detect_family(text)
        if self.url:
            self.crawler.stats.set_value("nianbao/family", family)
        self.crawler.stats.inc_value(f"nianbao/discovered/{family}")
        attributes = {"name": f"{self.name}_{family}_{host_of(portal.home_url)}", "column_urls": (column_url,),
                      "region_code": portal.code or None}  # fmt: skip
        if family == "gkmlpt" and urlsplit(column_url).fragment.isdigit():  # the category discovery chose
            attributes["gkmlpt_category"] = int(urlsplit(column_url).fragment)
        part = self.part(attributes["name"], {"family": family, **attributes})
        response.meta.update({"nianbao_kind": "listing", "column": column_url, "page": 1, "depth": 0})
        for obj in part.listing_callback(response) or ():
            yield self._routed_output(part, obj)

    def part(self, name: str, recipe: dict | None = None) -> ReportSpider:
        """The part `name`, made on first use: a registered portal of the region, or from `recipe` (a part
        made during the run: {family, name, column_urls, region_code, …}). Its requests carry the recipe, so
        that a worker of a distributed run (crawler/distributed) makes the part too when it gets one of them
        before its own `start()` reached that portal, or without having read the page that told the family."""
        if name in self.parts:
            return self.parts[name]
        if portal := next((p for p in self.portal_classes if p.name == name), None):
            return self.add_part(portal)
        if recipe is None:
            raise KeyError(name)
        attributes = {k: v for k, v in recipe.items() if k != "family"}
        part = self.add_part(type(f"{recipe['family']}_part", (FAMILIES[recipe["family"]],), attributes))
        part.recipe = recipe
        return part

    # -- routing the parts' requests ----------------------------------------------------------------
    def routed(self, part: ReportSpider, request: Request) -> Request:
        callback, errback = request.callback, request.errback
        if getattr(callback, "__self__", None) is not part:
            return request
        meta = {PART: part.name, METHOD: callback.__name__}
        if recipe := getattr(part, "recipe", None):
            meta[RECIPE] = recipe
        if getattr(errback, "__self__", None) is part:
            meta[ERRBACK] = errback.__name__
        return request.replace(callback=self.route, errback=self.route_error, meta=request.meta | meta)

    async def route(self, response):
        """A part's callback, called for it; what it yields is routed in turn."""
        part = self.part(response.meta[PART], response.meta.get(RECIPE))
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
        part = self.part(meta[PART], meta.get(RECIPE)) if PART in meta else None
        if part is not None and meta.get(ERRBACK):
            return getattr(part, meta[ERRBACK])(failure)
        return self.failed(failure)


def registry_portals(region: str, registry: Path, spiders: list[type[ReportSpider]]) -> list[Portal]:
    """The registry's portals under `region` that no hand-written spider of `spiders` covers; their codes
    must be known (a part's region code is checked, and a bad row should stop the run before it starts)."""
    names = {spider.name for spider in spiders}
    portals = [p for p in portals_in(region, registry) if p.spider not in names]
    check_codes(portals, registry)
    return portals


def check_codes(portals: list[Portal], registry: Path) -> None:
    if unknown := sorted({p.code for p in portals if p.code and not is_valid_code(p.code)}):
        raise ValueError(f"{registry}: codes not in data/regions.csv: {', '.join(unknown[:10])}")


def looks_like_column(response) -> bool:
    """The page shows a 年报 column: report links, sub-columns, a scripted list, a ColumnName, or a gkmlpt
    catalogue (crawler/discovery.py's evidence); a page showing none of that is searched from instead."""
    if not isinstance(response, TextResponse):
        return False
    text = response.text
    return gkmlpt_column(text, response.url) is not None or column_check(response.selector, text, response.url).ok


def _same_host(portal, url: str) -> bool:
    return any(urlsplit(u).hostname == urlsplit(url).hostname for u in portal.column_urls)
