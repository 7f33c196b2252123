"""Cross-year evidence: neighbouring years choose among the readings a glued run's rules admit.

The corpus holds one agency's reports for 2019–2023 (河北省工业和信息化厅: 010, 020, 021, 011, 012) whose
glued table-二 rows the rules alone cannot split; the answer keys chose their readings from the
neighbouring years' figures, which is what `pipelines/tables/evidence.py` does — and only that.
"""

from __future__ import annotations

import itertools
import json
import random

import pytest
from sqlite_utils import Database

from crawler.items import ReportItem
from pipelines.crossyear import refresh_carryover
from pipelines.database import write_reports
from pipelines.document import Block, Document
from pipelines.parse import read_report
from pipelines.rows import report_rows
from pipelines.schema import open_database, report_tables
from pipelines.tables import extract_tables
from pipelines.tables.evidence import RELEVANT_ROWS, Group, YearReport, resolve
from tests.conftest import corpus_dir

INDUSTRY = {  # year → corpus document (河北省工业和信息化厅)
    2019: "010_hebei-industry-it-dept-2019.txt",
    2020: "020_hebei-industry-it-dept-2020.txt",
    2021: "021_hebei-industry-it-dept-2021.txt",
    2022: "011_hebei-industry-it-dept-2022.txt",
    2023: "012_hebei-industry-it-dept-2023.txt",
}
ND = ("active_disclosure", "normative_docs")


def year_report(name: str, year: int, rid: str | None = None) -> YearReport:
    text = (corpus_dir() / "docs" / name).read_text(encoding="utf-8")
    extraction = extract_tables(Document(blocks=[Block(text=text)]))
    rid = rid or name[:3]
    groups = [
        Group(rid, i, tuple((a.table_name, *cell) for cell in a.cells), a.readings, a.printed)
        for i, a in enumerate(extraction.alternatives)
    ]
    unsure = {key for g in groups for key in g.cells}
    values = {
        (c.table_name, c.row_key, c.col_key): c.value
        for c in extraction.cells
        if c.row_key in RELEVANT_ROWS and (c.table_name, c.row_key, c.col_key) not in unsure
    }
    return YearReport(rid, year, values, groups)


def key_value(name: str, row: str, col: str):
    key = json.loads((corpus_dir() / "answers" / f"{name}.json").read_text(encoding="utf-8"))
    return key["tables"]["active_disclosure"][row][col]


def decided(decisions) -> dict:
    return {(d.report_id, *k): v for d in decisions for k, (v, _) in d.cells.items()}


def test_a_chain_of_years_decides_what_the_answer_keys_chose_from_the_neighbours():
    reports = [year_report(name, year) for year, name in INDUSTRY.items()]
    got = decided(resolve(reports))
    for year in (2021, 2022, 2023):  # in_force(N) = in_force(N-1) + issued(N) - repealed(N), along the chain
        name = INDUSTRY[year]
        for col in ("issued", "repealed", "in_force"):
            assert got[(name[:3], *ND, col)] == key_value(name, "normative_docs", col)
    # v2019: 上一年项目数量 of 2020 (97, 0) = 2019's + its 本年增/减 → 156-59 → 97 and 1-1 → 0
    assert got[("010", "active_disclosure", "admin_licensing", "items_change")] == -59
    assert got[("010", "active_disclosure", "admin_licensing", "decisions")] == 97
    assert got[("010", "active_disclosure", "admin_penalty", "items_change")] == -1
    for (rid, *cell), value in got.items():  # nothing beyond what the keys say
        name = next(n for n in INDUSTRY.values() if n.startswith(rid))
        assert value == key_value(name, cell[1], cell[2]), cell


def test_the_outcome_does_not_depend_on_the_order_of_the_reports():
    reports = [year_report(name, year) for year, name in INDUSTRY.items()]
    expected = decided(resolve(reports))
    for seed in range(5):
        shuffled = reports[:]
        random.Random(seed).shuffle(shuffled)
        assert decided(resolve(shuffled)) == expected


def test_one_neighbour_is_enough_and_names_itself():
    decisions = resolve([year_report(INDUSTRY[2022], 2022, "r2022"), year_report(INDUSTRY[2023], 2023, "r2023")])
    by_report = {d.report_id: d for d in decisions}
    assert by_report["r2023"].cells[(*ND, "in_force")] == (26, "26")
    (check,) = by_report["r2023"].checks
    assert (check.rule, check.scope, check.passed, check.hard) == (
        "split",
        "active_disclosure.normative_docs",
        False,
        False,
    )
    assert "report r2022 (2022;" in check.detail and "'1126'" in check.detail and "only this one agrees" in check.detail


def test_published_numbers_that_break_the_relation_whatever_the_reading_decide_nothing():
    """009 (2023) '1153' → (1,1,53), (1,15,3), (11,5,3); 008 (2022) in_force 49: 49+1-1 ≠ 53 — no reading fits."""
    reports = [
        year_report("008_hebei-sci-tech-dept-2022.txt", 2022),
        year_report("009_hebei-sci-tech-dept-2023.txt", 2023),
    ]
    assert [d for d in resolve(reports) if d.report_id == "009"] == []


def _group(rid: str, readings: list[tuple]) -> Group:
    cells = ((*ND, "issued"), (*ND, "repealed"), (*ND, "in_force"))
    return Group(rid, 0, cells, [tuple((v, str(v) if v is not None else "") for v in r) for r in readings], {})


def test_a_blank_cell_rules_nothing_out():
    prev = YearReport("a", 2022, {(*ND, "in_force"): None})
    cur = YearReport("b", 2023, {}, [_group("b", [(1, 1, 26), (1, 12, 6)])])
    assert resolve([prev, cur]) == []


def test_two_readings_that_both_agree_stay_open():
    prev = YearReport("a", 2022, {(*ND, "in_force"): 26})
    cur = YearReport("b", 2023, {}, [_group("b", [(1, 1, 26), (2, 2, 26), (1, 12, 6)])])
    (decision,) = resolve([prev, cur])
    assert decision.cells == {(*ND, "in_force"): (26, "26")}  # issued/repealed still differ: they stay NULL
    assert "2 agree" in decision.checks[0].detail


def test_evidence_that_contradicts_itself_decides_nothing():
    """Two reports of 2022 (the representative is the lowest id) pull 2023's reading two ways."""
    first = YearReport("a1", 2022, {}, [_group("a1", [(5, 4, 26), (5, 42, 6)])])
    cur = YearReport("b", 2023, {}, [_group("b", [(1, 1, 26), (1, 12, 6), (9, 9, 99)])])
    later = YearReport("c", 2024, {(*ND, "issued"): 0, (*ND, "repealed"): 0, (*ND, "in_force"): 99}, [])
    assert resolve([first, cur, later]) == []


# ---- in the database: refresh_carryover re-resolves when a neighbour arrives ----


def _store(db: Database, name: str, rid: str | None = None) -> str:
    """Parse a corpus document and write its rows as the store does (replacing its earlier rows)."""
    item = ReportItem(source=f"/corpus/{name}", body=(corpus_dir() / "docs" / name).read_bytes(), filename=name)
    item.report_id, item.content_sha256 = rid or name[:3], name
    rows = report_rows(read_report(item, 10_000_000), item)
    write_reports(db.conn, [rows], report_tables(db))
    return rows.report_id


def _remove(db: Database, rid: str) -> None:
    for table in report_tables(db):  # children first (foreign keys)
        db.execute(f"DELETE FROM [{table}] WHERE report_id = ?", [rid])
    db.execute("DELETE FROM reports WHERE id = ?", [rid])


def _state(db: Database) -> tuple:
    cells = db.execute(
        "SELECT report_id, row_key, col_key, value, raw FROM cells WHERE table_name = 'active_disclosure' ORDER BY 1, 2, 3"
    ).fetchall()
    checks = db.execute(
        "SELECT report_id, rule, scope, passed, detail, severity FROM checks "
        "WHERE rule IN ('carryover', 'split') ORDER BY 1, 2, 3, 5"
    ).fetchall()
    return cells, checks


@pytest.mark.parametrize("order", [(2021, 2022, 2023), (2023, 2021, 2022), (2022, 2023, 2021)])
def test_in_the_database_a_later_neighbour_re_resolves_and_order_does_not_matter(tmp_path, order):
    reference = open_database(str(tmp_path / "together.db"))
    refresh_carryover(reference, {_store(reference, INDUSTRY[year]) for year in (2021, 2022, 2023)})
    db = open_database(str(tmp_path / "one_by_one.db"))
    for year in order:  # one batch per report, in this order
        refresh_carryover(db, {_store(db, INDUSTRY[year])})
    assert _state(db) == _state(reference)
    values = {(rid, col): (v, raw) for rid, row, col, v, raw in _state(db)[0] if row == "normative_docs"}
    assert values[("011", "in_force")] == (26, "26") and values[("012", "issued")] == (1, "1")
    splits = [c for c in _state(db)[1] if c[1] == "split" and c[4].startswith("cross-year:")]
    assert sorted(c[0] for c in splits) == ["011", "012", "021"] and all(c[5] == "soft" for c in splits)
    quality = dict(db.execute("SELECT id, quality FROM reports").fetchall())
    assert set(quality.values()) == {"warning"}  # decided by another report: never ok


def test_in_the_database_a_report_written_again_without_its_neighbour_is_reset(tmp_path):
    db = open_database(str(tmp_path / "r.db"))
    refresh_carryover(db, {_store(db, INDUSTRY[2022]), _store(db, INDUSTRY[2023])})
    assert db.execute("SELECT value FROM cells WHERE report_id = '012' AND col_key = 'in_force'").fetchone()[0] == 26
    _remove(db, "011")  # the neighbour is gone (e.g. re-identified as another agency's)
    refresh_carryover(db, {_store(db, INDUSTRY[2023])})
    assert db.execute("SELECT value, raw FROM cells WHERE report_id = '012' AND col_key = 'in_force'").fetchone() == (
        None,
        "1126",
    )
    assert not db.execute("SELECT 1 FROM checks WHERE report_id = '012' AND detail LIKE 'cross-year:%'").fetchall()


def test_every_pair_of_corpus_agency_years_is_consistent_with_the_answer_keys():
    """No decision anywhere in the corpus contradicts a key (soundness on all real neighbours we have)."""
    keys = {}
    for path in sorted((corpus_dir() / "answers").glob("*.txt.json")):
        key = json.loads(path.read_text(encoding="utf-8"))
        if key["agency"] and key["year"] and key["tables"]["active_disclosure"]:
            keys[path.name[: -len(".json")]] = key
    by_agency = itertools.groupby(sorted(keys, key=lambda n: keys[n]["agency"]), key=lambda n: keys[n]["agency"])
    for _, names in by_agency:
        names = list(names)
        for decision in resolve([year_report(n, keys[n]["year"], n) for n in names]):
            table = keys[decision.report_id]["tables"]
            for (tname, row, col), (value, _) in decision.cells.items():
                expected = table[tname][row][col]
                expected = expected["value"] if isinstance(expected, dict) else expected
                assert value == expected, (decision.report_id, row, col)


def test_in_the_database_a_year_is_represented_by_its_lowest_id_report(tmp_path):
    """A second copy of the same agency and year neither gives nor gets evidence; when a lower id arrives it
    takes over, and what the former representative was given is undone."""
    db = open_database(str(tmp_path / "r.db"))

    def in_force(rid: str):
        return db.execute(f"SELECT value, raw FROM cells WHERE report_id = '{rid}' AND col_key = 'in_force' "
                          "AND row_key = 'normative_docs'").fetchone()  # fmt: skip

    def cross_year(rid: str) -> int:
        return db.execute(
            f"SELECT COUNT(*) FROM checks WHERE report_id = '{rid}' AND detail LIKE 'cross-year:%'"
        ).fetchone()[0]

    refresh_carryover(db, {_store(db, INDUSTRY[2022], "m22"), _store(db, INDUSTRY[2023], "m23")})
    assert in_force("m23") == (26, "26") and cross_year("m23") == 1
    refresh_carryover(db, {_store(db, INDUSTRY[2023], "z23")})  # a copy with a higher id: not the year's report
    assert in_force("z23") == (None, "1126") and cross_year("z23") == 0
    refresh_carryover(db, {_store(db, INDUSTRY[2023], "a23")})  # a lower id: now the year's report
    assert in_force("a23") == (26, "26") and cross_year("a23") == 1
    assert in_force("m23") == (None, "1126") and cross_year("m23") == 0
