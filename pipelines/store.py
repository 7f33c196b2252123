"""StoreReportPipeline: one report → its rows in SQLite, atomically, replacing its previous rows.

Reports are keyed by where they came from (URL, or the absolute path of a local file), so
re-reading an unchanged document changes nothing and a changed document replaces its own rows.
The rows come ready-made from the parse pipeline (`pipelines/rows.py`); this pipeline hands them
to the database's writer thread (`pipelines/writer.py`) and waits for them to be written.
"""

from __future__ import annotations

from functools import cache

from pipelines.crossyear import refresh_carryover
from pipelines.rows import CHILD_TABLES, COLUMNS, ReportRows
from pipelines.writer import DatabaseWriter

DEFAULT_DB = "data/reports.db"


class StoreReportPipeline:
    """Each report is written inside its own savepoint (whole or not at all), in the writer's batch
    transaction (committed every `commit_seconds`)."""

    def __init__(self, db_path: str = DEFAULT_DB, stats=None, commit_seconds: float = 1.0) -> None:
        self.db_path = db_path
        self.stats = stats
        self.commit_seconds = commit_seconds
        self.writer: DatabaseWriter | None = None
        self.batch = ReportBatch()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("REPORTS_DB", DEFAULT_DB), crawler.stats, settings.getfloat("REPORTS_COMMIT_SECONDS", 1.0)
        )

    def open_spider(self) -> None:
        self.writer = DatabaseWriter.acquire(self.db_path, self.commit_seconds)
        self.writer.batch_hooks.append(self.batch)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.commit().result()
            self.writer.batch_hooks.remove(self.batch)
            self.writer.release()
            self.writer = None

    async def process_item(self, item):
        if self.writer is None:
            self.open_spider()
        parsed = item.parsed
        if parsed.unchanged:
            self._count("reports/unchanged")
            return item
        await self.writer.run(self.batch.write, parsed.rows)
        self._count("reports/stored")
        self._count(f"reports/quality/{parsed.quality}")
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


class ReportBatch:
    """The store's part of the writer's batch transaction (all methods run in the writer thread).

    Sections are indexed in `sections_fts` once per batch, not by a trigger per row: FTS5 flushes its
    in-memory index at every savepoint, and a savepoint per report made the index ~1.2 ms of each
    report's ~3 ms of writing; one INSERT … SELECT per batch costs ~0.5 ms per report.
    The delete/update triggers stay, so the index follows rows deleted or changed by anyone; a row
    must therefore be indexed before it is deleted — a report written twice in one batch is.
    """

    def __init__(self) -> None:
        self.written: set[str] = set()  # reports written in the open batch (cross-year checks)
        self.unindexed: set[str] = set()  # reports whose sections are not in sections_fts yet

    def write(self, db, rows: ReportRows) -> None:
        rid = rows.report_id
        with db.atomic():  # a savepoint: this report whole, or not at all
            if rid in self.unindexed:
                index_sections(db, [rid])  # so that the delete trigger removes indexed rows
            for table in CHILD_TABLES:
                db.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
            for table, table_rows in rows.tables.items():
                if table_rows:
                    db.conn.executemany(_insert_sql(table), table_rows)
        self.written.add(rid)
        self.unindexed.add(rid)

    def finish_batch(self, db) -> None:
        index_sections(db, sorted(self.unindexed))
        refresh_carryover(db, self.written)
        self.drop_batch()

    def drop_batch(self) -> None:
        self.written, self.unindexed = set(), set()


def index_sections(db, report_ids: list[str]) -> None:
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        db.conn.execute(
            "INSERT INTO sections_fts (rowid, tokens) SELECT rowid, tokens FROM sections"
            f" WHERE report_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )


@cache
def _insert_sql(table: str) -> str:
    # reports: INSERT OR REPLACE keeps the id; child rows were deleted just before.
    verb = "INSERT OR REPLACE" if table == "reports" else "INSERT"
    columns = COLUMNS[table]
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
