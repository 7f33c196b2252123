"""StoreReportPipeline: one report's rows into the run's database, replacing what the report had.

Reports are keyed by where they came from (URL, or the absolute path of a local file), so re-reading
an unchanged document changes nothing and a changed document replaces its own rows. The rows come
ready-made from the parse pipeline; the database's writer thread writes them in bulk and commits every
`REPORTS_COMMIT_SECONDS` (`pipelines/database.py`). A crawled page's crawl state goes with its rows.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy.exceptions import DropItem

from pipelines.database import DatabaseError, ReportsDatabase
from pipelines.rows import ReportRows

logger = logging.getLogger(__name__)

# Reports queued for writing beyond which the pipeline waits for the writer (bounded memory).
MAX_BACKLOG = 256


def database_for(crawler) -> ReportsDatabase:
    """The run's database: opened on first use (every component of one crawler shares it) and closed
    when the engine has stopped, after the run record is written. On a crawl worker (REDIS_URL set) it is
    the worker's `pipelines.relay.RedisDatabase`."""
    db = getattr(crawler, "reports_database", None)
    if db is None:
        settings = crawler.settings
        if settings.get("REDIS_URL"):  # a crawl worker: its rows go to the one writer through Redis (relay.py)
            from crawler.distributed.worker import worker_for

            db = crawler.reports_database = worker_for(crawler).db
            return db
        db = ReportsDatabase(settings.get("REPORTS_DB"), settings.getfloat("REPORTS_COMMIT_SECONDS"))
        crawler.reports_database = db
        crawler.signals.connect(db.close, signal=signals.engine_stopped, weak=False)
    return db


class StoreReportPipeline:
    def __init__(self, db: ReportsDatabase, stats=None, stop=None) -> None:
        self.db, self.stats = db, stats
        self.stop = stop  # async, called once with the reason when the database fails: the run ends, said once
        self.broken: str | None = None
        self._stopping: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            database_for(crawler), crawler.stats, lambda reason: crawler.engine.close_spider_async(reason=reason)
        )

    def close_spider(self) -> None:
        self.db.commit()

    async def process_item(self, item):
        if item.unchanged:
            self._count("reports/unchanged")
            if item.crawl_state:  # bytes changed but not the report (e.g. an attachment re-sent): note them
                self._record(item.crawl_state | {"report_id": item.report_id})
            return item
        while self.db.backlog > MAX_BACKLOG:
            await asyncio.sleep(0.01)
        rows: ReportRows = item.rows
        report = rows.report
        if item.crawl_state and rows.not_a_report:  # a crawled page that holds no report: say so, store nothing
            item.crawl_state |= {
                "status": "skipped",
                "reason": (report["quality_reasons"] or "not a report").split("\n")[0],
            }
            self._record(item.crawl_state)
            self._count("reports/skipped")
            return item
        if item.crawl_state and rows.retry:  # not read for a reason that may pass: the next run tries again
            item.crawl_state |= {
                "status": "error",
                "reason": "not read: " + (report["quality_reasons"] or "error").replace("\n", "; "),
            }
        rows.crawl_state = item.crawl_state
        try:
            self.db.store(rows)
        except DatabaseError as exc:
            return self._broken(exc)
        self._count("reports/stored")
        self._count(f"reports/quality/{report['quality']}")
        return item

    def _broken(self, exc: DatabaseError):
        if self.broken is None:
            self.broken = f"database failed: {exc}"
            logger.error("%s", self.broken)
            if self.stop is not None:
                self._stopping = asyncio.ensure_future(self.stop(self.broken))
        raise DropItem(self.broken)

    def _record(self, state: dict) -> None:
        self.db.upsert("crawl_state", state, "url", keep=("first_seen",))

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
