"""`scrapy ingest` / `scrapy reparse` end to end, in subprocesses, on a real SQLite file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import answer_keys, corpus_dir, run_scrapy

TEXT_DOCS = [key["doc"] for key in answer_keys()]


def snapshot(db: Path) -> dict[str, list]:
    """Every row of the contract tables except timestamps, sorted: equal snapshots = nothing changed."""
    with sqlite3.connect(db) as connection:
        return {
            "reports": sorted(connection.execute(
                "SELECT id, source, title, agency, year, published, template, region_code, quality FROM reports")),
            "cells": sorted(connection.execute("SELECT * FROM cells")),
            "sections": sorted(connection.execute("SELECT * FROM sections")),
            "checks": sorted(connection.execute("SELECT report_id, seq, rule, scope, passed, detail FROM checks")),
            "documents": sorted(connection.execute("SELECT report_id, seq, sha256, size FROM documents")),
            "indicators": sorted(connection.execute("SELECT * FROM indicators")),
            "extra_rows": sorted(connection.execute("SELECT * FROM extra_rows")),
        }  # fmt: skip


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> tuple[Path, Path, object]:
    """The text/HTML/Markdown corpus copied to a folder and ingested once."""
    corpus_dir()  # (skips every test of it without a corpus)
    folder = tmp_path_factory.mktemp("corpus")
    for name in TEXT_DOCS:
        shutil.copy(corpus_dir() / "docs" / name, folder / name)
    db = folder / "reports.db"
    result = run_scrapy("ingest", str(folder), db=db)
    return folder, db, result


def test_ingest_stores_one_report_per_document(corpus_db):
    folder, db, result = corpus_db
    assert f"{len(TEXT_DOCS)} documents" in result.stdout, result.stdout + result.stderr
    with sqlite3.connect(db) as connection:
        sources = {row[0] for row in connection.execute("SELECT source FROM reports")}
        assert sources == {str(folder / name) for name in TEXT_DOCS}  # the path exactly as given, joined
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        sections = connection.execute("SELECT COUNT(*) FROM sections").fetchone()[0]
        assert sections == sum(len(key["sections_present"]) for key in answer_keys())


def test_summary_lists_quality_counts(corpus_db):
    _, _, result = corpus_db
    assert "quality: ok" in result.stdout
    assert "database:" in result.stdout


def test_full_text_search_finds_sections_by_word(corpus_db):
    _, db, _ = corpus_db
    with sqlite3.connect(db) as connection:
        found = connection.execute(
            "SELECT s.report_id, s.number FROM sections_fts JOIN sections s ON s.rowid = sections_fts.rowid "
            "WHERE sections_fts MATCH '行政复议'"
        ).fetchall()
        numbers = {number for _, number in found}
        assert 4 in numbers  # section 四 is about 行政复议 in most reports
        assert len({report for report, _ in found}) >= 15
        # a domain-dictionary compound is one token *and* its parts are searchable
        for word in ("依申请公开", "申请", "政府信息公开", "信息"):
            assert connection.execute(
                "SELECT COUNT(*) FROM sections_fts WHERE sections_fts MATCH ?", [word]
            ).fetchone()[0]


def test_ingesting_again_changes_nothing(corpus_db, tmp_path):
    folder, db, _ = corpus_db
    copy = tmp_path / "again.db"
    shutil.copy(db, copy)
    before = snapshot(copy)
    result = run_scrapy("ingest", str(folder), db=copy)
    assert f"0 parsed, {len(TEXT_DOCS)} unchanged" in result.stdout
    assert snapshot(copy) == before


def test_a_changed_document_replaces_its_own_rows(corpus_db, tmp_path):
    folder, _, _ = corpus_db
    work = tmp_path / "docs"
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("*.db*"))
    target = work / "005_hebei-education-dept-2021.txt"
    first = run_scrapy("ingest", str(work), db=tmp_path / "c.db")
    assert first.returncode in (0, 1)
    before = snapshot(tmp_path / "c.db")
    target.write_text(target.read_text(encoding="utf-8").replace("一、总体情况", "一、总体情况\n新增的一句话。", 1))
    run_scrapy("ingest", str(work), db=tmp_path / "c.db")
    after = snapshot(tmp_path / "c.db")
    assert [r[0] for r in after["reports"]] == [r[0] for r in before["reports"]]  # same ids, no duplicate
    changed = [a for a, b in zip(after["sections"], before["sections"], strict=True) if a != b]
    assert changed and all("新增的一句话" in row[3] for row in changed)


def test_reparse_reproduces_the_same_rows(corpus_db, tmp_path):
    _, db, _ = corpus_db
    copy = tmp_path / "reparse.db"
    shutil.copy(db, copy)
    before = snapshot(copy)
    result = run_scrapy("reparse", db=copy)
    assert f"{len(TEXT_DOCS)} parsed" in result.stdout, result.stdout + result.stderr
    assert snapshot(copy) == before


def test_bad_inputs_are_recorded_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "garbage.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "bad-utf8.txt").write_bytes(b"\xff\xfe\xfa" * 500)
    with open(folder / "huge.txt", "wb") as handle:  # 50 MB, over the default 40 MB limit
        handle.truncate(50 * 1024 * 1024)
    (folder / "not-a-report.html").write_text("<html><body><h1>欢迎访问</h1><p>今日天气晴。</p></body></html>")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 truncated")
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    no_tables = "示例局2023年政府信息公开工作年度报告\n一、总体情况\n未收到申请。\n二、主动公开政府信息情况\n无。"
    (folder / "no-tables.txt").write_text(no_tables, encoding="gb18030")
    shutil.copy(corpus_dir() / "docs" / "007_hebei-education-dept-2023.txt", folder / "good.txt")
    db = tmp_path / "bad.db"
    result = run_scrapy("ingest", str(folder), db=db)
    assert result.returncode == 1  # some documents failed
    with sqlite3.connect(db) as connection:
        rows = dict(connection.execute("SELECT source, quality || ' ' || COALESCE(quality_reasons, '') FROM reports"))
        templates = {Path(s).name: t for s, t in connection.execute("SELECT source, template FROM reports")}
        reasons = {Path(source).name: text for source, text in rows.items()}
        checks = connection.execute("SELECT COUNT(*) FROM checks WHERE rule = 'input' AND passed = 0").fetchone()[0]
    assert reasons["empty.txt"].startswith("error empty document")
    assert reasons["garbage.bin"].startswith("error not text")
    assert reasons["bad-utf8.txt"].startswith("error not text")
    assert reasons["huge.txt"].startswith("error too large")
    assert reasons["not-a-report.html"].startswith("error not a report")
    assert reasons["report.pdf"].startswith("error corrupt PDF")
    assert reasons["scan.png"].startswith("error corrupt image")  # a PNG header and zeros: nothing to OCR
    assert reasons["no-tables.txt"].startswith("warning")  # a real report without tables: not an error
    assert not reasons["good.txt"].startswith("error")
    assert checks == 7  # every unreadable input explains itself through `checks`
    assert "too large: 50.0 MiB (limit 40 MiB)" in reasons["huge.txt"]
    assert templates["scan.png"] == templates["empty.txt"] == "none"
    for name in ("empty.txt", "garbage.bin", "huge.txt", "not-a-report.html"):
        assert f"FAILED {folder / name}" in result.stdout


def test_invalid_arguments_fail_at_once(tmp_path):
    result = run_scrapy("ingest", str(tmp_path / "missing"), db=tmp_path / "x.db")
    assert result.returncode != 0 and "no such file" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_cross_year_checks_do_not_depend_on_ingest_order(tmp_path):
    names = ["021_hebei-industry-it-dept-2021.txt", "011_hebei-industry-it-dept-2022.txt"]
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in names:
        shutil.copy(corpus_dir() / "docs" / name, folder / name)
    together, one_by_one = tmp_path / "together.db", tmp_path / "one_by_one.db"
    run_scrapy("ingest", str(folder), db=together)
    for name in reversed(names):  # the later year first
        run_scrapy("ingest", str(folder / name), db=one_by_one)

    def carryover(db: Path) -> list:
        with sqlite3.connect(db) as connection:
            return sorted(connection.execute(
                "SELECT r.year, c.scope, c.passed, c.detail FROM checks c JOIN reports r ON r.id = c.report_id "
                "WHERE c.rule = 'carryover'"))  # fmt: skip

    found = carryover(together)
    assert found == carryover(one_by_one)
    assert {year for year, *_ in found} == {2022}  # 2022 checked against 2021 (河北省工业和信息化厅)
    assert {"total", "regulations.in_force"} <= {scope for _, scope, _, _ in found}


def test_attachment_formats_land_like_html_reports(tmp_path):
    """Issue 5 acceptance at the database: the 淮安 PDF and the blank-template DOCX through `scrapy ingest`."""
    import json

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("001_huaian-city-2024.pdf", "028_blank-template-2021-format_NOT-A-REPORT.docx"):
        shutil.copy(corpus_dir() / "docs" / name, folder / name)
    db = tmp_path / "attachments.db"
    run_scrapy("ingest", str(folder), db=db)
    key = json.loads((corpus_dir() / "answers" / "001_huaian-city-2024.pdf.json").read_text(encoding="utf-8"))
    with sqlite3.connect(db) as connection:
        reports = {Path(s).name: (rid, t, q) for rid, s, t, q in connection.execute(
            "SELECT id, source, template, quality FROM reports")}  # fmt: skip
        pdf_id, pdf_template, pdf_quality = reports["001_huaian-city-2024.pdf"]
        cells = {(t, r, c): v for t, r, c, v in connection.execute(
            "SELECT table_name, row_key, col_key, value FROM cells WHERE report_id = ?", [pdf_id])}  # fmt: skip
        docx_id, docx_template, docx_quality = reports["028_blank-template-2021-format_NOT-A-REPORT.docx"]
        docx_values = [v for (v,) in connection.execute("SELECT value FROM cells WHERE report_id = ?", [docx_id])]
        sections = [
            n
            for (n,) in connection.execute("SELECT number FROM sections WHERE report_id = ? ORDER BY number", [pdf_id])
        ]
    expected = {
        (table, row, col): (value["value"] if isinstance(value, dict) else value)
        for table, rows in key["tables"].items()
        for row, cols in rows.items()
        for col, value in cols.items()
    }
    assert cells == expected  # every cell of the key, nothing else
    assert (pdf_template, pdf_quality, sections) == ("v2021", "ok", [1, 2, 3, 4, 5, 6])
    assert docx_template == "v2021" and docx_quality != "ok"
    assert len(docx_values) == 200 and all(value is None for value in docx_values)
