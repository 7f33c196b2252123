"""StoreReportPipeline: one report → its rows in SQLite, atomically, replacing its previous rows.

Reports are keyed by where they came from (URL, or the absolute path of a local file), so
re-reading an unchanged document changes nothing and a changed document replaces its own rows.
The rows come ready-made from the parse pipeline (`pipelines/rows.py`, pickled in the parser
process); this pipeline hands them to the database's writer process (`pipelines/writer.py`) and
waits for them to be written there (`pipelines/batch.py`).
"""

from __future__ import annotations

import pickle

from pipelines.segment import ENGINES
from pipelines.writer import DatabaseWriter

DEFAULT_DB = "data/reports.db"


class StoreReportPipeline:
    """Each report is written inside its own savepoint (whole or not at all), in the writer's batch
    transaction (committed every `commit_seconds`)."""

    def __init__(
        self, db_path: str = DEFAULT_DB, stats=None, commit_seconds: float = 1.0, segmenter: str = "rjieba"
    ) -> None:
        self.db_path = db_path
        self.stats = stats
        self.commit_seconds = commit_seconds
        self.segmenter = segmenter  # engine name (pipelines/segment.py ENGINES)
        self.writer: DatabaseWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("REPORTS_DB", DEFAULT_DB),
            crawler.stats,
            settings.getfloat("REPORTS_COMMIT_SECONDS", 1.0),
            settings.get("REPORTS_SEGMENTER", "rjieba"),
        )

    def open_spider(self) -> None:
        if self.segmenter not in ENGINES:  # fail at once, not in the writer process at the first report
            raise ValueError(
                f"REPORTS_SEGMENTER: unknown engine {self.segmenter!r}; choose one of {', '.join(ENGINES)}"
            )
        self.writer = DatabaseWriter.acquire(self.db_path, self.commit_seconds)
        self.writer.submit_logged("pipelines.batch:warm_segmenter", self.segmenter)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.commit().result()
            self.writer.release()
            self.writer = None

    async def process_item(self, item):
        if self.writer is None:
            self.open_spider()
        parsed = item.parsed
        if parsed.unchanged:
            self._count("reports/unchanged")
            return item
        rows = parsed.rows if isinstance(parsed.rows, bytes) else pickle.dumps(parsed.rows, pickle.HIGHEST_PROTOCOL)
        await self.writer.run("pipelines.batch:write_report", rows, self.segmenter)
        self._count("reports/stored")
        self._count(f"reports/quality/{parsed.quality}")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
