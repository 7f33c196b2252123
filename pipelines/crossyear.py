"""Cross-year work on the stored reports: evidence for ambiguous glued runs, then the soft checks.

`refresh_carryover(db, report_ids)` runs just before a batch commits (inside its transaction):

1. Cross-year evidence (`pipelines/tables/evidence.py`): for every agency of the batch whose reports
   hold readings the rules left open (`split_readings`), the agency's neighbouring years may choose
   among them; decided cells get their value and a `split` check naming the deciding report. It is
   recomputed from the stored readings, for the whole agency, whenever one of its reports is written:
   a neighbour that arrives later re-resolves the earlier report, and the outcome does not depend on
   the order in which the years arrive.
2. Carry-over soft checks, for every report written in the batch *and* for its successor (and for
   the reports whose cells step 1 changed), so the result does not depend on the order either (an
   ingest of 2022 before 2021 ends with the same checks as the reverse, and as `scrapy reparse`).
Soft checks and cross-year decisions do not change `reports.quality`, which stays a property of the
report alone (a report with a cell decided by another report is never `ok`: its own split check failed).

It runs in the database's writer thread (`pipelines/database.py`), where every statement waits for the GIL
once more: the checks are set-based (a fixed handful of statements per batch, whatever its size), and
agencies are asked about one by one only when they hold open readings the evidence could decide.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from pipelines.sql import insert_rows
from pipelines.tables import carryover_checks
from pipelines.tables.evidence import RELEVANT_ROWS, Group, YearReport, resolve
from pipelines.tables.model import Cell, Check
from pipelines.tables.narrative import CARRYOVER_ROWS

_IDS = "SELECT value AS id FROM json_each(?)"
CROSS_YEAR = "cross-year:%"  # how a split check written here begins (so that it can be replaced)


def refresh_carryover(db: Database, report_ids: set[str]) -> None:
    if not report_ids:
        return
    report_ids = set(report_ids) | resolve_cross_year(db, report_ids)
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


# ---- cross-year evidence ----

_MARKS = ", ".join("?" * len(RELEVANT_ROWS))


def resolve_cross_year(db: Database, report_ids: set[str]) -> set[str]:
    """Re-resolve every agency of `report_ids` with readings that carry-over figures can speak to; returns
    the ids whose cells changed.

    Each year of an agency is represented by its lowest-id report (as for the soft carry-over checks): a
    second report of the same agency and year (a copy under another URL) neither gives nor gets evidence,
    and the work per batch grows with the agency's years, not with its copies."""
    changed: set[str] = set()
    for agency in _agencies_with_open_readings(db, report_ids):
        years = dict(
            db.execute(
                "SELECT year, MIN(id) FROM reports WHERE agency = ? AND year IS NOT NULL GROUP BY year", [agency]
            ).fetchall()
        )
        stale = [rid for (rid,) in db.execute(
            "SELECT DISTINCT c.report_id FROM checks c JOIN reports r ON r.id = c.report_id "
            "WHERE r.agency = ? AND +c.rule = 'split' AND c.detail LIKE ?", [agency, CROSS_YEAR]
        ).fetchall() if rid not in years.values()]  # fmt: skip
        reports = _year_reports(db, {rid: year for year, rid in years.items()})
        if not any(r.groups for r in reports) and not stale:
            continue  # nothing open that carry-over figures could speak to, nothing to undo
        decisions = {d.report_id: d for d in resolve(reports)}
        changed |= _apply(db, reports + _year_reports(db, dict.fromkeys(stale, 0)), decisions)
    return changed


def _agencies_with_open_readings(db: Database, report_ids: set[str]) -> list[str]:
    """Agencies of these reports that hold open readings in rows the evidence reads, or cross-year decisions
    that may have to be undone: one statement for the batch (most agencies have neither)."""
    batch = f"SELECT DISTINCT agency FROM reports WHERE id IN ({_IDS}) AND agency IS NOT NULL"
    rows = db.execute(
        f"SELECT DISTINCT r.agency FROM reports r JOIN split_readings s ON s.report_id = r.id AND s.reading = 0 "
        f"AND s.row_key IN ({_MARKS}) WHERE r.agency IN ({batch}) "
        f"UNION SELECT DISTINCT r.agency FROM checks c JOIN reports r ON r.id = c.report_id "
        f"WHERE +c.rule = 'split' AND c.detail LIKE ? AND r.agency IN ({batch})",
        [*RELEVANT_ROWS, json.dumps(sorted(report_ids)), CROSS_YEAR, json.dumps(sorted(report_ids))],
    ).fetchall()
    return sorted(row[0] for row in rows)


def _year_reports(db: Database, years: dict[str, int]) -> list[YearReport]:
    """These reports with their settled relevant cells and their groups of open readings in relevant rows."""
    reports = {rid: YearReport(rid, year, {}) for rid, year in years.items()}
    if not reports:
        return []
    ids = sorted(reports)
    marks = ", ".join("?" * len(ids))
    groups: dict[tuple[str, int], dict] = {}
    for rid, number, reading, table, row, col, value, raw, printed in db.execute(
        "SELECT s.report_id, s.group_no, s.reading, s.table_name, s.row_key, s.col_key, s.value, s.raw, s.printed "
        f"FROM split_readings s WHERE s.report_id IN ({marks}) AND s.group_no IN (SELECT g.group_no "
        f"FROM split_readings g WHERE g.report_id = s.report_id AND g.reading = 0 AND g.row_key IN ({_MARKS})) "
        "ORDER BY s.report_id, s.group_no, s.reading",
        [*ids, *RELEVANT_ROWS],
    ).fetchall():
        group = groups.setdefault((rid, number), {"cells": {}, "readings": {}, "printed": {}})
        group["cells"].setdefault((table, row, col), None)
        group["readings"].setdefault(reading, {})[(table, row, col)] = (value, raw)
        group["printed"][row] = printed
    for (rid, number), group in groups.items():
        cells = tuple(group["cells"])
        readings = [tuple(r[key] for key in cells) for _, r in sorted(group["readings"].items())]
        reports[rid].groups.append(Group(rid, number, cells, readings, group["printed"]))
    unsure = {(rid, *key) for (rid, _), group in groups.items() for key in group["cells"]}
    for rid, table, row, col, value in db.execute(
        f"SELECT report_id, table_name, row_key, col_key, value FROM cells WHERE report_id IN ({marks}) "
        f"AND row_key IN ({_MARKS})",
        [*ids, *RELEVANT_ROWS],
    ).fetchall():
        if (rid, table, row, col) not in unsure:  # open cells are read from their groups, never from `cells`
            reports[rid].values[(table, row, col)] = value
    return list(reports.values())


def _apply(db: Database, reports: list[YearReport], decisions: dict) -> set[str]:
    """Bring these reports' open cells and cross-year checks to what the evidence decides (writing only
    what differs); returns the ids whose cells changed."""
    changed: set[str] = set()
    for report in reports:
        decided = decisions[report.id].cells if report.id in decisions else {}
        wanted = {
            key: decided.get(key, (None, group.printed.get(key[1])))  # else as parsed: NULL, the run in raw
            for group in report.groups
            for key in group.cells
        }
        if wanted:
            current = {
                (table, row, col): (value, raw)
                for table, row, col, value, raw in db.execute(
                    "SELECT table_name, row_key, col_key, value, raw FROM cells WHERE report_id = ? "
                    f"AND row_key IN ({', '.join('?' * len({k[1] for k in wanted}))})",
                    [report.id, *sorted({k[1] for k in wanted})],
                ).fetchall()
            }
            updates = [(*cell, report.id, *key) for key, cell in wanted.items() if current.get(key, cell) != cell]
            db.conn.executemany(
                "UPDATE cells SET value = ?, raw = ? WHERE report_id = ? AND table_name = ? AND row_key = ? "
                "AND col_key = ?",
                updates,
            )
            if updates:
                changed.add(report.id)
        _replace_checks(db, report.id, decisions[report.id].checks if report.id in decisions else [])
    return changed


def _replace_checks(db: Database, rid: str, checks: list[Check]) -> None:
    stored = db.execute(
        "SELECT scope, detail FROM checks WHERE report_id = ? AND +rule = 'split' AND detail LIKE ? ORDER BY seq",
        [rid, CROSS_YEAR],
    ).fetchall()
    if [tuple(row) for row in stored] == [(c.scope, c.detail) for c in checks]:
        return
    db.execute("DELETE FROM checks WHERE report_id = ? AND +rule = 'split' AND detail LIKE ?", [rid, CROSS_YEAR])
    seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM checks WHERE report_id = ?", [rid]).fetchone()[0]
    db.conn.executemany(
        "INSERT INTO checks (report_id, seq, rule, scope, passed, detail, severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(rid, seq + i, c.rule, c.scope, int(c.passed), c.detail, "soft") for i, c in enumerate(checks)],
    )
