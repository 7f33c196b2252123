"""What the pipelines learn about one report document, filled stage by stage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pipelines.document import Document
from pipelines.metadata import Metadata
from pipelines.sections import Section
from pipelines.tables.model import Check, TableExtraction

# Bump when parsing changes what is stored: `scrapy reparse` and re-ingests then rebuild the rows.
PARSER_VERSION = "3"


@dataclass
class ParsedReport:
    report_id: str
    content_sha256: str
    unchanged: bool = False  # stored already with the same bytes and parser version: nothing to do
    keep_raw: bool = True  # False for documents too large to keep
    format: str | None = None  # the detected input format (html, text, pdf, …)
    compressed_body: bytes | None = None  # zlib of the raw body, made in the parser process
    report_source: str | None = None  # URL of the attachment the report text came from, if not the page
    document: Document | None = None
    metadata: Metadata = field(default_factory=Metadata)
    sections: list[Section] = field(default_factory=list)
    tables: TableExtraction = field(default_factory=TableExtraction)
    # Why the document could not be read (empty, garbage, unsupported, …): quality becomes "error".
    error: str | None = None
    quality: str = "warning"
    reasons: list[str] = field(default_factory=list)
    # Soft checks found outside the table extractor (narrative numbers, published date, …).
    checks: list[Check] = field(default_factory=list)
    # What the store writes (pipelines/rows.py ReportRows), built by the parse pipeline.
    rows: Any = None

    def for_storage(self) -> ParsedReport:
        """This report as a parser process sends it back: its rows, without the structured results they
        were built from (sections, tables, checks, raw body), which would cost the crawling process
        8× more to unpickle than the rows. Quality, reasons, error and metadata stay; the rest is read
        from `rows` (e.g. the template: `rows.tables["reports"][0]`)."""
        return replace(self, document=None, sections=[], tables=TableExtraction(), checks=[], compressed_body=None)
