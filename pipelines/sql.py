"""Bulk SQL for the database's writer thread: many rows per statement.

Every statement the writer thread runs gives the GIL away while SQLite works and waits to get it back
behind the crawling thread (`pipelines/database.py`), so rows go in as multi-row INSERTs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

MAX_ROWS_PER_STATEMENT = 2000
MAX_PARAMETERS = 32_000  # SQLite allows 32,766 per statement (since 3.32)


def insert_rows(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...], values: list[tuple], verb: str = "INSERT",
    tail: str = "",
) -> None:  # fmt: skip
    """`verb INTO table (columns) VALUES (…), (…), … tail`, up to MAX_ROWS_PER_STATEMENT rows a statement."""
    names = ", ".join(f"[{column}]" for column in columns)
    one = f"({', '.join('?' * len(columns))})"
    for chunk in chunks(values, max(1, min(MAX_ROWS_PER_STATEMENT, MAX_PARAMETERS // len(columns)))):
        sql = f"{verb} INTO [{table}] ({names}) VALUES {', '.join([one] * len(chunk))}{tail}"
        conn.execute(sql, [value for row in chunk for value in row])


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
