"""The discovery record in the reports database: `portal_columns`, `portal_discovery`, `browser_pages`
(created by migration m010_portal_discovery in pipelines/schema.py, described in data/metadata.yml).

Everything goes through the run's database (`CrawlState.db`, a `pipelines.database.ReportsDatabase`):
reads see what has been committed (earlier runs); writes are queued upserts, written in bulk by the
database's writer thread (the crawl never waits for them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


COLUMN_KEY = ("portal", "column_url")


class EvidenceStore:
    def __init__(self, state):
        self.db = state.db  # crawler.state.CrawlState's pipelines.database.ReportsDatabase

    def known_columns(self, portal: str) -> list[dict[str, Any]]:
        """Columns an earlier run found for this home page and that were still columns when last seen."""
        if hasattr(self.db, "known_columns"):  # a distributed crawl worker reads them from Redis (pipelines/relay.py)
            return self.db.known_columns(portal)
        sql = (
            "select column_url, link_text, method, found_on, first_found from portal_columns"
            " where portal = ? and status = 'found' order by first_found"
        )
        return [dict(row) for row in self.db.query(sql, [portal])]

    def column_found(self, portal: str, region_code: str, column: dict[str, str]) -> None:
        """Record (or confirm) one column."""
        stamp = now()
        values = {
            "portal": portal, "column_url": column["url"], "region_code": region_code, "link_text": column["text"],
            "method": column["method"], "found_on": column["found_on"], "evidence": column["evidence"],
            "status": "found", "reason": None, "first_found": stamp, "last_confirmed": stamp,
        }  # fmt: skip
        self.db.upsert("portal_columns", values, COLUMN_KEY, keep=("first_found",))  # first found: the first run's

    def column_moved(self, portal: str, column_url: str, reason: str) -> None:
        """A recorded column that no longer answers as one."""
        values = {
            "portal": portal,
            "column_url": column_url,
            "status": "moved",
            "reason": reason,
            "last_confirmed": now(),
        }
        self.db.upsert("portal_columns", values, COLUMN_KEY)

    def outcome(self, portal: str, **fields: Any) -> None:
        self.db.upsert("portal_discovery", {"portal": portal, **fields, "checked": now()}, "portal")

    def browser_page(self, url: str, status: int, reason: str, ok: bool, spider: str) -> None:
        values = {"url": url, "status": status, "reason": reason, "ok": int(ok), "spider": spider, "fetched_at": now()}
        self.db.upsert("browser_pages", values, "url")
