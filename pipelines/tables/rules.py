"""Consistency rules over the final cells (template.md): R3.1, R3.2, R3.3, R4.1 and R0.

Blank cells count as 0 in the arithmetic; a rule whose cells are all blank passes only vacuously
and says so in `detail`. A rule touching a cell left NULL by an unresolved split cannot be
evaluated: it is recorded as not passed, "undetermined".
"""

from __future__ import annotations

from functools import cache

from pipelines.tables.model import Cell, Check
from pipelines.tables.template import APP_COLS, RESULT_ROWS, REVIEW_COLS, REVIEW_ROWS

Key = tuple[str, str]  # (row_key, col_key)


def _check(rule: str, scope: str, table: dict[Key, Cell], left: list[Key], right: list[Key], unsure: set[Key]):
    # ~40 checks per report: one pass per side, and the names of the key lists are cached.
    in_left = [k for k in left if k in table]
    in_right = [k for k in right if k in table]
    if not in_left or not in_right:
        return None
    present = in_left + in_right
    if unsure and any(k in unsure for k in present):
        names = ", ".join(f"{r}.{c}" for r, c in present if (r, c) in unsure)
        return Check(rule, scope, False, f"undetermined: unresolved split in {names}")
    lsum = sum(table[k].value or 0 for k in in_left)
    rsum = sum(table[k].value or 0 for k in in_right)
    blanks = [f"{r}.{c}" for r, c in present if table[(r, c)].value is None]
    ok = lsum == rsum
    text = f"{_name(tuple(left))} = {_fmt(lsum)} vs {_name(tuple(right))} = {_fmt(rsum)}"
    if len(blanks) == len(present):
        text = f"vacuous: all {len(present)} cells blank (blank counted as 0)"
    elif blanks:
        text += f"; blank counted as 0: {', '.join(blanks)}"
    return Check(rule, scope, ok, text)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@cache
def _name(keys: tuple[Key, ...]) -> str:
    same_col = all(c == keys[0][1] for _, c in keys)
    return "+".join(r for r, _ in keys) if same_col else "+".join(c for _, c in keys)


def application_checks(table: dict[Key, Cell], unsure: set[Key]) -> list[Check]:
    rows = {r for r, _ in table}
    results = [r for r in RESULT_ROWS if r in rows]
    out = []
    for col in APP_COLS:
        left = [("new_received", col), ("carried_over", col)]
        right = [("results_total", col), ("carried_forward", col)]
        out.append(_check("R3.1", col, table, left, right, unsure))
        out.append(_check("R3.3", col, table, [("results_total", col)], [(r, col) for r in results], unsure))
    for row in sorted(rows, key=list(dict.fromkeys(r for r, _ in table)).index):
        parts = [(row, c) for c in APP_COLS[:-1]]
        out.append(_check("R3.2", row, table, [(row, "total")], parts, unsure))
    return [c for c in out if c is not None]


def review_checks(table: dict[Key, Cell], unsure: set[Key]) -> list[Check]:
    out = []
    for row in REVIEW_ROWS:
        parts = [(row, c) for c in REVIEW_COLS[:-1]]
        out.append(_check("R4.1", row, table, [(row, "total")], parts, unsure))
    return [c for c in out if c is not None]


_MONEY_COLS = ("fee_amount", "amount")


def nonnegative_check(table_name: str, cells: list[Cell]) -> Check:
    """R0: counts are non-negative integers (本年增/减 may be negative; money may have decimals).

    A fraction in a count cell usually means a shifted column (a money value read as a count)."""
    bad = [f"{c.row_key}.{c.col_key}={c.value}" for c in cells if c.col_key != "items_change" and (c.value or 0) < 0]
    fractions = [f"{c.row_key}.{c.col_key}={c.value}" for c in cells
                 if c.col_key not in _MONEY_COLS and isinstance(c.value, float) and not c.value.is_integer()]  # fmt: skip
    problems = ["negative: " + ", ".join(bad)] if bad else []
    problems += ["not a whole count: " + ", ".join(fractions)] if fractions else []
    detail = "; ".join(problems) or f"{len(cells)} cells, none negative, counts whole"
    return Check("R0", table_name, not problems, detail)


# The soft checks live in narrative.py; re-exported here because the store imports them from `rules`.
from pipelines.tables.narrative import carryover_checks, narrative_checks  # noqa: E402

__all__ = [
    "application_checks",
    "carryover_checks",
    "narrative_checks",
    "nonnegative_check",
    "review_checks",
]
