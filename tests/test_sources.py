"""Two sources, one truth: a report's page and its attachment compared cell by cell (pipelines/sources.py)."""

from __future__ import annotations

import json

from crawler.items import Attachment, ReportItem
from pipelines.document import Block, Document
from pipelines.parse import read_report
from pipelines.report import ParsedReport
from pipelines.sources import compare_sources, compare_tables, other_copies
from pipelines.tables import extract_tables, quality
from tests.conftest import corpus_dir
from tests.tables.render import TableSet, render_pipes

GLUED = "011_hebei-industry-it-dept-2022.txt"  # table 二 glued: '行政规范性文件5426' has three readings


def page(name: str = GLUED) -> Document:
    return Document(blocks=[Block(text=(corpus_dir() / "docs" / name).read_text(encoding="utf-8"))])


def clean_copy(name: str = GLUED, change: dict | None = None) -> Document:
    """The same report as a clean table layout (what a PDF/DOCX copy gives), from the answer key's values."""
    key = json.loads((corpus_dir() / "answers" / f"{name}.json").read_text(encoding="utf-8"))
    ts = TableSet(key["template"], "other_total" in key["tables"]["applications"])
    for attr, table in (
        ("active", "active_disclosure"),
        ("applications", "applications"),
        ("review", "review_litigation"),
    ):
        for row, cols in key["tables"][table].items():
            getattr(ts, attr)[row] = {c: _printed(v) for c, v in cols.items()}
    for (table, row, col), value in (change or {}).items():
        getattr(ts, table)[row][col] = value
    return Document(blocks=[Block(text=render_pipes(ts))])


def _printed(value) -> str:
    value = value["value"] if isinstance(value, dict) else value
    return "" if value is None else str(value)


def test_the_attachment_decides_what_the_glued_page_left_open_and_agreement_is_recorded():
    chosen = extract_tables(page())
    assert ("active_disclosure", "normative_docs", "in_force") in chosen.unsure
    checks = compare_sources(chosen, "http://x/page.html", [("http://x/copy.pdf", clean_copy())])
    cells = {(c.row_key, c.col_key): (c.value, c.raw) for c in chosen.cells if c.table_name == "active_disclosure"}
    assert [cells[("normative_docs", c)] for c in ("issued", "repealed", "in_force")] == [
        (5, "5"),
        (4, "4"),
        (26, "26"),
    ]
    assert not chosen.unsure and not chosen.alternatives
    (split,) = [c for c in checks if c.rule == "split"]
    assert not split.passed and not split.hard and "http://x/copy.pdf" in split.detail and "'5426'" in split.detail
    (summary,) = [c for c in checks if c.rule == "sources"]
    assert summary.passed and summary.detail.startswith("200 of 200 cells compared agree")


def test_a_cell_the_copies_print_differently_is_a_hard_failure_naming_both():
    chosen = extract_tables(page())
    copy = clean_copy(change={("active", "admin_licensing", "decisions"): "195"})
    checks = compare_tables(chosen, "page", extract_tables(copy), "copy.pdf")
    failed = [c for c in checks if c.rule == "sources" and not c.passed]
    assert [(c.scope, c.detail, c.hard) for c in failed if c.scope != "cells"] == [
        ("active_disclosure.admin_licensing.decisions", "page: 194 vs copy.pdf: 195", True)
    ]
    assert quality(chosen)[0] == "warning"  # (the glued page is never ok; the failure is hard in any case)
    chosen.checks += checks
    assert any("copy.pdf" in reason for reason in quality(chosen)[1])


def test_a_copy_none_of_whose_values_is_a_reading_of_the_open_run_disagrees():
    chosen = extract_tables(page())
    copy = clean_copy(change={("active", "normative_docs", "in_force"): "27"})  # 5,4,27: not a reading of '5426'
    checks = compare_tables(chosen, "page", extract_tables(copy), "copy.pdf")
    assert ("active_disclosure", "normative_docs", "in_force") in chosen.unsure  # still open, not overwritten
    assert any(c.rule == "sources" and not c.passed and "none of the 3 readings" in c.detail for c in checks)


def test_a_table_in_one_copy_only_is_noted_softly():
    chosen = extract_tables(page())
    text = clean_copy().text
    cut = text.index("四、政府信息公开行政复议")  # a copy whose review table is missing
    checks = compare_tables(chosen, "page", extract_tables(Document(blocks=[Block(text=text[:cut])])), "copy.pdf")
    assert ("sources", "review_litigation", False, False) in [(c.rule, c.scope, c.passed, c.hard) for c in checks]


def test_copies_without_tables_are_not_compared():
    chosen = page()
    notice = Document(blocks=[Block(text="附件：政府信息公开工作年度报告（扫描件）")])
    assert other_copies(None, chosen, "page", [("a.pdf", notice, None), ("b.pdf", None, "image only")]) == []
    assert other_copies(clean_copy(), chosen, "page", [])[0][0] == "page"


def parse(item: ReportItem) -> ParsedReport:
    item.report_id, item.content_sha256 = "x", "y"
    return read_report(item, 10_000_000)


def test_parse_report_compares_a_whole_page_with_its_attachment():
    """The page holds the whole report (it is chosen); its attachment is read anyway and compared."""
    body = (corpus_dir() / "docs" / GLUED).read_bytes()
    copy = Attachment(url="http://127.0.0.1/copy.txt", body=clean_copy().text.encode(), filename="copy.txt")
    parsed = parse(ReportItem(source="http://127.0.0.1/r.txt", body=body, filename="r.txt", attachments=[copy]))
    assert parsed.report_source is None  # the page was the report
    summary = [c for c in parsed.tables.checks if c.rule == "sources"]
    assert [c.passed for c in summary] == [True] and "http://127.0.0.1/copy.txt" in summary[0].detail
    in_force = next(c for c in parsed.tables.cells if (c.row_key, c.col_key) == ("normative_docs", "in_force"))
    assert in_force.value == 26

    changed = clean_copy(change={("applications", "new_received", "natural_person"): "13"}).text.encode()
    other = Attachment(url="http://127.0.0.1/copy.txt", body=changed, filename="copy.txt")
    parsed = parse(ReportItem(source="http://127.0.0.1/r.txt", body=body, filename="r.txt", attachments=[other]))
    assert parsed.quality == "warning"
    assert any(
        c.rule == "sources" and c.scope == "applications.new_received.natural_person" for c in parsed.tables.checks
    )
