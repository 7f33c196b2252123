"""StoreReportPipeline: one report's rows into the run's database, replacing what the report had.

Reports are keyed by where they came from (URL, or the absolute path of a local file), so re-reading
an unchanged document changes nothing and a changed document replaces its own rows. The rows come
ready-made from the parse pipeline; the database's writer thread writes them in bulk and commits every
`REPORTS_COMMIT_SECONDS` (`pipelines/database.py`). A crawled page's crawl state goes with its rows.
"""

from __future__ import annotations

import asyncio

from scrapy import signals

from pipelines.database import ReportsDatabase
from pipelines.rows import ReportRows

# Reports queued for writing beyond which the pipeline waits for the writer (bounded memory).
MAX_BACKLOG = 256


def database_for(crawler) -> ReportsDatabase:
    """The run's database: opened on first use (every component of one crawler shares it) and closed
    when the engine has stopped, after the run record is written."""
    db = getattr(crawler, "reports_database", None)
    if db is None:
        settings = crawler.settings
        db = ReportsDatabase(settings.get("REPORTS_DB"), settings.getfloat("REPORTS_COMMIT_SECONDS"))
        crawler.reports_database = db
        crawler.signals.connect(db.close, signal=signals.engine_stopped, weak=False)
    return db


class StoreReportPipeline:
    def __init__(self, db: ReportsDatabase, stats=None) -> None:
        self.db, self.stats = db, stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(database_for(crawler), crawler.stats)

    def close_spider(self) -> None:
        self.db.commit()

    async def process_item(self, item):
        if item.unchanged:
            self._count("reports/unchanged")
            if item.crawl_state:  # bytes changed but not the report (e.g. an attachment re-sent): note them
                self.db.upsert("crawl_state", {**item.crawl_state, "report_id": item.report_id}, "url", ("first_seen",))
            return item
        while self.db.backlog > MAX_BACKLOG:
            await asyncio.sleep(0.01)
        rows: ReportRows = item.rows
        rows.crawl_state = item.crawl_state
        self.db.store(rows)
        self._count("reports/stored")
        self._count(f"reports/quality/{rows.report['quality']}")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
