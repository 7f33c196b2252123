"""Spiders that feed local material through the item pipelines, with no network:

- `LocalDocumentsSpider` (`scrapy ingest PATH…`): files and directories given on the command line;
- `StoredDocumentsSpider` (`scrapy reparse`): the raw documents kept in the database.

Both yield `ReportItem`s straight from `start()`, so local documents take exactly the code path
of crawled ones.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import scrapy

from crawler.items import Attachment, ReportItem

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
            hints["read_error"] = f"too large: {size / 1e6:.1f} MB (limit {limit / 1e6:.0f} MB)"
            return b"", hints
        with open(path, "rb") as handle:
            return handle.read(), hints
    except OSError as exc:
        hints["read_error"] = f"cannot read file: {exc.strerror}"
        return b"", hints


class LocalDocumentsSpider(scrapy.Spider):
    name = "ingest"

    def __init__(self, paths: list[str] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.paths = paths or []

    async def start(self):
        for item in self.items():
            yield item

    def items(self) -> Iterator[ReportItem]:
        limit = self.settings.getint("REPORTS_MAX_BYTES")
        for path in expand_paths(self.paths):
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            body, hints = read_document(path, limit)
            yield ReportItem(source=path, body=body, filename=Path(path).name, fetched_at=fetched_at, hints=hints)


class StoredDocumentsSpider(scrapy.Spider):
    """Rebuild every report from the raw documents kept in the database (after a parser upgrade)."""

    name = "reparse"

    async def start(self):
        for item in self.items():
            yield item

    def items(self) -> Iterator[ReportItem]:
        connection = sqlite3.connect(self.settings.get("REPORTS_DB"))
        try:
            ids = [row[0] for row in connection.execute("SELECT DISTINCT report_id FROM documents ORDER BY report_id")]
            for report_id in ids:
                yield stored_item(connection, report_id)
        finally:
            connection.close()


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
        item.attachments.append(Attachment(url=url, body=zlib.decompress(blob), filename=name, content_type=ctype))
    return item
