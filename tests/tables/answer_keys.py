"""Reading the corpus answer keys: expected cells and the cells a key marks ambiguous."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.tables.model import TABLE_NAMES

_SEP = re.compile(r"\s*(?:/|\band\b|,)\s*")


@dataclass(frozen=True)
class Expected:
    value: int | float | None
    unit: str | None
    money: bool


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_cells(key: dict) -> dict[tuple[str, str, str], Expected]:
    out = {}
    for table, rows in key["tables"].items():
        for row, cols in (rows or {}).items():
            if row == "extra_rows":
                continue
            for col, value in cols.items():
                if isinstance(value, dict):
                    out[(table, row, col)] = Expected(value["value"], value["unit"], True)
                else:
                    out[(table, row, col)] = Expected(value, None, col in ("fee_amount", "amount"))
    return out


def ambiguous_scopes(key: dict) -> set[tuple[str, str, str]]:
    """`table.row[.col]: why` strings → (table, row|'*', col|'*'); `template:`/`title:` are not cells."""
    scopes = set()
    for note in key.get("ambiguous", []):
        head = note.split(":", 1)[0].strip()
        table, _, rest = head.partition(".")
        if table not in TABLE_NAMES:
            continue
        if not rest:
            scopes.add((table, "*", "*"))
            continue
        rows_part, _, col = rest.partition(".")
        for row in _SEP.split(rows_part):
            if row:
                scopes.add((table, row.strip(), col.strip() or "*"))
    return scopes


def is_ambiguous(scopes: set[tuple[str, str, str]], table: str, row: str, col: str) -> bool:
    return any(t == table and r in (row, "*") and c in (col, "*") for t, r, c in scopes)
