"""IdentifyReportPipeline: give the item its stable id and content hash, and spot unchanged documents.

An unchanged document (same bytes, same parser version as stored) skips every later stage:
re-running a crawl or an ingest then costs one hash and one lookup per document.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from pipelines.report import PARSER_VERSION, ParsedReport

DEFAULT_DB = "data/reports.db"


def report_id(item) -> str:
    """Stable id: same source → same id across runs (local files by absolute path)."""
    key = item.hints.get("local_path") or item.source.split("#", 1)[0]
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def content_hash(item) -> str:
    """Hash of the report bytes and its attachments."""
    digest = hashlib.sha256(item.body)
    for attachment in item.attachments:
        digest.update(b"\0attachment\0" + attachment.url.encode() + b"\0" + attachment.body)
    return digest.hexdigest()


class IdentifyReportPipeline:
    def __init__(self, db_path: str = DEFAULT_DB, force: bool = False) -> None:
        self.db_path = db_path
        self.force = force  # `scrapy reparse`: rebuild even unchanged reports
        self.connection: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("REPORTS_DB", DEFAULT_DB), crawler.settings.getbool("REPORTS_FORCE_REPARSE"))

    def open_spider(self) -> None:
        if Path(self.db_path).exists():
            self.connection = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)

    def close_spider(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def process_item(self, item):
        rid, sha = report_id(item), content_hash(item)
        unchanged = not self.force and self._stored(rid) == (sha, PARSER_VERSION)
        item.parsed = ParsedReport(report_id=rid, content_sha256=sha, unchanged=unchanged)
        return item

    def _stored(self, rid: str) -> tuple | None:
        if self.connection is None:
            return None
        try:
            # An error may come from the environment (a converter missing, a timeout): always try again.
            row = self.connection.execute(
                "SELECT content_sha256, parser_version FROM reports WHERE id = ? AND quality != 'error'", [rid]
            )
            return row.fetchone()
        except sqlite3.OperationalError:  # a new database without the reports table yet
            return None
