"""Crawl state and run records (`crawl_state`, `crawl_runs`), on the run's database (`pipelines/database.py`).

- `crawl_state`: one row per listing/document/attachment URL with its validators (ETag, Last-Modified), the
  sha256 of the last body handed to the pipelines, first/last seen, status and a reason (never empty when
  the status is not ok): `ok`, `gone` (404/410), `error` (5xx after retries, timeouts, resets, redirect
  loops, truncated bodies, caps exceeded, spider bugs; fetched again by the next run), `blocked` (anti-bot
  and WAF answers), `skipped` (not a report, forbidden by robots.txt). A report page's row is written with
  the report's rows (`ReportItem.crawl_state`), so it commits with them or not at all: a run killed before
  that commit fetches the page again next time, and the store replaces rows by source, so nothing is
  duplicated.
- `crawl_runs`: one row per run, written and committed before the first request (`start_run`), so a run that
  never ends is seen as such by the next one: its status stays `running`, and the next run marks it `killed`
  and reads every listing page again. Its status at the end (`run_status`): `ok` (everything found was
  stored or unchanged; pages gone from the portal or skipped do not count against it), `partial` (some pages
  failed, the rest is stored), `blocked` (some pages were anti-bot answers), `failed` (nothing fetched, an
  abnormal end, or an error in the machinery), `killed` (set by the next run). Its detail says why.

Reads see committed rows (earlier runs); what this run has seen so far the spiders keep in memory.
`CrawlStateExtension` (in `EXTENSIONS`) opens and closes the run record; `crawler.commands.crawl` turns the
run's status into the process exit code.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError

from pipelines.database import ReportsDatabase
from pipelines.store import database_for

logger = logging.getLogger(__name__)


# A page in one of these states needs nothing more until its bytes change: conditional requests, early stops.
SETTLED = ("ok", "skipped")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class CrawlState:
    """The crawl state of one run (shared by the spider, the middlewares and the extension)."""

    db: ReportsDatabase
    spider: str
    previous_status: str | None = None  # of this spider's run before this one (set by start_run)
    changes: dict[str, str] = field(default_factory=dict)  # document URL → new | changed, until stored
    problems: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # URL → (kind, status, reason)
    first_pages: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)  # spider → its first pages

    @classmethod
    def for_crawler(cls, crawler) -> CrawlState:
        """One state object per crawler (created on first use)."""
        state = getattr(crawler, "crawl_state", None)
        if state is None:
            db = database_for(crawler)
            kind = getattr(db, "crawl_state_class", None) or cls  # a crawl worker's reads are shared (Redis)
            state = crawler.crawl_state = kind(db, crawler.spidercls.name)
        return state

    def first_pages_of(self, spider: str) -> dict[str, frozenset[str]]:
        """Column → report URLs of its page 1, of one spider (a part of a region run): a repeat of page 1 on a
        later page ends the paging; the monitors count them (crawler/monitors.py `listed_of`)."""
        return self.first_pages.setdefault(spider, {})

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, url: str) -> dict[str, Any] | None:
        rows = self.db.query("select * from crawl_state where url = ?", [url])
        return dict(rows[0]) if rows else None

    def known_documents(self, urls: list[str]) -> set[str]:
        """URLs among `urls` already settled: stored (or skipped as no report) with a hash."""
        found: set[str] = set()
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"select url from crawl_state where status in {SETTLED} and sha256 is not null and url in ({marks})"
            found.update(row["url"] for row in self.db.query(sql, chunk))
        return found

    def owner_of(self, sha256: str, url: str) -> str | None:
        """Another document URL already holding exactly these bytes (a cross-post), if any."""
        sql = (
            "select url from crawl_state where sha256 = ? and url != ? and kind = 'document' and status = 'ok' limit 1"
        )
        rows = self.db.query(sql, [sha256, url])
        return rows[0]["url"] if rows else None

    # -- writes ---------------------------------------------------------------------------------------
    def row(self, url: str, kind: str, status: str = "ok", **fields: Any) -> dict[str, Any]:
        """A `crawl_state` row; its first_seen is kept when the URL was met before."""
        seen = now()
        return {"url": url, "kind": kind, "spider": self.spider, "status": status, "reason": None,
                "first_seen": seen, "last_seen": seen} | fields  # fmt: skip

    def record(self, url: str, kind: str, status: str = "ok", **fields: Any) -> None:
        self.db.upsert("crawl_state", self.row(url, kind, status, **fields), "url", keep=("first_seen",))
        if status == "ok":
            self.problems.pop(url, None)
        else:
            self.problems[url] = (kind, status, fields.get("reason") or status)

    def fail(self, url: str, kind: str, status: str, reason: str) -> None:
        """A URL that did not end in a stored page: recorded with why, counted in the run."""
        self.record(url, kind, status, reason=reason)
        logger.warning("%s %s: %s", status, url, reason)

    def block(self, url: str, reason: str, kind: str = "document") -> None:
        self.fail(url, kind, "blocked", reason)

    def counts(self) -> Counter:
        """URLs per outcome other than ok: error, gone, blocked, skipped."""
        return Counter(status for _, status, _ in self.problems.values())


def failure_outcome(exc: BaseException, kind: str = "document") -> tuple[str, str] | None:
    """(status, reason) of a `kind` request that failed with `exc`, for `crawl_state`; None when it was
    recorded already (a block). The reason names the cause in words an operator can act on."""
    if isinstance(exc, Blocked):
        return None
    if isinstance(exc, HttpError):
        status = exc.response.status
        if status in (404, 410):  # a report gone from the portal; a listing gone means the column moved
            return (
                ("error", f"http {status}: the column moved or is gone")
                if kind == "listing"
                else ("gone", f"http {status}")
            )
        return "error", f"http {status}"
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "robots.txt" in message:
            return "skipped", "forbidden by robots.txt"
        if "max redirections" in message:
            return "error", "redirect loop (too many redirections)"
        if bomb := _INFLATED.search(message):
            compressed, cap = int(bomb[1]) / 2**20, int(bomb[2]) / 2**20
            return "error", f"too large: {compressed:.1f} MiB that inflate past the download cap of {cap:.0f} MiB"
        return "skipped", message or "ignored"
    if isinstance(exc, DownloadCancelledError):  # Scrapy cancels a download for its size cap only
        if size := _MAXSIZE.search(str(exc)):
            return "error", f"too large: {int(size[1]) / 2**20:.1f} MiB (download cap {int(size[2]) / 2**20:.0f} MiB)"
        return "error", "too large: the body grew past the download cap (no size was declared)"
    if isinstance(exc, DownloadFailedError) and (causes := _TWISTED.findall(str(exc))):
        return "error", f"download failed: {', '.join(dict.fromkeys(causes))} (the connection ended before the answer)"
    for kind, reason in _DOWNLOAD_FAILURES:
        if isinstance(exc, kind):
            return "error", f"{reason}: {exc}".rstrip(": ")[:300]
    return "error", f"{type(exc).__name__}: {exc}"[:300]


_MAXSIZE = re.compile(r"[Rr]eceived? (\d+) bytes which is larger than download max size \((\d+)\)")
_INFLATED = re.compile(r"\((\d+) B compressed.*exceeded DOWNLOAD_MAXSIZE \((\d+) B\)")
_TWISTED = re.compile(r"twisted\.[\w.]+\.(\w+):")


class Blocked(IgnoreRequest):
    """An anti-bot answer, already recorded as blocked (crawler/middlewares.py)."""


_DOWNLOAD_FAILURES = (
    (DownloadTimeoutError, "timeout"),
    (CannotResolveHostError, "DNS lookup failed"),
    (DownloadConnectionRefusedError, "connection refused"),
    (ResponseDataLossError, "truncated body (the connection closed before the whole body arrived)"),
    (DownloadFailedError, "download failed (connection lost or body truncated)"),
)


# -- run records (run in the database's writer thread) ------------------------------------------------
def start_run(db, spider: str) -> tuple[int, str | None]:
    """Mark this spider's unfinished runs killed, insert the new run; (its id, the previous run's status).

    The previous status is "partial" when that run was limited by -a year/limit and so left reports out on
    purpose: the next run must read every listing page, as after a killed or failed run."""
    conn = db.conn
    conn.execute("update crawl_runs set status = 'killed' where status = 'running' and spider = ?", [spider])
    previous = conn.execute(
        "select status, detail from crawl_runs where spider = ? order by id desc limit 1", [spider]
    ).fetchone()
    run_id = conn.execute(
        "insert into crawl_runs (spider, started, status) values (?, ?, 'running')", [spider, now()]
    ).lastrowid
    return run_id, previous_status(*previous) if previous else None


def previous_status(status: str, detail: str | None) -> str:
    """What the next run makes of a run's status: "partial" when -a year/limit narrowed it (see start_run)."""
    scope = json.loads(detail or "{}").get("scope") or {}
    narrowed = status in ("ok", "blocked") and (scope.get("year") or scope.get("limit"))
    return "partial" if narrowed else status


def finish_run(db, run_id: int, row: dict[str, Any]) -> None:
    sets = ", ".join(f"{column} = ?" for column in row)
    db.conn.execute(f"update crawl_runs set {sets} where id = ?", [*row.values(), run_id])


def machinery_errors(stats: dict[str, Any]) -> int:
    """Errors logged that are not a page's outcome: Scrapy logs a page that failed after its retries, and a
    callback's exception, at ERROR too, but those pages are recorded and counted by outcome already."""
    page_errors = stats.get("retry/max_reached", 0)
    prefixes = ("spider_exceptions/", "robotstxt/exception_count/")  # (a portal that does not answer at all)
    page_errors += sum(count for key, count in stats.items() if key.startswith(prefixes))
    return max(0, stats.get("log_count/ERROR", 0) - page_errors)


def run_status(stats: dict[str, Any], counts: Counter) -> tuple[str, str]:
    """(status, why) of a run from its stats and the outcome counts of its URLs (see the module docstring)."""
    if stats.get("finish_reason") not in ("finished", None):
        return "failed", f"the run did not finish: {stats.get('finish_reason')}"
    if errors := machinery_errors(stats):
        return "failed", f"{errors} errors logged (see the log)"
    if not stats.get("nianbao/pages", 0):
        return "failed", "no page could be fetched: a dead, moved or fully blocked portal"
    if counts["blocked"]:
        return "blocked", f"{counts['blocked']} pages were anti-bot answers"
    if counts["error"]:
        return "partial", f"{counts['error']} pages failed (fetched again by the next run)"
    return "ok", "everything found was stored or unchanged"


class CrawlStateExtension:
    """Writes the `crawl_runs` row (before the first request, and at the end) and counts stored documents."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    @property
    def state(self) -> CrawlState:
        return CrawlState.for_crawler(self.crawler)

    def spider_opened(self, spider) -> None:
        # Committed before anything is fetched: a run killed at any point leaves its `running` row.
        self.run_id, self.state.previous_status = self.state.db.call(start_run, spider.name)
        self.crawler.stats.set_value("nianbao/run_id", self.run_id)

    def item_scraped(self, item, spider) -> None:
        change = self.state.changes.pop(getattr(item, "source", None), None)
        page = getattr(item, "crawl_state", None)
        if page and page.get("status", "ok") != "ok":  # read but not stored, or stored unread: counted as such
            self.state.problems[page["url"]] = (page["kind"], page["status"], page["reason"])
        elif change:
            self.crawler.stats.inc_value(f"nianbao/{change}")

    def request_dropped(self, request, spider) -> None:
        """A redirect that leads back to a URL already requested is dropped by the duplicate filter: a loop."""
        if request.meta.get("redirect_urls"):
            first = request.meta["redirect_urls"][0]
            self.state.fail(first, request.meta.get("nianbao_kind", "document"), "error",
                            f"redirect loop: redirected back to {request.url}")  # fmt: skip

    def item_dropped(self, item, spider, exception) -> None:
        # Remember the hash anyway: a page the pipelines reject tonight would be rejected again tomorrow.
        self.state.changes.pop(item.source, None)
        if item.crawl_state:
            self.state.db.upsert("crawl_state", {**item.crawl_state, "reason": f"dropped: {exception}"[:200]}, "url",
                                 keep=("first_seen",))  # fmt: skip

    def spider_closed(self, spider, reason) -> None:
        stats = self.crawler.stats
        counts = self.state.counts()
        # Portals of a region run whose column discovery failed (crawler/families/discover.py): a WAF is a block,
        # a portal that did not answer an error; no column found, or a JavaScript-only site, is said in
        # portal_discovery and does not count against the run.
        counts["blocked"] += stats.get_value("discovery/blocked", 0)
        counts["error"] += stats.get_value("discovery/unreachable", 0)
        for outcome in ("error", "gone", "blocked", "skipped"):
            stats.set_value(f"nianbao/{outcome}", counts[outcome])
        status, why = run_status(stats.get_stats() | {"finish_reason": reason}, counts)
        stats.set_value("nianbao/run_status", status)
        stats.set_value("nianbao/run_why", why)
        get = lambda key: stats.get_value(f"nianbao/{key}", 0)  # noqa: E731
        problems = [{"url": url, "kind": kind, "status": outcome, "reason": why_not}
                    for url, (kind, outcome, why_not) in list(self.state.problems.items())[:50]]  # fmt: skip
        detail = {"why": why, "finish_reason": reason, "logged_errors": stats.get_value("log_count/ERROR", 0),
                  "problems": problems, "scope": _scope(spider)}  # fmt: skip
        row = {
            "finished": now(), "status": status, "pages": get("pages"), "new": get("new"), "changed": get("changed"),
            "unchanged": get("unchanged"), "gone": counts["gone"], "errors": counts["error"],
            "blocked": counts["blocked"], "skipped": counts["skipped"], "detail": json.dumps(detail, ensure_ascii=False),
        }  # fmt: skip
        if self.run_id is not None:
            self.state.db.call(finish_run, self.run_id, row)
        logger.info("run %s %s (%s): %s", self.run_id, status, why, {k: v for k, v in row.items() if k != "detail"})


def _scope(spider) -> dict:
    """The run's narrowing arguments, so the next run knows whether this one saw everything."""
    return {k: getattr(spider, k, None) for k in ("year", "limit", "full")}
