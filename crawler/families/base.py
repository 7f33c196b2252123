"""ReportSpider: what every family shares — arguments, incremental state, report pages, attachments.

Attributes a portal spider sets (class attributes; families add their own):
    name          "<province>_<place>" (pinyin), checked by tests/crawl/test_registry.py
    region_code   6-digit division code (data/regions.csv)
    column_urls   the 年报 column URL(s), taken from public evidence (say where in the module)
    family        set by the family base class; never by a portal
Tuning (defaults suit most portals):
    follow_subcolumns = True   follow 本级/部门/乡镇街道/year sub-columns under the column's directory
    max_depth = 3              sub-column nesting limit
    min_pages = 1              listing pages always read, even when every item on them is known
    max_pages = 500            listing pages of one column at most (reaching it is recorded as an error)

Spider arguments (validated once, in `__init__`; bad values raise `ValueError` with the reason):
    -a year=2023   only reports about that year (year read from the title)
    -a limit=N     schedule at most N report pages
    -a full=1      sweep every listing page (nightly runs otherwise stop after a page of known items;
                   a run also sweeps by itself when the previous one did not end ok: killed, failed,
                   partial, blocked or narrowed by -a year/limit)
Any other -a argument is refused (a typo must not silently run a full crawl); subclasses name theirs in
`arguments`.

Hooks a family implements: `async start()` (default: one listing request per column URL, to
`self.listing_callback`), and the listing callback, which calls `self.follow_reports(response,
links)` and `self.keep_paging(response, links, listed)`. Report pages go to `parse_report` (here): a 304 or an
identical body is "unchanged" (no item); a body already stored under another URL is a cross-post (no
item); otherwise the attachments are fetched and one `ReportItem` is yielded, carrying the raw bytes,
what the listing said of it (`hints`: list_title, list_date, column) and the page's crawl state, which
the store writes together with the report's rows. Spiders fetch; `pipelines/` interprets the page.
Every request that does not end in a page records its URL with the outcome (`failed`, crawler/state.py).

Region mode (`annual_reports -a region=`) runs many portals in one spider: each portal is a spider of
its family used as a part (`crawler/spiders/annual_reports.py`); they share the run's `RunScope`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse

from crawler.families import attachments as att
from crawler.families.pages import Link, canonical
from crawler.items import Attachment, ReportItem
from crawler.regions import is_valid_code
from crawler.state import SETTLED, CrawlState, failure_outcome, now
from pipelines.formats.limits import MAX_HTML_BYTES
from pipelines.titles import is_report_title, title_year

logger = logging.getLogger(__name__)
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def parse_args(year: Any = None, limit: Any = None, full: Any = None) -> tuple[int | None, int | None, bool]:
    """Validate -a year/limit/full; raise ValueError with a message a person can act on."""
    if year is not None:
        if not str(year).isdigit() or not 2000 <= int(year) <= date.today().year:
            raise ValueError(f"-a year={year!r}: expected a report year between 2000 and {date.today().year}")
        year = int(year)
    if limit is not None:
        if not str(limit).isdigit() or int(limit) < 1:
            raise ValueError(f"-a limit={limit!r}: expected a positive whole number of reports")
        limit = int(limit)
    flag = str(full).lower() if full is not None else ""
    if flag not in TRUE + FALSE:
        raise ValueError(f"-a full={full!r}: expected 1 or 0")
    return year, limit, flag in TRUE


@dataclass
class RunScope:
    """What one run asked for and has scheduled so far (shared by the portals of a region run)."""

    year: int | None = None
    limit: int | None = None
    full: bool = False
    scheduled: set[str] = field(default_factory=set)  # canonical report URLs requested in this run
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 → URL of bodies yielded in this run

    @property
    def at_limit(self) -> bool:
        return self.limit is not None and len(self.scheduled) >= self.limit


class ReportSpider(Spider):
    family: ClassVar[str] = ""
    region_code: str | None = None
    column_urls: ClassVar[tuple[str, ...]] = ()
    follow_subcolumns: bool = True
    max_depth: int = 3
    min_pages: int = 1
    max_pages: int = 500  # listing pages of one column: a safety net against pagination that never ends
    arguments: ClassVar[tuple[str, ...]] = ("year", "limit", "full")  # the -a arguments it takes

    def __init__(self, *args, year=None, limit=None, full=None, **kwargs):
        unknown = sorted(key for key in kwargs if not hasattr(type(self), key))
        if unknown:  # a typo (-a yaer=2023) must not silently run a full crawl
            known = ", ".join(f"-a {name}=" for name in self.arguments)
            raise ValueError(
                f"unknown spider argument {', '.join(f'-a {k}=' for k in unknown)} (this spider takes {known})"
            )
        super().__init__(*args, **kwargs)
        self.run = RunScope(*parse_args(year, limit, full))
        if self.region_code is not None and not is_valid_code(self.region_code):
            raise ValueError(f"{self.name}: region_code {self.region_code!r} is not in data/regions.csv")

    @property
    def year(self) -> int | None:
        return self.run.year

    @property
    def limit(self) -> int | None:
        return self.run.limit

    @property
    def full(self) -> bool:
        return self.run.full

    @property
    def state(self) -> CrawlState:
        return CrawlState.for_crawler(self.crawler)

    @property
    def first_pages(self):
        """Column → report URLs of its page 1 (kept by the crawl state: a distributed run's workers share it)."""
        return self.state.first_pages_of(self.name)

    @property
    def sweep(self) -> bool:
        """Read every listing page: asked for (-a full=1), or the previous run of this spider did not end ok
        (killed, failed, partial, blocked) or was narrowed: its early pages may be stored while later pages
        were never read, and stopping on them would leave those reports out for good."""
        return self.full or self.state.previous_status not in (None, "ok")

    async def start(self):
        if self.sweep and not self.full:
            self.logger.info("previous run %s: sweeping every listing page", self.state.previous_status)
            self.crawler.stats.set_value("nianbao/resume_sweep", self.state.previous_status)
        for url in self.column_urls:
            yield self.listing(url, self.listing_callback, column=url)

    @property
    def listing_callback(self):
        return getattr(self, f"parse_{self.family}")

    def listing(
        self, url: str, callback, *, column: str, page: int = 1, depth: int = 0, meta=None, **kwargs
    ) -> Request:
        meta = {"nianbao_kind": "listing", "column": column, "page": page, "depth": depth,
                "download_maxsize": MAX_HTML_BYTES} | (meta or {})  # fmt: skip
        return Request(url, callback=callback, meta=meta, errback=self.failed, **kwargs)

    def carry(self, response: Response) -> dict:
        """Meta a listing passes on to its next page / sub-columns / reports."""
        return {k: response.meta[k] for k in ("column_name",) if k in response.meta}

    # -- listings -------------------------------------------------------------------------------
    def keep_paging(self, response: Response, links: list[Link], listed: int | None = None) -> bool:
        """Follow this column's next page (when its pagination has one)? `links`: the page's report links;
        `listed`: how many entries the page lists, reports or not (default: the links). A column that mixes
        年报 with news is paged to its end. Stops on an empty page, a repeat of page 1, the limit, `max_pages`,
        or (unless sweeping) a page whose every report is already stored."""
        self.state.record(response.url, "listing", sha256=hashlib.sha256(response.body).hexdigest())
        self.crawler.stats.inc_value("nianbao/pages")
        column, page = response.meta["column"], response.meta["page"]
        urls = frozenset(canonical(link.url) for link in links)
        if page == 1:
            self.first_pages[column] = urls
        elif urls and urls == self.first_pages.get(column):
            self.state.block(response.url, f"page {page} repeats page 1", "listing")
            return False
        if (len(links) if listed is None else listed) == 0 or self.run.at_limit:
            return False
        if page >= self.max_pages:
            self.state.fail(response.url, "listing", "error", f"paging stopped after {page} pages (max_pages)")
            return False
        if self.sweep or page < self.min_pages:
            return True
        reports = [link.url for link in links if is_report_title(link.title)]  # APIs list other posts too
        if reports and len(self.state.known_documents(reports)) == len(reports):
            self.crawler.stats.inc_value("nianbao/early_stop")
            return False
        return True

    def follow_reports(self, response: Response, links: list[Link], **meta):
        for link in links:
            key = canonical(link.url)
            if key in self.run.scheduled or (self.year and title_year(link.title) not in (self.year, None)):
                continue
            if self.run.at_limit:
                return
            self.run.scheduled.add(key)
            yield self.report_request(link, self.carry(response) | meta)

    def report_request(self, link: Link, meta: dict) -> Request:
        row = self.state.get(link.url)
        headers = {}
        if row and row["status"] in SETTLED and row["sha256"]:  # conditional GET: unchanged → 304, no body
            headers = {
                k: v for k, v in (("If-None-Match", row["etag"]), ("If-Modified-Since", row["last_modified"])) if v
            }
        meta = meta | {"nianbao_kind": "document", "link": link, "handle_httpstatus_list": [304]}
        return Request(link.url, callback=self.parse_report, errback=self.failed, headers=headers, meta=meta)

    # -- report pages ---------------------------------------------------------------------------
    def unchanged(self, response: Response, row: dict | None, sha: str | None = None) -> None:
        """Same bytes as last time (a 304, or the same hash): only its validators and last_seen change."""
        self.crawler.stats.inc_value("nianbao/pages")
        self.crawler.stats.inc_value("nianbao/unchanged")
        fields = {"etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified")}
        fields = {k: v for k, v in fields.items() if v} | ({"sha256": sha} if sha else {})
        status, reason = (row["status"], row["reason"]) if row else ("ok", None)  # (still skipped, if it was)
        self.state.record(response.url, "document", status, reason=reason, **fields)

    async def parse_report(self, response: Response):
        row = self.state.get(response.url)
        if response.status == 304:
            return self.unchanged(response, row)
        sha = hashlib.sha256(response.body).hexdigest()
        if row and row["sha256"] == sha and row["status"] in SETTLED:
            return self.unchanged(response, row, sha)
        owner = self.run.hashes.get(sha) or self.state.owner_of(sha, response.url)
        if owner and owner != response.url:  # the same report cross-posted under another URL
            self.crawler.stats.inc_value("nianbao/duplicates")
            self.state.record(response.url, "document", sha256=sha, reason=f"duplicate of {owner}")
            return None
        self.crawler.stats.inc_value("nianbao/pages")
        self.run.hashes[sha] = response.url
        self.state.changes[response.url] = "changed" if row and row["sha256"] else "new"
        return await self.build_item(response, sha)

    async def build_item(self, response: Response, sha: str) -> ReportItem:
        """The page's raw bytes, what the listing said of it, its attachments (fetched) and its crawl state."""
        link: Link | None = response.meta.get("link")
        # A page too large to parse is not parsed here either (the parser records why): memory stays bounded.
        is_html = isinstance(response, TextResponse) and len(response.body) <= MAX_HTML_BYTES
        hints = {"list_title": link and link.title, "list_date": link and link.date,
                 "column": response.meta.get("column_name")}  # fmt: skip
        found = att.attachment_links(response.selector, response.url) if is_html else []
        found += response.meta.get("extra_attachments", [])
        files = [a for a in [await self.fetch_attachment(url, text) for url, text in found] if a]
        sent = None
        if not isinstance(response, TextResponse):  # a file linked straight from the listing
            sent = att.file_name(response.headers.get("Content-Disposition"), link.title if link else "", response.url)
        return ReportItem(
            source=response.url, body=response.body, content_type=_header(response, "Content-Type"),
            encoding=response.encoding if isinstance(response, TextResponse) else None, fetched_at=now(),
            filename=sent and att.safe_name(sent), filename_sent=sent,
            region_code=response.meta.get("region_code", self.region_code),  # (a list of URLs: per request)
            hints={k: v for k, v in hints.items() if v}, attachments=files,
            crawl_state=self.page_state(response, sha, [url for url, _ in found]),
        )  # fmt: skip

    def page_state(self, response: Response, sha: str, attachment_urls: list[str]) -> dict:
        """The page's crawl_state row; `error` when an attachment failed for a reason that may pass (the page is
        then stored as it is, and fetched whole again by the next run)."""
        state = self.state.row(response.url, "document", sha256=sha, etag=_header(response, "ETag"),
                               last_modified=_header(response, "Last-Modified"))  # fmt: skip
        failed = [f"attachment {url}: {self.state.problems[url][2]}" for url in attachment_urls
                  if self.state.problems.get(url, ("", ""))[1] == "error"]  # fmt: skip
        return state | {"status": "error", "reason": "; ".join(failed)[:300]} if failed else state

    async def fetch_attachment(self, url: str, text: str) -> Attachment | None:
        """The file, or None: then its URL is recorded with the outcome (a broken attachment never loses the report)."""
        meta = {"nianbao_kind": "attachment", "download_maxsize": self.settings.getint("REPORTS_MAX_BYTES")}
        try:
            response = await self.crawler.engine.download_async(Request(url, meta=meta, dont_filter=True))
        except Exception as exc:
            if outcome := failure_outcome(exc, "attachment"):
                self.state.fail(url, "attachment", *outcome)
            return None
        sent = att.file_name(response.headers.get("Content-Disposition"), text, response.url)
        if response.status != 200:
            status = "gone" if response.status in (404, 410) else "error"
            return self.state.fail(url, "attachment", status, f"http {response.status}")
        if problem := att.check_body(response.body, sent, response.url):  # the portal serves no usable file
            return self.state.fail(url, "attachment", "skipped", problem)
        self.crawler.stats.inc_value("nianbao/attachments")
        sha = hashlib.sha256(response.body).hexdigest()
        self.state.record(url, "attachment", sha256=sha, etag=_header(response, "ETag"))
        return Attachment(
            url=response.url, body=response.body, filename=att.safe_name(sent), filename_sent=sent,
            content_type=_header(response, "Content-Type"), link_text=text or None,
        )  # fmt: skip

    def failed(self, failure) -> None:
        """Errback: every request that does not end in a page leaves its URL recorded with the reason."""
        kind = failure.request.meta.get("nianbao_kind", "document")
        if outcome := failure_outcome(failure.value, kind):
            self.state.fail(failure.request.url, kind, *outcome)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
