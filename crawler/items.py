"""The one item type: a fetched (or read) report document with its provenance.

Spiders and `scrapy ingest` fill the provenance; the pipelines (see `pipelines/__init__.py`) fill the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Attachment:
    """A file linked from a report page (PDF, DOC, …), downloaded raw."""

    url: str
    body: bytes
    filename: str | None = None  # a safe file name (never a path), from the name below
    content_type: str | None = None
    link_text: str | None = None
    filename_sent: str | None = None  # as sent: Content-Disposition, else link text, else URL basename


@dataclass
class ReportItem:
    # Provenance: set by whoever produced the item.
    source: str  # URL fetched, or for `scrapy ingest` the path exactly as given on the command line
    body: bytes  # raw bytes as served / read
    content_type: str | None = None  # HTTP Content-Type (None for local files)
    encoding: str | None = None  # encoding the fetcher decoded with, when it knows better than sniffing
    filename: str | None = None  # file name of a local file or a downloaded file (a safe name, never a path)
    fetched_at: str | None = None  # ISO 8601 UTC
    region_code: str | None = None  # 6-digit division code of the portal, when the spider knows it
    hints: dict[str, Any] = field(default_factory=dict)  # the listing's own: list_title, list_date, column
    attachments: list[Attachment] = field(default_factory=list)
    crawl_state: dict[str, Any] | None = None  # the page's `crawl_state` row, written with the report's rows
    filename_sent: str | None = None  # the file name as the server sent it (untrusted)
    # Set by the pipelines.
    report_id: str | None = None
    content_sha256: str | None = None
    unchanged: bool = False  # stored already with the same bytes and parser version: nothing to do
    rows: Any = None  # pipelines.rows.ReportRows
