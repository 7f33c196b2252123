"""Spiders that feed local material through the item pipelines, with no network:

- `LocalDocumentsSpider` (`scrapy ingest PATH…`): files and directories given on the command line;
- `StoredDocumentsSpider` (`scrapy reparse`): the raw documents kept in the database.

Both yield `ReportItem`s straight from `start()`, so local documents take exactly the code path
of crawled ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import scrapy
from scrapy import signals

from crawler.items import Attachment, ReportItem
from pipelines.store import database_for

# Files that are never reports: our own databases, editor and OS droppings.
_SKIP_SUFFIXES = (".db", ".db-wal", ".db-shm", ".json", ".pyc")
_SKIP_NAMES = (".DS_Store", "Thumbs.db")


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given, and every file under a given directory (sorted, recursive), as path strings."""
    files = []
    for given in paths:
        if os.path.isdir(given):
            for root, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(os.path.join(root, name) for name in sorted(names) if _wanted(name))
        else:
            files.append(given)
    return files


def _wanted(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(_SKIP_SUFFIXES) and name not in _SKIP_NAMES


def read_document(path: str, limit: int) -> tuple[bytes, dict]:
    """The file's bytes and its hints; a file over `limit` bytes is not read at all (recorded as an error)."""
    hints = {"local_path": os.path.abspath(path)}
    try:
        size = os.path.getsize(path)
        if size > limit:
            hints["read_error"] = f"too large: {size / 2**20:.1f} MiB (limit {limit / 2**20:.0f} MiB)"
            return b"", hints
        with open(path, "rb") as handle:
            return handle.read(), hints
    except OSError as exc:
        hints["read_error"] = f"cannot read file: {exc.strerror}"
        return b"", hints


class _BoundedItems(scrapy.Spider):
    """Yields items from `items()` with at most `max_in_flight` of them inside the pipelines at once.

    Scrapy pulls start() as fast as it can; without this bound a 2,000-document ingest would hold
    every document in memory at the same time.

    When the last item has left the pipelines the spider closes itself: Scrapy notices that a spider
    with nothing to download is done only at its next heartbeat (every 5 s), which was a third of
    a 2,000-report ingest's wall time.
    """

    max_in_flight = 32
    # Nothing is downloaded: without the HTTP handlers Scrapy starts ~0.3 s sooner (importing its
    # HTTP/1.1 handler builds deprecation shims that inspect the call stack).
    custom_settings: ClassVar[dict] = {"DOWNLOAD_HANDLERS": {"http": None, "https": None}}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.in_flight = 0
        spider.all_yielded = False
        spider.closing = None
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_left, signal=signal)
        return spider

    def _item_left(self, **_) -> None:
        self.in_flight -= 1
        self._close_when_done()

    def _close_when_done(self) -> None:
        if self.all_yielded and self.in_flight == 0 and not self.closing:
            self.closing = asyncio.ensure_future(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        # The item that called us is still counted in the scraper until its signal handlers return,
        # and the scraper only completes a close when it is idle: wait for that first.
        engine = self.crawler.engine
        while engine.spider is self and not engine.spider_is_idle():
            await asyncio.sleep(0.01)
        if engine.spider is self:
            await engine.close_spider_async(reason="finished")  # idempotent with the engine's own close

    async def start(self):
        for item in self.items():
            while self.in_flight >= self.max_in_flight:
                await asyncio.sleep(0.005)
            self.in_flight += 1
            yield item
        self.all_yielded = True
        self._close_when_done()

    def items(self) -> Iterator[ReportItem]:
        raise NotImplementedError


class LocalDocumentsSpider(_BoundedItems):
    name = "ingest"

    def __init__(self, paths: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.paths = paths or []

    def items(self) -> Iterator[ReportItem]:
        limit = self.settings.getint("REPORTS_MAX_BYTES")
        for path in expand_paths(self.paths):
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            body, hints = read_document(path, limit)
            yield ReportItem(source=path, body=body, filename=Path(path).name, fetched_at=fetched_at, hints=hints)


class StoredDocumentsSpider(_BoundedItems):
    """Rebuild every report from the raw documents kept in the database (after a parser upgrade)."""

    name = "reparse"

    def items(self) -> Iterator[ReportItem]:
        reader = database_for(self.crawler).reader()
        ids = [row[0] for row in reader.execute("SELECT DISTINCT report_id FROM documents ORDER BY report_id")]
        for report_id in ids:
            yield stored_item(reader, report_id)


def stored_item(connection: sqlite3.Connection, report_id: str) -> ReportItem:
    rows = connection.execute(
        "SELECT source, filename, content_type, encoding, compressed, fetched_at, region_code, hints "
        "FROM documents WHERE report_id = ? ORDER BY seq",
        [report_id],
    ).fetchall()
    source, filename, content_type, encoding, compressed, fetched_at, region_code, hints = rows[0]
    item = ReportItem(
        source=source, body=zlib.decompress(compressed), content_type=content_type, encoding=encoding,
        filename=filename, fetched_at=fetched_at, region_code=region_code, hints=json.loads(hints or "{}"),
    )  # fmt: skip
    for url, name, ctype, _, blob, *_ in rows[1:]:
        if blob is not None:  # (a file refused as too large was not kept: there is nothing to parse again)
            item.attachments.append(Attachment(url=url, body=zlib.decompress(blob), filename=name, content_type=ctype))
    return item
