"""`scrapy export`: every table and view, CSV with BOM or typed Parquet, a selection, a data dictionary;
a non-empty directory is refused unless --force, and nothing is written outside it."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from research.export import SOURCES, parse_selection
from tests.conftest import run_scrapy


def db_rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def csv_export(shared_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "csv"
    result = run_scrapy("export", "-o", str(out), db=shared_db)
    assert result.returncode == 0, result.stderr
    return out


def test_csv_has_a_bom_and_every_table_and_view(csv_export, shared_db):
    for source in SOURCES:
        path = csv_export / f"{source.name}.csv"
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf", source.name
        table = read_csv(path)
        (count,) = db_rows(shared_db, f'SELECT COUNT(*) FROM "{source.name}"')[0]
        assert len(table) - 1 == count, source.name
    assert (csv_export / "data_dictionary.csv").exists() and (csv_export / "data_dictionary.md").exists()


def test_csv_keeps_chinese_text_line_breaks_and_nulls(csv_export, shared_db):
    header, *body = read_csv(csv_export / "sections.csv")
    exported = {(r[header.index("report_id")], r[header.index("number")]): r[header.index("body")] for r in body}
    for report_id, number, text in db_rows(shared_db, "SELECT report_id, number, body FROM sections"):
        assert exported[(report_id, str(number))] == text
    assert any("\n" in text for text in exported.values())
    header, *body = read_csv(csv_export / "report_summary.csv")
    blank = next(r for r in body if "028_blank-template" in r[header.index("source")])
    assert blank[header.index("new_received")] == ""  # NULL, not 0


def test_documents_are_exported_without_their_bytes(csv_export):
    header = read_csv(csv_export / "documents.csv")[0]
    assert "sha256" in header and "compressed" not in header


def test_data_dictionary_describes_every_exported_column(csv_export):
    header, *rows = read_csv(csv_export / "data_dictionary.csv")
    assert header == ["table", "column", "type", "description"]
    described = {(r[0], r[1]): r[3] for r in rows}
    for source in SOURCES:
        columns = read_csv(csv_export / f"{source.name}.csv")[0]
        for column in columns:
            assert described.get((source.name, column)), f"{source.name}.{column} undescribed"


def test_parquet_has_real_types(shared_db, tmp_path):
    out = tmp_path / "pq"
    result = run_scrapy("export", "-o", str(out), "--format", "parquet", db=shared_db)
    assert result.returncode == 0, result.stderr
    summary = pq.read_table(out / "report_summary.parquet")
    types = {field.name: str(field.type) for field in summary.schema}
    assert types["new_received"] == "int64" and types["year"] == "int64"
    assert types["fee_amount_wan"] == "double" and types["agency"] == "string"
    values = summary.column("new_received").to_pylist()
    assert None in values and all(v is None or isinstance(v, int) for v in values)
    expected = dict(db_rows(shared_db, "SELECT id, new_received FROM report_summary"))
    assert dict(zip(summary.column("id").to_pylist(), values, strict=True)) == expected
    cells = pq.read_table(out / "cells.parquet")
    assert str(cells.schema.field("value").type) == "double"
    assert cells.num_rows == db_rows(shared_db, "SELECT COUNT(*) FROM cells")[0][0]
    wide = pq.read_table(out / "applications_wide.parquet")
    assert str(wide.schema.field("total").type) == "int64"


def test_selection_by_region_and_year(shared_db, tmp_path):
    out = tmp_path / "sel"
    result = run_scrapy("export", "-o", str(out), "-a", "region=99", "-a", "year=2021-2022", db=shared_db)
    assert result.returncode == 0, result.stderr
    _, *body = read_csv(out / "reports.csv")
    expected = db_rows(shared_db, "SELECT id FROM reports WHERE region_code LIKE '99%' AND year IN (2021, 2022)")
    assert sorted(r[0] for r in body) == sorted(r[0] for r in expected) and body
    ids = {r[0] for r in expected}
    _, *cells = read_csv(out / "cells.csv")
    assert {r[0] for r in cells} == ids
    assert len(read_csv(out / "regions.csv")) > 3000  # lookups whole


@pytest.mark.parametrize(
    ("region", "year", "message"),
    [("32a", None, "region"), ("3", None, "region"), (None, "twenty", "year"), (None, "2021-20x", "year")],
)
def test_bad_selection_is_refused(region, year, message):
    with pytest.raises(ValueError, match=message):
        parse_selection(region, year)


def test_non_empty_directory_is_refused_unless_force(shared_db, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    refused = run_scrapy("export", "-o", str(out), db=shared_db)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    forced = run_scrapy("export", "-o", str(out), "--force", db=shared_db)
    assert forced.returncode == 0 and (out / "reports.csv").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_link_inside_the_directory_does_not_lead_a_write_outside(shared_db, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "reports.csv").symlink_to(outside)
    result = run_scrapy("export", "-o", str(out), "--force", db=shared_db)
    assert result.returncode == 0, result.stderr
    assert outside.read_text(encoding="utf-8") == "precious"
    assert not (out / "reports.csv").is_symlink()
    assert not [p for p in tmp_path.iterdir() if p.name not in ("out", "outside.csv")]


def test_two_processes_write_the_same_files_as_one(shared_db, tmp_path, monkeypatch):
    from research import export as exporter

    monkeypatch.setattr(exporter, "SMALL", 0)  # the test database is small: use the processes anyway
    single, double = tmp_path / "one", tmp_path / "two"
    single.mkdir()
    double.mkdir()
    exporter.export(shared_db, single.resolve(), workers=1)
    exporter.export(shared_db, double.resolve(), workers=2)
    for path in sorted(single.iterdir()):
        assert (double / path.name).read_bytes() == path.read_bytes(), path.name
    assert len(list(single.iterdir())) == len(SOURCES) + 2
