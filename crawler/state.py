"""Incremental crawl state and run records, kept in the reports database (setting `REPORTS_DB`).

Tables (created by `pipelines.schema`, the one schema module: migrations m003 and m005):
- `crawl_state`: one row per listing/document/attachment URL with its validators (ETag,
  Last-Modified), the sha256 of the last body handed to the pipelines, first/last seen, status
  (ok | blocked | error | gone) and a reason.
- `crawl_runs`: one row per run: start/end, pages fetched, new/changed/unchanged reports, blocked
  pages, errors, status (running | ok | blocked | failed | killed) and a JSON detail (finish reason,
  blocked URLs with reasons, the run's -a year/limit/full scope).

Crash safety: a document's sha256 is written only when the item has gone through every pipeline
(`item_scraped`), through the database's one writer (`pipelines/writer.py`), in the batch transaction
that holds the report rows; a run killed before that commit re-fetches the document next time, and
the store replaces rows by source URL, so the re-run creates no duplicates. A run after a
killed/failed/narrowed one reads every listing page.

Reads use an own read-only connection and see what earlier runs committed, without waiting for the
writer; what this run has seen so far the spiders keep in memory (scheduled URLs, hashes of this run).

`CrawlStateExtension` (in `EXTENSIONS`) opens the run row, records stored items and closes the run
with its status; `crawler.commands.crawl` turns that status into the process exit code.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals

from pipelines.writer import DatabaseWriter, execute, insert_returning_id

logger = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CrawlState:
    """Access to `crawl_state` and `crawl_runs` for one spider run (shared by spider, middlewares, extension).

    Writes are queued to the database's writer (shared with the store pipeline, see the module doc)
    and do not wait; reads see committed rows (earlier runs), on an own read-only connection.
    """

    def __init__(self, path: str, spider: str, crawler=None):
        self.path, self.spider, self.crawler = path, spider, crawler
        self._writer: DatabaseWriter | None = None
        self._reader: sqlite3.Connection | None = None
        self.pending: dict[str, dict[str, Any]] = {}  # document URL → state to write once stored
        self.blocked: list[dict[str, str]] = []

    @classmethod
    def for_crawler(cls, crawler) -> CrawlState:
        """One state object per crawler (created on first use)."""
        if getattr(crawler, "_nianbao_state", None) is None:
            path = crawler.settings.get("REPORTS_DB", "data/reports.db")
            crawler._nianbao_state = cls(path, crawler.spidercls.name, crawler)
        return crawler._nianbao_state

    @property
    def writer(self) -> DatabaseWriter:
        if self._writer is None:
            seconds = self.crawler.settings.getfloat("REPORTS_COMMIT_SECONDS", 1.0) if self.crawler else 1.0
            self._writer = DatabaseWriter.acquire(self.path, seconds)
        return self._writer

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def write(self, sql: str, params: list) -> None:
        """Queue one statement (a failure is logged as an error, which fails the run)."""
        self.writer.submit_logged(execute, sql, params)

    def query(self, sql: str, params: list) -> list[dict[str, Any]]:
        if self._reader is None:
            self.writer.wait_ready()  # the database exists, every migration applied
            self._reader = sqlite3.connect(f"file:{Path(self.path).resolve()}?mode=ro", uri=True)
            self._reader.row_factory = sqlite3.Row
        return [dict(row) for row in self._reader.execute(sql, params)]

    def get(self, url: str) -> dict[str, Any] | None:
        rows = self.query("select * from crawl_state where url = ?", [url])
        return rows[0] if rows else None

    def known_documents(self, urls: list[str]) -> set[str]:
        """URLs among `urls` already stored (document with a hash, status ok)."""
        found: set[str] = set()
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"select url from crawl_state where status = 'ok' and sha256 is not null and url in ({marks})"
            found.update(r["url"] for r in self.query(sql, chunk))
        return found

    def owner_of(self, sha256: str, url: str) -> str | None:
        """Another document URL already holding exactly these bytes (a cross-post), if any."""
        sql = (
            "select url from crawl_state where sha256 = ? and url != ? and kind = 'document' and status = 'ok' limit 1"
        )
        rows = self.query(sql, [sha256, url])
        return rows[0]["url"] if rows else None

    def record(self, url: str, kind: str, status: str = "ok", **fields: Any) -> None:
        """Upsert one URL's state; first_seen is kept from the first time the URL was seen."""
        values = {"kind": kind, "spider": self.spider, "status": status, "last_seen": now(), "reason": None} | fields
        columns = ["url", "first_seen", *values]
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        sql = (
            f"insert into crawl_state ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
            f" on conflict(url) do update set {updates}"
        )
        self.write(sql, [url, values["last_seen"], *values.values()])

    def previous_run_status(self) -> str | None:
        """Status of this spider's run before the current one (None for a first run); "partial" when it
        was limited by -a year/limit and so left reports out on purpose."""
        sql = "select status, detail from crawl_runs where spider = ? and status != 'running' order by id desc limit 1"
        rows = self.query(sql, [self.spider])
        if not rows:
            return None
        scope = json.loads(rows[0]["detail"] or "{}").get("scope") or {}
        status = rows[0]["status"]
        return "partial" if status in ("ok", "blocked") and (scope.get("year") or scope.get("limit")) else status

    def block(self, url: str, reason: str, kind: str = "document") -> None:
        self.record(url, kind, "blocked", reason=reason)
        self.blocked.append({"url": url, "reason": reason})
        logger.warning("blocked: %s (%s)", url, reason)


def run_status(stats: dict[str, Any]) -> str:
    """ok | blocked | failed, from the run's stats (see module docstring)."""
    if stats.get("finish_reason") not in ("finished", None) or stats.get("log_count/ERROR", 0):
        return "failed"
    if not stats.get("nianbao/pages", 0):
        return "failed"  # nothing fetched successfully: a dead or fully blocked portal
    return "blocked" if stats.get("nianbao/blocked", 0) else "ok"


class CrawlStateExtension:
    """Writes the `crawl_runs` row and, on `item_scraped`, the state of each stored document."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.run_id: int | None = None
        self._run_row: Future | None = None  # the crawl_runs insert, answered by the writer

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        return ext

    @property
    def state(self) -> CrawlState:
        return CrawlState.for_crawler(self.crawler)

    def spider_opened(self, spider) -> None:
        writer = self.state.writer
        writer.submit_logged(execute, "update crawl_runs set status = 'killed' where status = 'running' and spider = ?",
                             [spider.name])  # fmt: skip
        sql = "insert into crawl_runs (spider, started, status) values (?, ?, 'running')"
        # Not waited for: the writer process may still be starting (0.3–0.7 s measured, longer beside a
        # starting parser process), and the crawl need not stand still meanwhile. The writer runs jobs in
        # order, so the row commits before any report of this run. A run that never closes stays
        # 'running' and is marked 'killed' by the next one.
        self._run_row = writer.submit(insert_returning_id, sql, [spider.name, now()])
        writer.commit()

    def _stored(self, item, reason: str | None) -> str | None:
        pending = self.state.pending.pop(getattr(item, "source", None), None)
        if pending is None:
            return None
        change = pending.pop("change")
        report_id = getattr(getattr(item, "parsed", None), "report_id", None)
        self.state.record(item.source, "document", reason=reason, report_id=report_id, **pending)
        return change

    def item_scraped(self, item, spider) -> None:
        change = self._stored(item, None)
        if change:
            self.crawler.stats.inc_value(f"nianbao/{change}")

    def item_dropped(self, item, spider, exception) -> None:
        # Remember the hash anyway: a page the pipelines reject tonight would be rejected again tomorrow.
        self._stored(item, f"dropped: {exception}"[:200])

    def spider_closed(self, spider, reason) -> None:
        stats = self.crawler.stats.get_stats() | {"finish_reason": reason}
        status = run_status(stats)
        self.crawler.stats.set_value("nianbao/run_status", status)
        get = lambda key: stats.get(f"nianbao/{key}", 0)  # noqa: E731
        row = {
            "finished": now(), "status": status, "pages": get("pages"), "new": get("new"), "changed": get("changed"),
            "unchanged": get("unchanged"), "blocked": get("blocked"), "errors": stats.get("log_count/ERROR", 0),
            "detail": json.dumps({"finish_reason": reason, "blocked": self.state.blocked[:50], "scope": _scope(spider)},
                                 ensure_ascii=False),
        }  # fmt: skip
        sets = ", ".join(f"{column} = ?" for column in row)
        writer = self.state.writer
        self.run_id = self._run_row.result() if self._run_row is not None else None
        writer.call(execute, f"update crawl_runs set {sets} where id = ?", [*row.values(), self.run_id])
        writer.commit().result()
        self.state.close()
        self.crawler.stats.set_value("nianbao/run_id", self.run_id)
        logger.info("run %s %s: %s", self.run_id, status, {k: v for k, v in row.items() if k != "detail"})


def _scope(spider) -> dict:
    """The run's narrowing arguments, so the next run knows whether this one saw everything."""
    return {k: getattr(spider, k, None) for k in ("year", "limit", "full")}
