"""The one item type: a fetched (or read) report document with its provenance.

Spiders and `scrapy ingest` fill the provenance fields; the pipelines (see
`pipelines/__init__.py`) fill `parsed` and store it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attachment:
    """A file linked from a report page (PDF, DOC, …), downloaded raw."""

    url: str
    body: bytes
    filename: str | None = None  # the real file name: Content-Disposition, else link text, else URL basename
    content_type: str | None = None
    link_text: str | None = None


@dataclass
class ReportItem:
    # Provenance: set by whoever produced the item.
    source: str  # URL fetched, or for `scrapy ingest` the path exactly as given on the command line
    body: bytes  # raw bytes as served / read
    content_type: str | None = None  # HTTP Content-Type (None for local files)
    encoding: str | None = None  # encoding the fetcher decoded with, when it knows better than sniffing
    filename: str | None = None  # file name for local files and attachments
    fetched_at: str | None = None  # ISO 8601 UTC
    region_code: str | None = None  # 6-digit division code of the portal, when the spider knows it
    hints: dict[str, Any] = field(default_factory=dict)  # listing title, list date, column name, …
    attachments: list[Attachment] = field(default_factory=list)
    # Filled by the pipelines.
    parsed: Any = None  # pipelines.report.ParsedReport
