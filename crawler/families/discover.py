"""The discovery step: from a portal's home page to its 年报 column in a handful of requests (issue 15).

`DiscoveryMixin` — mixed into the `discover` spider (discovery alone) and `annual_reports` (`-a url=<home
page>`, `-a region=`: the found columns are crawled by family parts). It fetches, per portal, the column an earlier run recorded (or the registry's column
from public evidence), else the home page, then only the links `crawler.discovery` ranks (年报 column
labels, then 政务公开 sections), then the province/family path conventions — at most `DISCOVERY_BUDGET`
requests, one portal's requests one after another (politeness), many portals at once. Every outcome is
written to the database (`portal_columns`, `portal_discovery`: crawler/evidence.py) and the found columns
are handed over:

    self.discover(portal) -> Request          the first request for one crawler.portals.Portal
    self.discover_from(response, portal)      the same, on a home page already fetched (yields requests)
Hooks (override; each returns an iterable of requests or items):
    columns_found(portal, columns, response)  the column(s) found (`FoundColumn`: url, text, method,
                                              found_on, evidence); `response` is the page that proved the
                                              first column (parse it directly: its URL was fetched already)
    discovery_failed(portal, outcome)         nothing found; `outcome.status` says why (default: nothing)
Attribute:
    column_page_handed_over = False   True when `columns_found` parses the proving page itself (it then
                                      counts that page as fetched; discovery does not count it twice)
Settings:
    DISCOVERY_BUDGET = 10      requests per portal, the check of stored evidence included
    DISCOVERY_REFRESH = False  ignore stored columns and start from the home page
Methods recorded: `link` (a link's text named it), `convention` (a documented path answered as a 年報
column), `evidence` (the registry's column from public evidence); a stored column confirmed again keeps
its method. A stored column that no longer looks like one is marked `moved` and searched for again.

Requests stay plain data (as `annual_reports` routes them, and as queues on disk would need): their meta
carries the portal's home URL and the step as a dict; each portal's walk is kept on the spider until its
outcome is recorded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.discovery import (
    COLUMN_ROLES,
    Fetch,
    Outcome,
    Step,
    Walk,
    classify,
    column_check,
    gkmlpt_column,
    identity,
    is_javascript_only,
    site_id_code,
    site_key,
)
from crawler.evidence import EvidenceStore
from crawler.middlewares import block_reason
from crawler.portals import Portal
from crawler.state import CrawlState
from pipelines.formats.limits import MAX_HTML_BYTES

# statuses the discovery callback reads itself (redirects are still followed by Scrapy)
SEEN_STATUSES = [403, 404, 410, 412, 429, 468, 500, 502, 503, 504, 521]
METHOD_OF_ROLE = {"column": "link", "report-parent": "link", "gkmlpt": "link", "convention": "convention"}


@dataclass
class FoundColumn:
    url: str
    text: str  # the link text (or gkmlpt category name) that named it; empty for a convention path
    method: str  # link | convention | evidence
    found_on: str  # the page holding the link
    evidence: str  # what the column page showed (reports=…, subcolumns=…, gkmlpt category …)


@dataclass
class PortalRun:
    portal: Portal
    walk: Walk
    fetches: list[Fetch] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # evidence URL → its recorded method
    site_id: str | None = None
    identity: str | None = None
    done: bool = False


class DiscoveryMixin:
    column_page_handed_over = False

    @property
    def discovery_runs(self) -> dict[str, PortalRun]:
        """The walks in progress, by portal home URL (a request's meta names its walk by that key)."""
        if getattr(self, "_discovery_runs", None) is None:
            self._discovery_runs = {}
        return self._discovery_runs

    @property
    def evidence(self) -> EvidenceStore:
        if getattr(self, "_evidence", None) is None:
            self._evidence = EvidenceStore(CrawlState.for_crawler(self.crawler))
        return self._evidence

    def discover(self, portal: Portal) -> Request:
        run = self._new_run(portal)
        run.walk.add(Step(portal.home_url, "home"))
        return self._discovery_request(run, run.walk.next())

    def discover_from(self, response: Response, portal: Portal):
        """Start on a home page already fetched (e.g. the page of `-a url=` that is no 年报 column): the walk
        goes on from its links; columns recorded earlier are still checked first."""
        run = self._new_run(portal)
        step = Step(response.url, "home")
        run.walk.fetched_elsewhere(response.url)
        response.meta.update(_meta(run, step))  # the request's meta, read by the callback
        return self._discovery_page(response)

    def _new_run(self, portal: Portal) -> PortalRun:
        settings = self.crawler.settings
        walk = Walk(portal.home_url, portal.code or None, budget=settings.getint("DISCOVERY_BUDGET", 10))
        run = self.discovery_runs[portal.home_url] = PortalRun(portal, walk)
        refresh = getattr(self, "discovery_refresh", None) or settings.getbool("DISCOVERY_REFRESH")
        known = [] if refresh else self.evidence.known_columns(portal.home_url)
        for row in known:
            run.methods[row["column_url"]] = row["method"]
            walk.add(Step(row["column_url"], "evidence", row["link_text"] or "", found_on=row["found_on"] or ""))
        if portal.column_url and not known:
            run.methods[portal.column_url] = "evidence"
            walk.add(Step(portal.column_url, "evidence", portal.column_source, found_on=""))
        return run

    def columns_found(self, portal: Portal, columns: list[FoundColumn], response: Response):
        return ()

    def discovery_failed(self, portal: Portal, outcome: Outcome):
        return ()

    # -- requests and answers -----------------------------------------------------------------------
    def _discovery_request(self, run: PortalRun, step: Step) -> Request:
        meta = _meta(run, step) | {
            "nianbao_kind": "discovery", "nianbao_no_block_check": True, "handle_httpstatus_list": SEEN_STATUSES,
            "download_maxsize": MAX_HTML_BYTES,  # a home page is a page: the listing pages' cap
        }  # fmt: skip
        return Request(
            step.url, callback=self._discovery_page, errback=self._discovery_error, meta=meta, dont_filter=True
        )

    def _discovery_page(self, response: Response):
        run, step = self._walk_of(response.meta)
        text = response.text if isinstance(response, TextResponse) else ""
        blocked = block_reason(response.status, response.body, text if len(response.body) < 4096 else None)
        status = response.status
        if blocked and blocked.startswith("soft 404"):  # a 200 saying 页面不存在: a path that is not there
            status, blocked = 404, None
        fetch = Fetch(step.url, status, step.role, blocked=blocked)
        run.fetches.append(fetch)
        self.crawler.stats.inc_value("discovery/requests")
        if blocked:
            self.crawler.stats.inc_value("nianbao/blocked")
            self.crawler.stats.inc_value(f"nianbao/blocked/{response.status}")
        elif status == 200 and text:
            columns = self._read(run, step, response, fetch)
            if not (columns and self.column_page_handed_over):
                self.crawler.stats.inc_value("nianbao/pages")
            if columns:
                return self._conclude(run, columns, response)
        if step.role == "evidence" and not (status == 200 and text and not blocked):
            self.evidence.column_moved(run.portal.home_url, step.url, fetch.blocked or f"http {status}")
        if step.role == "home" and (blocked or status != 200):
            return self._conclude(run, [], None)  # the rest of the site answers no better
        return self._continue(run)

    def _discovery_error(self, failure):
        request = failure.request
        run, step = self._walk_of(request.meta)
        self.crawler.stats.inc_value("discovery/requests")
        if failure.check(HttpError):
            fetch = Fetch(
                step.url, failure.value.response.status, step.role, error=f"http {failure.value.response.status}"
            )
        elif failure.check(IgnoreRequest):  # robots.txt said no
            fetch = Fetch(step.url, 0, step.role, blocked=str(failure.value) or "ignored")
        else:
            fetch = Fetch(step.url, 0, step.role, error=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200])
        run.fetches.append(fetch)
        if step.role == "evidence":
            self.evidence.column_moved(run.portal.home_url, step.url, fetch.blocked or fetch.error or "no answer")
        if step.role == "home":
            return self._conclude(run, [], None)
        return self._continue(run)

    def _walk_of(self, meta: dict) -> tuple[PortalRun, Step]:
        return self.discovery_runs[meta["discovery"]], Step(**meta["discovery_step"])

    def _read(self, run: PortalRun, step: Step, response: TextResponse, fetch: Fetch) -> list[FoundColumn]:
        """The column(s) this page proves; else queue what it links to."""
        sel, text = response.selector, response.text
        if step.role == "home":
            run.walk.sites.add(site_key(response.url))  # a home page that redirected to another host
            run.site_id = site_id_code(sel, text)
            run.identity = identity(run.site_id, run.portal.code or None, self._former_codes())
            fetch.javascript_only = is_javascript_only(sel, text)
        if step.role in COLUMN_ROLES:
            method = run.methods.get(step.url, METHOD_OF_ROLE.get(step.role, "link"))
            if "/gkmlpt/" in response.url and (gk := gkmlpt_column(text, response.url)):
                evidence = f"gkmlpt TREE category {gk[1]} (reached through {step.text or step.role})"
                return [FoundColumn(gk[0], gk[1], method, response.url, evidence)]
            check = column_check(sel, text, response.url)
            if check.ok:
                return [FoundColumn(response.url, step.text, method, step.found_on, str(check))]
            if step.role == "evidence":
                self.evidence.column_moved(run.portal.home_url, step.url, f"no longer a column: {check}")
        run.walk.see(sel, text, response.url, step)
        return []

    def _continue(self, run: PortalRun):
        step = run.walk.next()
        if step is None:
            return self._conclude(run, [], None)
        return [self._discovery_request(run, step)]

    def _conclude(self, run: PortalRun, columns: list[FoundColumn], response: Response | None):
        if run.done:
            return []
        run.done = True
        self.discovery_runs.pop(run.portal.home_url, None)
        portal, outcome = run.portal, classify(run.fetches, bool(columns))
        stats = self.crawler.stats
        stats.inc_value("discovery/portals")
        stats.inc_value(f"discovery/{outcome.status}")
        record = {
            "region_code": portal.code, "name": portal.name, "status": outcome.status, "reason": outcome.reason,
            "method": columns[0].method if columns else None, "requests": len(run.fetches), "spider": portal.spider,
        }  # fmt: skip
        if run.site_id is not None or any(f.role == "home" and f.status == 200 for f in run.fetches):
            record |= {"site_id": run.site_id, "identity": run.identity}
            stats.inc_value(f"discovery/identity/{run.identity}")
        self.evidence.outcome(portal.home_url, **record)
        for column in columns:
            stats.inc_value(f"discovery/method/{column.method}")
            self.evidence.column_found(portal.home_url, portal.code, asdict(column))
        self.logger.info(
            "discovery %s %s: %s %s (%d requests)",
            portal.code, portal.home_url, outcome.status, columns[0].url if columns else outcome.reason, len(run.fetches),
        )  # fmt: skip
        if columns:
            return self.columns_found(portal, columns, response)
        return self.discovery_failed(portal, outcome)

    def _former_codes(self) -> dict[str, str]:
        if getattr(self, "_former", None) is None:
            from pipelines.regions import load_regions

            self._former = {c: r.successors for c, r in load_regions().items() if r.status == "former"}
        return self._former


def _meta(run: PortalRun, step: Step) -> dict:
    return {"discovery": run.portal.home_url, "discovery_step": asdict(step)}
