"""The readings the rules leave open, kept with the report so evidence from outside it can choose.

A group of unsure cells whose values go together — one glued row, or the rows the column rules solve
jointly — is stored with every reading the rules admit (at most `MAX_STORED`; a group with more is
not stored: no outside evidence could be weighed against so many). The cells themselves stay NULL
with the printed run in `raw`; `pipelines/crossyear.py` may later pick one reading when the same
agency's neighbouring year agrees with exactly that one (table `split_readings`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.tables.glued import Label, RowResult
from pipelines.tables.solver import Solved
from pipelines.tables.template import RowSpec

MAX_STORED = 64


@dataclass
class Alternatives:
    """One group of unsure cells of a table and the readings the rules admit for them."""

    table_name: str
    cells: tuple[tuple[str, str], ...]  # (row_key, col_key)
    readings: list[tuple[Label, ...]]  # per reading, (value, raw) of each cell
    printed: dict[str, str]  # row_key → the glued run as printed


def _unsure(solved: Solved, key: str) -> list[int]:
    return [i for i, column in enumerate(solved.rows[key].columns) if len(column) != 1]


def table_alternatives(
    name: str, specs: list[RowSpec], results: dict[str, RowResult], solved: Solved
) -> list[Alternatives]:
    """The groups of a solved table: the rows solved jointly as one group, every other ambiguous row alone."""
    cols = {spec.key: spec.cols for spec in specs}
    out = []
    joint = [k for k in solved.joint_rows if _unsure(solved, k)] if solved.joint is not None else []
    if joint:
        cells = [(k, i) for k in joint for i in _unsure(solved, k)]
        readings = list(dict.fromkeys(tuple(jr[k][i] for k, i in cells) for jr in solved.joint or []))
        if 1 < len(readings) <= MAX_STORED:
            keys = tuple(_key(k, cols[k][i]) for k, i in cells)
            out.append(Alternatives(name, keys, readings, {k: results[k].glued for k in joint}))
    for spec in specs:
        row = solved.rows.get(spec.key)
        if spec.key in solved.joint_rows or row is None or row.status != "ambiguous":
            continue
        unsure = _unsure(solved, spec.key)
        if not unsure or not row.listed or row.count > MAX_STORED or len(row.columns) != len(spec.cols):
            continue
        readings = list(dict.fromkeys(tuple(r[i] for i in unsure) for r in row.readings))
        keys = tuple(_key(spec.key, spec.cols[i]) for i in unsure)
        out.append(Alternatives(name, keys, readings, {spec.key: results[spec.key].glued}))
    return out


def _key(row: str, col: str) -> tuple[str, str]:
    """The review row is read flat: its columns are «row.col»."""
    return (col.split(".")[0], col.split(".")[1]) if "." in col else (row, col)


def reading_rows(report_id: str, groups: list[Alternatives]) -> list[dict]:
    """`split_readings` rows: one per cell of every reading of every group."""
    return [
        {"report_id": report_id, "group_no": number, "reading": i, "table_name": group.table_name, "row_key": row,
         "col_key": col, "value": value, "raw": raw, "printed": group.printed.get(row)}
        for number, group in enumerate(groups)
        for i, reading in enumerate(group.readings)
        for (row, col), (value, raw) in zip(group.cells, reading, strict=True)
    ]  # fmt: skip
