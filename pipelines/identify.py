"""IdentifyReportPipeline: give the item its stable id and content hash, and spot unchanged documents.

An unchanged document (same bytes, same parser version as stored) skips every later stage:
re-running a crawl or an ingest then costs one hash and one lookup per document.
"""

from __future__ import annotations

import hashlib

from pipelines.database import ReportsDatabase
from pipelines.report import PARSER_VERSION
from pipelines.store import database_for


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
    def __init__(self, db: ReportsDatabase, force: bool = False) -> None:
        self.db = db
        self.force = force  # `scrapy reparse`: rebuild even unchanged reports

    @classmethod
    def from_crawler(cls, crawler):
        return cls(database_for(crawler), crawler.settings.getbool("REPORTS_FORCE_REPARSE"))

    def process_item(self, item):
        item.report_id, item.content_sha256 = report_id(item), content_hash(item)
        item.unchanged = not self.force and self._stored(item.report_id) == (item.content_sha256, PARSER_VERSION)
        return item

    def _stored(self, rid: str) -> tuple | None:
        # An error may come from the environment (a converter missing, a timeout): always try again.
        rows = self.db.query(
            "SELECT content_sha256, parser_version FROM reports WHERE id = ? AND quality != 'error'", [rid]
        )
        return tuple(rows[0]) if rows else None
