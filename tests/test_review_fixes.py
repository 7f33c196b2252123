"""Regression tests for review findings: numbers from prose never become cells, and doubt is never «ok»."""

import re

import pytest

from crawler.items import ReportItem
from pipelines.database import ReportsDatabase
from pipelines.document import DocumentError
from pipelines.formats import to_document
from pipelines.formats.html import html_to_document
from pipelines.identify import IdentifyReportPipeline, content_hash, report_id
from pipelines.report import PARSER_VERSION
from pipelines.rows import ReportRows, TableRows
from pipelines.tables import extract_tables
from pipelines.tables.model import Cell
from pipelines.tables.quality import quality
from pipelines.tables.rules import nonnegative_check
from tests.conftest import corpus_doc

ZEROS = corpus_doc("000_4a2e86469314abd7.txt").read_text(encoding="utf-8")  # a clean all-zero v2021 report


def _review(text: str) -> dict:
    extraction = extract_tables(to_document(text.encode()))
    return {(c.row_key, c.col_key): c.value for c in extraction.cells if c.table_name == "review_litigation"}


@pytest.mark.parametrize("sentence", ["注：本年度我局复议后起诉案件0起。", "历年累计被诉5起。"])
def test_a_number_in_a_sentence_after_table_four_is_not_a_cell(sentence):
    end = ZEROS.rindex("0", 0, ZEROS.index("五、"))
    short_row = ZEROS[:end] + ZEROS[end + 1 :]  # the review row now prints 14 numbers and a blank
    cells = _review(short_row.replace("五、", sentence + "\n五、", 1))
    assert cells[("lit_after_review", "total")] is None
    assert 5 not in cells.values()


def test_a_row_label_met_only_in_prose_is_flagged_not_stored_as_blank():
    row = re.search(r"行政强制[^\n]*\n", ZEROS).group(0)
    text = ZEROS.replace(row, "", 1).replace("三、收到和处理", "本年度未实施行政强制措施。\n三、收到和处理", 1)
    extraction = extract_tables(to_document(text.encode()))
    assert quality(extraction)[0] != "ok"
    assert any(c.rule == "cells" and c.scope.endswith("admin_coercion") and not c.passed for c in extraction.checks)


def test_a_review_heading_followed_by_a_sentence_is_no_table():
    text = "示例局2023年政府信息公开工作年度报告\n一、总体情况\n无。\n四、政府信息公开行政复议 行政诉讼情况\n本年度行政复议结果维持1起。\n"
    extraction = extract_tables(to_document(text.encode()))
    assert extraction.cells == [] and extraction.template == "none"


def test_counts_must_be_whole_numbers():
    cells = [Cell("applications", "new_received", "natural_person", 2.5, "2.5"),
             Cell("active_disclosure", "admin_fees", "fee_amount", 650.6, "650.6")]  # fmt: skip
    check = nonnegative_check("applications", cells)
    assert not check.passed and "new_received.natural_person=2.5" in check.detail and "fee_amount" not in check.detail


def test_span_bombs_are_refused_quickly():
    cells = "".join("<td rowspan='200' colspan='200'>x</td>" for _ in range(100))
    html = (
        f"<html><body><p>一、总体情况</p><table>{'<tr>' + cells + '</tr>' * 1}"
        + "<tr><td>1</td></tr>" * 199
        + "</table></body></html>"
    )
    with pytest.raises(DocumentError, match="too large"):
        html_to_document(html)


def test_stored_errors_are_parsed_again(tmp_path):
    db = ReportsDatabase(tmp_path / "r.db")
    item = ReportItem(source="x.txt", body=b"same bytes", hints={"local_path": "/abs/x.txt"})
    row = {"id": report_id(item), "source": "x.txt", "template": "none", "quality": "error",
           "content_sha256": content_hash(item), "parser_version": PARSER_VERSION}  # fmt: skip
    try:
        db.store(ReportRows(row["id"], {"reports": TableRows.of([row])}))
        db.commit()
        pipeline = IdentifyReportPipeline(db)
        assert pipeline.process_item(item).unchanged is False
        db.store(ReportRows(row["id"], {"reports": TableRows.of([row | {"quality": "warning"}])}))
        db.commit()
        assert pipeline.process_item(item).unchanged is True
    finally:
        db.close()


def _key_values(key: dict) -> dict:
    return {
        (table, row, col): (value["value"] if isinstance(value, dict) else value)
        for table, rows in key["tables"].items() if rows
        for row, cols in rows.items() if row != "extra_rows"
        for col, value in cols.items()
    }  # fmt: skip


KEYS = __import__("tests.conftest", fromlist=["answer_keys"]).answer_keys((".txt", ".md", ".pdf", ".docx"))


@pytest.mark.parametrize("key", KEYS, ids=[key["doc"] for key in KEYS])
def test_a_report_with_an_unresolved_cell_is_never_ok(key):
    """Where the parser NULLs a number the key knows (an ambiguity it reported), quality must not be ok."""
    path = corpus_doc(key["doc"])
    extraction = extract_tables(to_document(path.read_bytes(), filename=path.name))
    got = {(c.table_name, c.row_key, c.col_key): c.value for c in extraction.cells}
    nulled = [k for k, v in _key_values(key).items() if v is not None and k in got and got[k] is None]
    if nulled:
        assert quality(extraction)[0] != "ok", nulled[:3]
    else:
        assert all(got.get(k) == v for k, v in _key_values(key).items() if v is not None and k in got)


def test_two_numbers_stacked_in_one_cell_are_not_glued():
    header = "<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr><tr>" + (
        "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 3) + "</tr>"  # fmt: skip
    values = ["1<br>2", "0", "0", "0", "12"] + ["0"] * 10
    html = (f"<p>四、政府信息公开行政复议、行政诉讼情况</p><table>{header}<tr>"
            + "".join(f"<td>{v}</td>" for v in values) + "</tr></table><p>五、存在的主要问题及改进情况</p>")  # fmt: skip
    extraction = extract_tables(html_to_document(html))
    assert {c.value for c in extraction.cells if c.row_key == "review"} == {None}
    assert quality(extraction)[0] != "ok"
