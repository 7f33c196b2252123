"""The researchers' views and the regions table, on a database filled by the project's own commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml

from pipelines.region_table import read_regions, sync_regions
from pipelines.schema import open_database
from pipelines.tables.template import APP_DENIED
from pipelines.views import FIGURE_NAMES, VIEW_NAMES
from tests.conftest import REPO


def rows(db: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def cell(db: Path, report_id: str, table: str, row: str, col: str):
    found = rows(
        db,
        "SELECT value FROM cells WHERE report_id = ? AND table_name = ? AND row_key = ? AND col_key = ?",
        (report_id, table, row, col),
    )
    return found[0]["value"] if found else None


def test_report_summary_has_one_row_per_report_with_its_cells(shared_db):
    summary = rows(shared_db, "SELECT * FROM report_summary")
    assert len(summary) == rows(shared_db, "SELECT COUNT(*) AS n FROM reports")[0]["n"] > 60
    for report in summary:
        assert report["new_received"] == cell(shared_db, report["id"], "applications", "new_received", "total")
        assert report["review_corrected"] == cell(shared_db, report["id"], "review_litigation", "review", "corrected")
        assert report["licensing_decisions"] == cell(
            shared_db, report["id"], "active_disclosure", "admin_licensing", "decisions"
        )


def test_report_summary_names_the_place(shared_db):
    demo = rows(shared_db, "SELECT * FROM report_summary WHERE region_code = '990101' LIMIT 1")[0]
    assert (demo["province"], demo["city"], demo["county"]) == (
        "示例省（合成演示数据）", "示例市（合成演示数据）", "示例县（合成演示数据）",
    )  # fmt: skip
    assert demo["region_source"] == "portal"


def test_unknown_figures_stay_null(shared_db):
    blank = rows(shared_db, "SELECT * FROM report_summary WHERE source LIKE '%028_blank-template%'")[0]
    assert all(blank[name] is None for name in FIGURE_NAMES), blank
    no_tables = rows(shared_db, "SELECT * FROM report_summary WHERE source LIKE '%013_hebei-hrss-dept-2023%'")[0]
    assert no_tables["template"] == "none"
    assert all(no_tables[name] is None for name in FIGURE_NAMES)


def test_group_total_is_null_when_one_of_its_rows_is_blank(research_db):
    report = rows(research_db, "SELECT id, denied FROM report_summary WHERE denied > 0 LIMIT 1")[0]
    values = [cell(research_db, report["id"], "applications", row, "total") for row in APP_DENIED]
    assert report["denied"] == sum(values)
    conn = sqlite3.connect(research_db)
    conn.execute(
        "UPDATE cells SET value = NULL WHERE report_id = ? AND table_name = 'applications' "
        "AND row_key = 'denied_third_party' AND col_key = 'total'",
        [report["id"]],
    )
    conn.commit()
    conn.close()
    assert rows(research_db, "SELECT denied FROM report_summary WHERE id = ?", (report["id"],))[0]["denied"] is None


def test_fee_amount_printed_in_yuan_is_converted_to_wan(research_db):
    report = rows(research_db, "SELECT id, fee_amount_wan FROM report_summary WHERE fee_amount_wan > 0 LIMIT 1")[0]
    conn = sqlite3.connect(research_db)
    conn.execute(
        "UPDATE cells SET unit = '元', value = value * 10000 WHERE report_id = ? AND row_key = 'admin_fees' "
        "AND col_key = 'fee_amount'",
        [report["id"]],
    )
    conn.commit()
    conn.close()
    again = rows(research_db, "SELECT fee_amount_wan FROM report_summary WHERE id = ?", (report["id"],))[0]
    assert again["fee_amount_wan"] == pytest.approx(report["fee_amount_wan"])


@pytest.mark.parametrize("table", ["active_disclosure", "applications", "review_litigation"])
def test_wide_views_hold_every_cell_once(shared_db, table):
    cells = rows(shared_db, "SELECT report_id, row_key, col_key, value FROM cells WHERE table_name = ?", (table,))
    wide = rows(shared_db, f"SELECT * FROM {table}_wide")
    assert len(wide) == len({(c["report_id"], c["row_key"]) for c in cells})
    by_row = {(w["report_id"], w["row_key"]): w for w in wide}
    for c in cells:
        assert by_row[(c["report_id"], c["row_key"])][c["col_key"]] == c["value"]
    assert all(w["row_label"] for w in wide)


def test_year_over_year_pairs_consecutive_years_with_the_carryover_check(shared_db):
    pairs = rows(
        shared_db,
        "SELECT * FROM year_over_year WHERE figure = 'carried_over' AND agency = '示例县教育局' ORDER BY year",
    )
    assert [p["year"] for p in pairs] == [2020, 2021, 2022, 2023]
    summary = {r["id"]: r for r in rows(shared_db, "SELECT * FROM report_summary WHERE agency = '示例县教育局'")}
    for pair in pairs:
        assert pair["previous_year"] == pair["year"] - 1
        assert pair["value"] == summary[pair["report_id"]]["carried_over"]
        assert pair["previous_value"] == summary[pair["previous_report_id"]]["carried_over"]
        assert pair["change"] == pair["value"] - pair["previous_value"]
        check = rows(
            shared_db,
            "SELECT passed FROM checks WHERE report_id = ? AND rule = 'carryover' AND scope = 'total'",
            (pair["report_id"],),
        )
        assert pair["carryover_passed"] == check[0]["passed"]
    figures = {r["figure"] for r in rows(shared_db, "SELECT DISTINCT figure FROM year_over_year")}
    assert figures == set(FIGURE_NAMES)


def test_report_compliance_counts_the_form_checks(shared_db):
    for report in rows(shared_db, "SELECT * FROM report_compliance"):
        checks = rows(
            shared_db,
            "SELECT rule, passed FROM checks WHERE report_id = ? AND rule LIKE 'form.%'",
            (report["report_id"],),
        )
        assert report["form_checks"] == len(checks)
        assert report["form_failed"] == sum(1 for c in checks if not c["passed"])
    # 018: sections 二…六 numbered one too low (一、主动公开…), and no section 五
    shanghai = rows(
        shared_db,
        "SELECT c.* FROM report_compliance c JOIN reports r ON r.id = c.report_id WHERE r.source LIKE '%018_shanghai%'",
    )[0]
    assert (shanghai["misnumbered"], shanghai["sections_missing"]) == (4, 1)


def test_regions_table_mirrors_the_csv(shared_db):
    columns, csv_rows = read_regions()
    table = rows(shared_db, "SELECT * FROM regions")
    assert len(table) == len(csv_rows)
    assert set(columns) <= set(table[0])
    beijing = rows(shared_db, "SELECT * FROM region_paths WHERE code = '110101'")[0]
    assert (beijing["province"], beijing["city"], beijing["county"]) == ("北京市", "北京市", "东城区")
    assert beijing["full_name"] == "北京市 东城区"


def test_regions_reload_when_the_file_changes_and_keep_extra_columns(tmp_path):
    db = open_database(str(tmp_path / "x.db"))
    changed = tmp_path / "regions.csv"
    changed.write_text(
        "code,name,level,parent,valid_until\n110000,北京市,province,,\n110100,市辖区,city,110000,\n"
        "110101,东城区,county,110100,\n110199,旧区,county,110100,2015\n",
        encoding="utf-8",
    )
    assert sync_regions(db, changed) is True
    assert sync_regions(db, changed) is False  # unchanged: not reloaded
    assert db.execute("SELECT COUNT(*) FROM regions").fetchone()[0] == 4
    assert db.execute("SELECT valid_until FROM regions WHERE code = '110199'").fetchone()[0] == "2015"
    assert db.execute("SELECT county, city FROM region_paths WHERE code = '110199'").fetchone() == ("旧区", "北京市")


def test_regions_file_without_its_columns_is_refused(tmp_path):
    broken = tmp_path / "regions.csv"
    broken.write_text("code,name\n110000,北京市\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        read_regions(broken)


def test_metadata_describes_every_column_of_every_table_and_view(shared_db):
    described = yaml.safe_load((REPO / "data" / "metadata.yml").read_text(encoding="utf-8"))
    tables = described["databases"]["reports"]["tables"]
    names = [r["name"] for r in rows(shared_db, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    internal = ("sqlite_", "_sqlite_", "sections_fts", "sections_search")
    missing = []
    for name in names:
        if name.startswith(internal):
            continue
        columns = [r["name"] for r in rows(shared_db, f'PRAGMA table_info("{name}")')]
        documented = tables.get(name, {}).get("columns", {})
        missing += [f"{name}.{c}" for c in columns if not documented.get(c)]
        if not tables.get(name, {}).get("description"):
            missing.append(name)
    assert not missing
    assert set(VIEW_NAMES) <= set(names)
