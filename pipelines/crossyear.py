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
from pipelines.tables.narrative import CARRYOVER_ROWS


def refresh_carryover(db: Database, report_ids: set[str]) -> None:
    targets = set(report_ids)
    for rid in report_ids:
        targets.update(_successors(db, rid))
    for rid in sorted(targets):
        # «+rule»: keeps SQLite on the (report_id, seq) key; with an index on rule it scanned every carryover
        # check of the database instead (450 -> 45 µs per report on a 2,000-report database, growing with it).
        db.execute("DELETE FROM checks WHERE report_id = ? AND +rule = 'carryover'", [rid])
        previous = _predecessor(db, rid)
        if previous is None:
            continue
        checks = carryover_checks(_cells(db, previous), _cells(db, rid))
        seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM checks WHERE report_id = ?", [rid]).fetchone()[0]
        db.conn.executemany(
            "INSERT INTO checks (report_id, seq, rule, scope, passed, detail, severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(rid, seq + i, c.rule, c.scope, int(c.passed), c.detail, "soft") for i, c in enumerate(checks)],
        )


def _successors(db: Database, rid: str) -> list[str]:
    """Next year's reports of the agency whose predecessor (the lowest-id report of the year before) is `rid`."""
    # n.agency = r.agency and n.year - 1 = r.year, so «is r the lowest id of its agency and year» is asked
    # once about r instead of once per successor row (925 -> 29 µs per report when one agency-year holds
    # ~100 reports, as in bench_ingest's corpus).
    rows = db.execute(
        "SELECT n.id FROM reports r JOIN reports n ON n.agency = r.agency AND n.year = r.year + 1 "
        "WHERE r.id = ? AND (SELECT MIN(p.id) FROM reports p WHERE p.agency = r.agency AND p.year = r.year) = r.id",
        [rid],
    ).fetchall()
    return [row[0] for row in rows]


def _predecessor(db: Database, rid: str) -> str | None:
    previous = _neighbour_ids(db, rid, -1, limit=1)
    return previous[0] if previous else None


def _neighbour_ids(db: Database, rid: str, step: int, limit: int) -> list[str]:
    """Reports of the same agency `step` years away, lowest id first (deterministic)."""
    rows = db.execute(
        "SELECT n.id FROM reports r JOIN reports n ON n.agency = r.agency AND n.year = r.year + ? AND n.id != r.id "
        "WHERE r.id = ? AND r.agency IS NOT NULL ORDER BY n.id LIMIT ?",
        [step, rid, limit],
    ).fetchall()
    return [row[0] for row in rows]


def _cells(db: Database, rid: str) -> list[Cell]:
    """The cells carryover_checks reads: ~20 of a report's ~160 (the rest were fetched and built for nothing)."""
    marks = ", ".join("?" * len(CARRYOVER_ROWS))
    rows = db.execute(
        "SELECT table_name, row_key, col_key, value, raw, unit FROM cells "
        f"WHERE report_id = ? AND row_key IN ({marks})",
        [rid, *CARRYOVER_ROWS],
    ).fetchall()
    return [Cell(*row) for row in rows]
