"""The writer-process side of storing reports: each report's rows replace its previous rows, in a
savepoint, inside the writer's batch transaction; the batch's sections are segmented (when the
parser did not) and indexed for full-text search before the batch commits.

Runs in the database writer process (`pipelines/writer.py`); the crawling process only imports the
job functions' names. `REPORT_BATCH` is one of the writer's batch hooks (`writer.BATCH_HOOKS`).
"""

from __future__ import annotations

import pickle
import threading
from functools import cache

from pipelines.crossyear import refresh_carryover
from pipelines.rows import CHILD_TABLES, COLUMNS, ReportRows
from pipelines.segment import Segmenter


def write_report(db, rows: bytes, segmenter: str) -> None:
    """Writer-process job: one report's rows (a pickled `ReportRows`, passed through the crawling
    process as bytes, unread), replacing its previous rows. Sections not segmented yet are segmented
    here (see pipelines/parse.py, stage 5)."""
    report = pickle.loads(rows)
    sections = report.tables.get("sections")
    if sections and any(tokens is None for *_, tokens in sections):
        segment = load_segmenter(db, segmenter).segment
        report.tables["sections"] = [(*row[:4], segment(row[3]) if row[4] is None else row[4]) for row in sections]
    REPORT_BATCH.write(db, report)


_segmenters: dict[str, Segmenter] = {}
_segmenters_lock = threading.Lock()


def load_segmenter(db, engine: str) -> Segmenter:
    """The writer process's segmenter for `engine`, built once (~0.4 s: the dictionary)."""
    with _segmenters_lock:
        if engine not in _segmenters:
            _segmenters[engine] = Segmenter(engine)
        return _segmenters[engine]


def warm_segmenter(db, engine: str) -> None:
    """Writer-process job: build the segmenter in the background while the first reports are parsed,
    so that neither they nor the crawl-state jobs queued meanwhile wait for it."""
    threading.Thread(target=load_segmenter, args=(db, engine), daemon=True).start()


class ReportBatch:
    """The store's part of the writer's batch transaction (all methods run in the writer process).

    Sections are indexed in `sections_fts` once per batch, not by a trigger per row: FTS5 flushes its
    in-memory index at every savepoint, and a savepoint per report made the index ~1.2 ms of each
    report's ~3 ms of writing; one INSERT … SELECT per batch costs ~0.5 ms per report.
    The delete/update triggers stay, so the index follows rows deleted or changed by anyone; a row
    must therefore be indexed before it is deleted — a report written twice in one batch is.
    """

    def __init__(self) -> None:
        # Reports written in the open batch: their sections are not in sections_fts yet, and their
        # cross-year checks are due.
        self.written: set[str] = set()

    def write(self, db, rows: ReportRows) -> None:
        rid = rows.report_id
        with db.atomic():  # a savepoint: this report whole, or not at all
            if rid in self.written:
                index_sections(db, [rid])  # so that the delete trigger removes indexed rows
            for table in CHILD_TABLES:
                db.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
            for table, table_rows in rows.tables.items():
                insert_rows(db.conn, table, table_rows)
        self.written.add(rid)

    def finish_batch(self, db) -> None:
        index_sections(db, sorted(self.written))
        refresh_carryover(db, self.written)
        self.drop_batch()

    def drop_batch(self) -> None:
        self.written = set()


REPORT_BATCH = ReportBatch()  # the writer process's one batch (pipelines/writer.py BATCH_HOOKS)


def index_sections(db, report_ids: list[str]) -> None:
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        db.conn.execute(
            "INSERT INTO sections_fts (rowid, tokens) SELECT rowid, tokens FROM sections"
            f" WHERE report_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )


# Rows go in as multi-row INSERTs of these sizes (largest first): ~160 cells become 5 statements
# instead of 160 steps of an executemany (0.8 -> 0.6 ms per report measured); a handful of fixed
# sizes keeps the statements in the connection's cache.
CHUNK_SIZES = (64, 16, 4, 1)


def insert_rows(conn, table: str, rows: list[tuple]) -> None:
    start = 0
    for size in CHUNK_SIZES:
        while len(rows) - start >= size:
            chunk = rows[start : start + size]
            conn.execute(_insert_sql(table, size), [value for row in chunk for value in row])
            start += size


@cache
def _insert_sql(table: str, rows: int) -> str:
    # reports: INSERT OR REPLACE keeps the id; child rows were deleted just before.
    verb = "INSERT OR REPLACE" if table == "reports" else "INSERT"
    columns = COLUMNS[table]
    values = ", ".join([f"({', '.join('?' * len(columns))})"] * rows)
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES {values}"
