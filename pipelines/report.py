"""What parsing learns about one report document, filled stage by stage (`pipelines/parse.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    keep_raw: bool = True  # False for documents too large to keep
    format: str | None = None  # the detected input format (html, text, pdf, …)
    compressed_body: bytes | None = None  # zlib of the raw body
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
    # Readable, but nothing of a report (a news page, a challenge page that passed as a page): a crawl
    # records it as skipped instead of storing it; a local file is stored as an error report.
    not_a_report: bool = False
    refused: set[str] = field(default_factory=set)  # attachment URLs too large to keep
