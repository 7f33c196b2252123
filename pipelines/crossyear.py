"""Cross-year soft checks: a report against the same agency's report of the year before.

They are recomputed for every report written in a transaction *and* for its successor, just before the
transaction commits, so the result does not depend on the order in which a run meets the years (an
ingest of 2022 before 2021 ends with the same checks as the reverse, and as `scrapy reparse`).
Soft checks do not change `reports.quality`, which stays a property of the report alone.

Set-based: a fixed handful of statements for the whole batch, whatever its size. They run in the
database's writer thread (`pipelines/database.py`), where every statement waits for the GIL once more.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pipelines.sql import insert_rows
from pipelines.tables import carryover_checks
from pipelines.tables.model import Cell
from pipelines.tables.narrative import CARRYOVER_ROWS

_IDS = "SELECT value AS id FROM json_each(?)"


def refresh_carryover(db: Database, report_ids: set[str]) -> None:
    if not report_ids:
        return
    conn = db.conn
    written = json.dumps(sorted(report_ids))
    # Next year's reports of the agencies whose (lowest-id) report of a year was written: their check changes.
    successors = conn.execute(
        f"WITH w AS ({_IDS}) SELECT n.id FROM w JOIN reports r ON r.id = w.id "
        "JOIN reports n ON n.agency = r.agency AND n.year = r.year + 1 "
        "WHERE (SELECT MIN(p.id) FROM reports p WHERE p.agency = r.agency AND p.year = r.year) = r.id",
        [written],
    ).fetchall()
    targets = json.dumps(sorted(report_ids | {row[0] for row in successors}))
    # «+rule»: keeps SQLite on the (report_id, seq) key instead of the (rule, passed) index.
    conn.execute(f"DELETE FROM checks WHERE report_id IN ({_IDS}) AND +rule = 'carryover'", [targets])
    pairs = conn.execute(
        f"WITH t AS ({_IDS}) SELECT r.id, (SELECT MIN(n.id) FROM reports n WHERE n.agency = r.agency "
        "AND n.year = r.year - 1 AND n.id != r.id) FROM t JOIN reports r ON r.id = t.id WHERE r.agency IS NOT NULL",
        [targets],
    ).fetchall()
    pairs = [(rid, previous) for rid, previous in pairs if previous is not None]
    if not pairs:
        return
    cells = _cells(conn, {rid for pair in pairs for rid in pair})
    next_seq = dict(
        conn.execute(
            f"SELECT report_id, MAX(seq) + 1 FROM checks WHERE report_id IN ({_IDS}) GROUP BY report_id",
            [json.dumps([rid for rid, _ in pairs])],
        ).fetchall()
    )
    rows = []
    for rid, previous in sorted(pairs):
        seq = next_seq.get(rid, 0)
        for offset, check in enumerate(carryover_checks(cells.get(previous, []), cells.get(rid, []))):
            rows.append((rid, seq + offset, check.rule, check.scope, int(check.passed), check.detail, "soft"))
    insert_rows(conn, "checks", ("report_id", "seq", "rule", "scope", "passed", "detail", "severity"), rows)


def _cells(conn, report_ids: set[str]) -> dict[str, list[Cell]]:
    """The cells carryover_checks reads (~20 of a report's ~160), per report."""
    marks = ", ".join("?" * len(CARRYOVER_ROWS))
    found: dict[str, list[Cell]] = {}
    for rid, *cell in conn.execute(
        f"WITH w AS ({_IDS}) SELECT c.report_id, c.table_name, c.row_key, c.col_key, c.value, c.raw, c.unit "
        f"FROM w JOIN cells c ON c.report_id = w.id WHERE c.row_key IN ({marks})",
        [json.dumps(sorted(report_ids)), *CARRYOVER_ROWS],
    ):
        found.setdefault(rid, []).append(Cell(*cell))
    return found
