"""Score an OCR'd report's canonical cells against its answer key: exact, NULL and flagged, or wrong.

Unlike `keys.check_key` (which reads grids and fails on the first difference), OCR results are counted,
because a NULL cell with its raw reading and a failed check is a correct outcome for an unreadable cell.
A wrong value is "flagged" when a failed check names its row or column (a rule it breaks, or the row's
split/ocr check), and "silent" otherwise: the one outcome that must never happen. A table not found at all
has no cells: its key cells are counted apart (`table_missing`); the parser records a failed `table` check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.tables.model import TableExtraction

FLAG_RULES = {"ocr", "split", "cells", "label", "R3.1", "R3.2", "R3.3", "R4.1", "R0"}


@dataclass
class Score:
    exact: int = 0
    null_flagged: int = 0  # NULL with a failed check on its row: the reader said it could not read it
    wrong_flagged: int = 0  # a wrong value, but a failed check names its row or column
    table_missing: int = 0  # cells of a table that was not found (no cells stored; a failed `table` check)
    silent: list[str] = field(default_factory=list)  # wrong and unflagged (or NULL without any flag)

    @property
    def total(self) -> int:
        return self.exact + self.null_flagged + self.wrong_flagged + self.table_missing + len(self.silent)

    @property
    def recovery(self) -> float:
        return self.exact / self.total if self.total else 0.0

    def add(self, other: Score) -> None:
        self.exact += other.exact
        self.null_flagged += other.null_flagged
        self.wrong_flagged += other.wrong_flagged
        self.table_missing += other.table_missing
        self.silent.extend(other.silent)


def _expected(value: object) -> object:
    return value["value"] if isinstance(value, dict) else value


def _key_cells(key: dict) -> dict[tuple[str, str, str], object]:
    cells = {}
    for table, rows in key["tables"].items():
        if not rows:
            continue
        for row, cols in rows.items():
            if row == "extra_rows":
                continue
            for col, value in cols.items():
                cells[(table, row, col)] = _expected(value)
    return cells


def score(extraction: TableExtraction, key: dict) -> Score:
    got = {(c.table_name, c.row_key, c.col_key): c for c in extraction.cells}
    failed = [c for c in extraction.checks if not c.passed and c.rule in FLAG_RULES]
    out = Score()
    for (table, row, col), want in _key_cells(key).items():
        if table not in extraction.tables_found:
            out.table_missing += 1
            continue
        cell = got.get((table, row, col))
        value = cell.value if cell else None
        if value == want:  # a key null and a blank cell are equal too
            out.exact += 1
            continue
        flags = [c for c in failed if _names(c.scope, table, row, col)]
        if value is None and flags:
            out.null_flagged += 1
        elif value is not None and flags:
            out.wrong_flagged += 1
        else:
            out.silent.append(f"{table}.{row}.{col}: key {want!r}, got {value!r} (raw {cell.raw if cell else None!r})")
    return out


def _names(scope: str, table: str, row: str, col: str) -> bool:
    """Does a failed check's scope cover the cell (its row, its column, or its table for R0)?"""
    if scope in (f"{table}.{row}", table, row, col, f"{table}.extra"):
        return True
    return table == "review_litigation" and scope.startswith(f"{table}.")  # the flat 15-cell row
