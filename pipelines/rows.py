"""The rows one parsed report becomes in the database (`../shared/spec/database.md`), as plain tuples.

Built where the report was parsed — in the parser process when there is one — so the crawling
process only executes them: tuples of strings and numbers cross the process boundary ~8× cheaper
than the parsed objects (0.1 vs 0.8 ms per report to unpickle, measured on 2,000 corpus reports).
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

COLUMNS: dict[str, tuple[str, ...]] = {
    "reports": (
        "id", "source", "title", "agency", "year", "published", "template", "region_code", "quality",
        "quality_reasons", "format", "index_no", "publisher", "doc_date", "doc_number", "field_sources",
        "report_source", "content_sha256", "parser_version", "fetched_at", "parsed_at",
    ),
    "cells": ("report_id", "table_name", "row_key", "col_key", "value", "raw", "unit"),
    "sections": ("report_id", "number", "heading", "body", "tokens"),
    "checks": ("report_id", "seq", "rule", "scope", "passed", "detail", "severity"),
    "indicators": ("report_id", "seq", "path", "label", "unit", "period", "value", "raw"),
    "extra_rows": ("report_id", "seq", "table_name", "label", "raw"),
    "split_readings": (
        "report_id", "group_no", "reading", "table_name", "row_key", "col_key", "value", "raw", "printed",
    ),
    "documents": (
        "report_id", "seq", "role", "source", "filename", "content_type", "encoding", "sha256", "size",
        "compressed", "fetched_at", "region_code", "hints",
    ),
}  # fmt: skip
CHILD_TABLES = tuple(table for table in COLUMNS if table != "reports")


@dataclass
class ReportRows:
    """Every row of one report, per table, in `COLUMNS[table]` order (`reports` has exactly one)."""

    report_id: str
    tables: dict[str, list[tuple]] = field(default_factory=dict)


def report_rows(parsed: ParsedReport, origin: Any) -> ReportRows:
    """`origin`: the provenance of the document (a `ReportItem` or the parser's `ParseInput`):
    source, body, filename, content_type, encoding, region_code, hints, attachments, fetched_at."""
    rid = parsed.report_id
    checks = [*parsed.tables.checks, *parsed.checks]
    indicators = parsed.tables.indicators
    extra = parsed.tables.extra_rows
    tables = {
        "reports": [report_tuple(parsed, origin)],
        "cells": [(rid, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.unit) for c in parsed.tables.cells],
        "sections": [(rid, s.number, s.heading, s.body, s.tokens) for s in parsed.sections],
        "checks": check_tuples(rid, parsed.error, checks),
        "indicators": [(rid, i, x.path, x.label, x.unit, x.period, x.value, x.raw) for i, x in enumerate(indicators)],
        "extra_rows": [
            (rid, i, t, label, json.dumps(raw, ensure_ascii=False)) for i, (t, label, raw) in enumerate(extra)
        ],
        "documents": document_tuples(parsed, origin),
        "split_readings": reading_rows(rid, parsed.tables.alternatives),
    }
    return ReportRows(rid, tables)


def report_tuple(parsed: ParsedReport, origin: Any) -> tuple:
    meta = parsed.metadata
    return (
        parsed.report_id, origin.source, meta.title, meta.agency, meta.year, meta.published,
        parsed.tables.template, meta.region_code, parsed.quality, "\n".join(parsed.reasons) or None,
        parsed.format, meta.index_no, meta.publisher, meta.doc_date, meta.doc_number,
        json.dumps(meta.sources, ensure_ascii=False) if meta.sources else None,
        parsed.report_source, parsed.content_sha256, PARSER_VERSION, origin.fetched_at,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip


def check_tuples(rid: str, error: str | None, checks: list[Check]) -> list[tuple]:
    """`checks` rows; the input error (if any) first, as seq 0."""
    rows = [(rid, 0, "input", "document", 0, error, "error")] if error else []
    first = len(rows)
    rows += [(rid, first + i, check.rule, check.scope, int(check.passed), check.detail,
              "hard" if check.hard else "soft") for i, check in enumerate(checks)]  # fmt: skip
    return rows


def document_tuples(parsed: ParsedReport, origin: Any) -> list[tuple]:
    """The raw documents (zlib), so `scrapy reparse` can rebuild the report without fetching it again."""
    if not parsed.keep_raw:
        return []
    hints = json.dumps(origin.hints, ensure_ascii=False) if origin.hints else None
    body = origin.body
    rows = [(parsed.report_id, 0, "main", origin.source, origin.filename, origin.content_type, origin.encoding,
             hashlib.sha256(body).hexdigest(), len(body), parsed.compressed_body or zlib.compress(body, 6),
             origin.fetched_at, origin.region_code, hints)]  # fmt: skip
    for seq, attachment in enumerate(origin.attachments, start=1):
        data = attachment.body
        rows.append((parsed.report_id, seq, "attachment", attachment.url, attachment.filename,
                     attachment.content_type, None, hashlib.sha256(data).hexdigest(), len(data),
                     zlib.compress(data, 6), origin.fetched_at, None, None))  # fmt: skip
    return rows
