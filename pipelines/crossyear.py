"""Cross-year soft checks: a report against the same agency's report of the year before.

They are recomputed for every report written in a batch *and* for its successor, just before the
batch commits, so the result does not depend on the order in which a run meets the years (an
ingest of 2022 before 2021 ends with the same checks as the reverse, and as `scrapy reparse`).
Soft checks do not change `reports.quality`, which stays a property of the report alone.
"""

from __future__ import annotations

from sqlite_utils import Database

from pipelines.tables import carryover_checks
from pipelines.tables.model import Cell


def refresh_carryover(db: Database, report_ids: set[str]) -> None:
    targets = set(report_ids)
    for rid in report_ids:
        targets.update(_neighbour_ids(db, rid, +1))
    for rid in sorted(targets):
        db.execute("DELETE FROM checks WHERE report_id = ? AND rule = 'carryover'", [rid])
        previous = _neighbour_ids(db, rid, -1)
        if not previous:
            continue
        checks = carryover_checks(_cells(db, previous[0]), _cells(db, rid))
        seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM checks WHERE report_id = ?", [rid]).fetchone()[0]
        db.conn.executemany(
            "INSERT INTO checks (report_id, seq, rule, scope, passed, detail, severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rid, seq + i, c.rule, c.scope, int(c.passed), c.detail, "soft") for i, c in enumerate(checks)],
        )


def _neighbour_ids(db: Database, rid: str, step: int) -> list[str]:
    """Reports of the same agency `step` years away (the earliest-stored first, for determinism)."""
    rows = db.execute(
        "SELECT n.id FROM reports r JOIN reports n ON n.agency = r.agency AND n.year = r.year + ? AND n.id != r.id "
        "WHERE r.id = ? AND r.agency IS NOT NULL ORDER BY n.id",
        [step, rid],
    ).fetchall()
    return [row[0] for row in rows]


def _cells(db: Database, rid: str) -> list[Cell]:
    rows = db.execute(
        "SELECT table_name, row_key, col_key, value, raw, unit FROM cells WHERE report_id = ?", [rid]
    ).fetchall()
    return [Cell(*row) for row in rows]
