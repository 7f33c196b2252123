"""The rows one report becomes in the database (`../shared/spec/database.md`): one shape, named columns.

Each builder below writes a row as a dict (column → value), so every value is named where it is computed;
`TableRows` packs a table's dicts into column names + value tuples, the form in which rows cross a process
boundary (one pickle, built in the parser process) and are written (`pipelines/database.py`, in bulk).
The columns themselves are the schema's (`pipelines/schema.py`); tests/test_rows.py checks that every row
built here fits it.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.report import PARSER_VERSION, ParsedReport
from pipelines.tables.alternatives import reading_rows
from pipelines.tables.model import Check


@dataclass(frozen=True)
class TableRows:
    """Rows of one table: column names once, then one tuple of values per row."""

    columns: tuple[str, ...]
    values: list[tuple]

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> TableRows:
        columns = tuple(rows[0]) if rows else ()
        return cls(columns, [tuple(row[column] for column in columns) for row in rows])

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, values, strict=True)) for values in self.values]


@dataclass
class ReportRows:
    """Everything one report writes: its rows per table (they replace what the report had), and the crawl
    state of the page it came from (set by the store for crawled pages; committed together)."""

    report_id: str
    tables: dict[str, TableRows] = field(default_factory=dict)
    crawl_state: dict[str, Any] | None = None
    not_a_report: bool = False  # see ParsedReport.not_a_report
    retry: bool = False  # not read for a reason that may pass (a parser process died, a converter failed)

    @property
    def report(self) -> dict[str, Any]:
        """The `reports` row."""
        return self.tables["reports"].dicts()[0]

    @property
    def source(self) -> str:
        return self.tables["reports"].values[0][self.tables["reports"].columns.index("source")]

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables[table].dicts() if table in self.tables else []


def report_rows(parsed: ParsedReport, item: Any) -> ReportRows:
    """The rows of `parsed`, the report read from `item` (a `crawler.items.ReportItem`: its provenance)."""
    rid = parsed.report_id
    tables = {
        "reports": [report_row(parsed, item)],
        "cells": [
            {"report_id": rid, "table_name": c.table_name, "row_key": c.row_key, "col_key": c.col_key,
             "value": c.value, "raw": c.raw, "unit": c.unit}
            for c in parsed.tables.cells
        ],
        "sections": [
            {"report_id": rid, "number": s.number, "heading": s.heading, "body": s.body, "tokens": s.tokens}
            for s in parsed.sections
        ],
        "checks": check_rows(rid, parsed.error, [*parsed.tables.checks, *parsed.checks]),
        "indicators": [
            {"report_id": rid, "seq": seq, "path": x.path, "label": x.label, "unit": x.unit, "period": x.period,
             "value": x.value, "raw": x.raw}
            for seq, x in enumerate(parsed.tables.indicators)
        ],
        "extra_rows": [
            {"report_id": rid, "seq": seq, "table_name": table, "label": label,
             "raw": json.dumps(raw, ensure_ascii=False)}
            for seq, (table, label, raw) in enumerate(parsed.tables.extra_rows)
        ],
        "documents": document_rows(parsed, item),
        "split_readings": reading_rows(rid, parsed.tables.alternatives),
    }  # fmt: skip
    return ReportRows(
        rid, {table: TableRows.of(rows) for table, rows in tables.items() if rows},
        not_a_report=parsed.not_a_report, retry=any(cause in (parsed.error or "") for cause in TRANSIENT),
    )  # fmt: skip


# Errors that say nothing of the document: a converter that crashed, a parser process that died.
TRANSIENT = ("converter failed", "parser process died")


def report_row(parsed: ParsedReport, item: Any) -> dict[str, Any]:
    meta = parsed.metadata
    return {
        "id": parsed.report_id, "source": item.source, "title": meta.title, "agency": meta.agency,
        "year": meta.year, "published": meta.published, "template": parsed.tables.template,
        "region_code": meta.region_code, "quality": parsed.quality,
        "quality_reasons": "\n".join(parsed.reasons) or None, "format": parsed.format, "index_no": meta.index_no,
        "publisher": meta.publisher, "doc_date": meta.doc_date, "doc_number": meta.doc_number,
        "field_sources": json.dumps(meta.sources, ensure_ascii=False) if meta.sources else None,
        "report_source": parsed.report_source, "content_sha256": parsed.content_sha256,
        "parser_version": PARSER_VERSION, "fetched_at": item.fetched_at,
        "parsed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip


def check_rows(rid: str, error: str | None, checks: list[Check]) -> list[dict[str, Any]]:
    """`checks` rows; the input error (if any) first, as seq 0."""
    rows = []
    if error:
        rows.append({"report_id": rid, "seq": 0, "rule": "input", "scope": "document", "passed": 0,
                     "detail": error, "severity": "error"})  # fmt: skip
    for check in checks:
        rows.append({"report_id": rid, "seq": len(rows), "rule": check.rule, "scope": check.scope,
                     "passed": int(check.passed), "detail": check.detail,
                     "severity": "hard" if check.hard else "soft"})  # fmt: skip
    return rows


def document_rows(parsed: ParsedReport, item: Any) -> list[dict[str, Any]]:
    """The raw documents (zlib), so `scrapy reparse` can rebuild the report without fetching it again."""
    if not parsed.keep_raw:
        return []
    rid, body = parsed.report_id, item.body
    rows = [
        {"report_id": rid, "seq": 0, "role": "main", "source": item.source, "filename": item.filename,
         "content_type": item.content_type, "encoding": item.encoding, "sha256": hashlib.sha256(body).hexdigest(),
         "size": len(body), "compressed": parsed.compressed_body or zlib.compress(body, 6),
         "fetched_at": item.fetched_at, "region_code": item.region_code,
         "hints": json.dumps(item.hints, ensure_ascii=False) if item.hints else None,
         "filename_sent": item.filename_sent}
    ]  # fmt: skip
    for seq, attachment in enumerate(item.attachments, start=1):
        data = attachment.body
        kept = zlib.compress(data, 6) if attachment.url not in parsed.refused else None  # (why: in checks)
        rows.append(
            {"report_id": rid, "seq": seq, "role": "attachment", "source": attachment.url,
             "filename": attachment.filename, "content_type": attachment.content_type, "encoding": None,
             "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "compressed": kept,
             "fetched_at": item.fetched_at, "region_code": None, "hints": None,
             "filename_sent": attachment.filename_sent}
        )  # fmt: skip
    return rows
