"""The discovery record in the reports database: `portal_columns`, `portal_discovery`, `browser_pages`
(created by migration m010_portal_discovery in pipelines/schema.py, described in data/metadata.yml).

Everything goes through the run's database (`CrawlState.db`, a `pipelines.database.ReportsDatabase`):
reads see what has been committed (earlier runs); `portal_discovery` and `browser_pages` rows are queued
upserts (one key column, written in bulk by the database's writer thread); `portal_columns` is keyed by
(portal, column URL), which the bulk upsert cannot express, so its rows are written by `call` — once
per portal whose column was found or moved, rare enough to wait for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


COLUMN_KEY = ("portal", "column_url")


def save_column(db, values: dict[str, Any]) -> None:
    """(writer thread) Insert or confirm one column; `first_found` stays from the run that first found it."""
    columns = list(values)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in (*COLUMN_KEY, "first_found"))
    db.conn.execute(
        f"insert into portal_columns ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"
        f" on conflict (portal, column_url) do update set {updates}",
        list(values.values()),
    )


def mark_moved(db, portal: str, column_url: str, reason: str, stamp: str) -> None:
    """(writer thread) A recorded column that no longer answers as one."""
    db.conn.execute(
        "update portal_columns set status = 'moved', reason = ?, last_confirmed = ? where portal = ? and column_url = ?",
        [reason, stamp, portal, column_url],
    )


class EvidenceStore:
    def __init__(self, state):
        self.db = state.db  # crawler.state.CrawlState's pipelines.database.ReportsDatabase

    def known_columns(self, portal: str) -> list[dict[str, Any]]:
        """Columns an earlier run found for this home page and that were still columns when last seen."""
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
        self.db.call(save_column, values)

    def column_moved(self, portal: str, column_url: str, reason: str) -> None:
        self.db.call(mark_moved, portal, column_url, reason, now())

    def outcome(self, portal: str, **fields: Any) -> None:
        self.db.upsert("portal_discovery", {"portal": portal, **fields, "checked": now()}, "portal")

    def browser_page(self, url: str, status: int, reason: str, ok: bool, spider: str) -> None:
        values = {"url": url, "status": status, "reason": reason, "ok": int(ok), "spider": spider, "fetched_at": now()}
        self.db.upsert("browser_pages", values, "url")
