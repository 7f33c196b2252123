"""The discovery record in the reports database: `portal_columns`, `portal_discovery`, `browser_pages`
(created by migration m008 in pipelines/schema.py, described in data/metadata.yml).

Writes are queued to the database's one writer and reads see what earlier runs committed, through the
run's `CrawlState` (crawler/state.py) — the one place that knows how to reach the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def upsert(table: str, key: tuple[str, ...], values: dict[str, Any], keep: tuple[str, ...] = ()) -> tuple[str, list]:
    """An insert that updates the row of the same key, except the `keep` columns."""
    columns = list(values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key + keep)
    sql = (
        f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
        f" on conflict({', '.join(key)}) do update set {updates}"
    )
    return sql, list(values.values())


class EvidenceStore:
    def __init__(self, state):
        self.state = state  # crawler.state.CrawlState

    def known_columns(self, portal: str) -> list[dict[str, Any]]:
        """Columns an earlier run found for this home page and that were still columns when last seen."""
        sql = (
            "select column_url, link_text, method, found_on, first_found from portal_columns"
            " where portal = ? and status = 'found' order by first_found"
        )
        return self.state.query(sql, [portal])

    def column_found(self, portal: str, region_code: str, column: dict[str, str]) -> None:
        """Record (or confirm) one column; `first_found` stays from the first run that found it."""
        stamp = now()
        values = {
            "portal": portal, "column_url": column["url"], "region_code": region_code, "link_text": column["text"],
            "method": column["method"], "found_on": column["found_on"], "evidence": column["evidence"],
            "status": "found", "reason": None, "first_found": stamp, "last_confirmed": stamp,
        }  # fmt: skip
        sql, params = upsert("portal_columns", ("portal", "column_url"), values, keep=("first_found",))
        self.state.write(sql, params)

    def column_moved(self, portal: str, column_url: str, reason: str) -> None:
        sql = "update portal_columns set status = 'moved', reason = ?, last_confirmed = ? where portal = ? and column_url = ?"
        self.state.write(sql, [reason, now(), portal, column_url])

    def outcome(self, portal: str, **fields: Any) -> None:
        sql, params = upsert("portal_discovery", ("portal",), {"portal": portal, **fields, "checked": now()})
        self.state.write(sql, params)

    def browser_page(self, url: str, status: int, reason: str, ok: bool, spider: str) -> None:
        values = {"url": url, "status": status, "reason": reason, "ok": int(ok), "spider": spider, "fetched_at": now()}
        sql, params = upsert("browser_pages", ("url",), values)
        self.state.write(sql, params)
