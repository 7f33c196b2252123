"""StoreReportPipeline: one report → its rows in SQLite, atomically, replacing its previous rows.

Reports are keyed by where they came from (URL, or the absolute path of a local file), so
re-reading an unchanged document changes nothing and a changed document replaces its own rows.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from pipelines.crossyear import refresh_carryover
from pipelines.report import PARSER_VERSION, ParsedReport
from pipelines.schema import open_database
from pipelines.tables.model import Check

DEFAULT_DB = "data/reports.db"


CHILD_TABLES = ("cells", "sections", "checks", "indicators", "extra_rows", "documents")


class StoreReportPipeline:
    """Each report is written inside its own savepoint (whole or not at all); savepoints are committed
    together every `commit_seconds` — FTS5 and WAL pay per commit, not per row, so committing every
    report would cost more than parsing it. A crash loses at most that last second of whole reports,
    which the next run writes again: it never leaves half a report."""

    def __init__(self, db_path: str = DEFAULT_DB, stats=None, commit_seconds: float = 1.0) -> None:
        self.db_path = db_path
        self.stats = stats
        self.commit_seconds = commit_seconds
        self.db = None
        self.batch_started = 0.0
        self.written: set[str] = set()  # reports written in the open batch

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            settings.get("REPORTS_DB", DEFAULT_DB), crawler.stats, settings.getfloat("REPORTS_COMMIT_SECONDS", 1.0)
        )

    def open_spider(self) -> None:
        Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        self.db = open_database(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.commit()
            self.db.close()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            refresh_carryover(self.db, self.written)
            self.db.conn.execute("COMMIT")
        self.written = set()

    def process_item(self, item):
        if self.db is None:
            self.open_spider()
        parsed: ParsedReport = item.parsed
        rid = parsed.report_id
        if parsed.unchanged:
            self._count("reports/unchanged")
            return item
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
            self.batch_started = time.monotonic()
        with self.db.atomic():  # a savepoint: this report whole, or not at all
            self._write(rid, item, parsed)
        self.written.add(rid)
        if time.monotonic() - self.batch_started >= self.commit_seconds:
            self.commit()
        self._count("reports/stored")
        self._count(f"reports/quality/{parsed.quality}")
        return item

    def _write(self, rid: str, item, parsed: ParsedReport) -> None:
        for table in CHILD_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
        checks = [*parsed.tables.checks, *parsed.checks]
        self._insert("reports", [report_row(rid, item, parsed)], replace=True)
        self._insert_tuples("cells", CELL_COLUMNS, cell_tuples(rid, parsed.tables.cells))
        self._insert("sections", [section_row(rid, section) for section in parsed.sections])
        self._insert_tuples("checks", CHECK_COLUMNS, check_tuples(rid, parsed, checks))
        self._insert(
            "indicators",
            [{"report_id": rid, "seq": i, **asdict(ind)} for i, ind in enumerate(parsed.tables.indicators)],
        )
        self._insert("extra_rows", extra_rows(rid, parsed))
        self._insert("documents", document_rows(rid, item))

    def _insert(self, table: str, rows: list[dict], replace: bool = False) -> None:
        # Plain executemany inside the caller's transaction: sqlite-utils' insert_all costs ~3 ms per
        # report in introspection and nested savepoints, half the whole per-report budget.
        if not rows:
            return
        columns = tuple(rows[0])
        self._insert_tuples(table, columns, [[row.get(column) for column in columns] for row in rows], replace)

    def _insert_tuples(self, table: str, columns: tuple[str, ...], rows: list, replace: bool = False) -> None:
        """Rows already in column order: the ~160 cells and ~45 checks of a report skip the dict round trip
        (building and reading a dict per row was ~1 ms per report of the main process)."""
        if rows:
            self.db.conn.executemany(_insert_sql(table, columns, replace), rows)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def report_row(rid: str, item, parsed: ParsedReport) -> dict:
    meta = parsed.metadata
    return {
        "id": rid, "source": item.source, "title": meta.title, "agency": meta.agency, "year": meta.year,
        "published": meta.published, "template": parsed.tables.template, "region_code": meta.region_code,
        "quality": parsed.quality, "quality_reasons": "\n".join(parsed.reasons) or None,
        "format": parsed.format, "index_no": meta.index_no,
        "publisher": meta.publisher, "doc_date": meta.doc_date, "doc_number": meta.doc_number,
        "field_sources": json.dumps(meta.sources, ensure_ascii=False) if meta.sources else None,
        "report_source": parsed.report_source, "content_sha256": parsed.content_sha256, "parser_version": PARSER_VERSION, "fetched_at": item.fetched_at,
        "parsed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip


CELL_COLUMNS = ("report_id", "table_name", "row_key", "col_key", "value", "raw", "unit")
CHECK_COLUMNS = ("report_id", "seq", "rule", "scope", "passed", "detail", "severity")


@cache
def _insert_sql(table: str, columns: tuple[str, ...], replace: bool) -> str:
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def cell_tuples(rid: str, cells) -> list[tuple]:
    """`cells` rows in CELL_COLUMNS order."""
    return [(rid, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.unit) for c in cells]


def section_row(rid: str, section) -> dict:
    return {"report_id": rid, "number": section.number, "heading": section.heading, "body": section.body,
            "tokens": section.tokens}  # fmt: skip


def check_tuples(rid: str, parsed: ParsedReport, checks: list[Check]) -> list[tuple]:
    """`checks` rows in CHECK_COLUMNS order; the input error (if any) first, as seq 0."""
    rows = [(rid, 0, "input", "document", 0, parsed.error, "error")] if parsed.error else []
    first = len(rows)
    rows += [(rid, first + i, check.rule, check.scope, int(check.passed), check.detail,
              "hard" if check.hard else "soft") for i, check in enumerate(checks)]  # fmt: skip
    return rows


def extra_rows(rid: str, parsed: ParsedReport) -> list[dict]:
    return [{"report_id": rid, "seq": i, "table_name": table, "label": label,
             "raw": json.dumps(raw, ensure_ascii=False)}
            for i, (table, label, raw) in enumerate(parsed.tables.extra_rows)]  # fmt: skip


def document_rows(rid: str, item) -> list[dict]:
    if not item.parsed.keep_raw:
        return []
    hints = item.hints
    rows = [_document_row(rid, 0, "main", item.source, item.filename, item.content_type, item.body, item)]
    rows[0]["compressed"] = item.parsed.compressed_body or rows[0]["compressed"]
    rows[0].update(encoding=item.encoding, region_code=item.region_code,
                   hints=json.dumps(hints, ensure_ascii=False) if hints else None)  # fmt: skip
    for seq, attachment in enumerate(item.attachments, start=1):
        rows.append(_document_row(rid, seq, "attachment", attachment.url, attachment.filename,
                                  attachment.content_type, attachment.body, item))  # fmt: skip
    return rows


def _document_row(rid, seq, role, source, filename, content_type, body: bytes, item) -> dict:
    return {"report_id": rid, "seq": seq, "role": role, "source": source, "filename": filename,
            "content_type": content_type, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
            "compressed": None if role == "main" and item.parsed.compressed_body else zlib.compress(body, 6),
            "fetched_at": item.fetched_at}  # fmt: skip
