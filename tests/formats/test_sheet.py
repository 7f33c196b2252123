"""XLSX/XLS converter details: numbers as printed, merged ranges, used-range trimming, caps."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from pipelines.document import DocumentError
from pipelines.formats.sheet import MAX_SHEET_CELLS, render_number, xlsx_to_document


@pytest.mark.parametrize(
    ("value", "number_format", "printed"),
    [
        (5.0, "General", "5"),
        (3119, "General", "3119"),
        (96171.6, "General", "96171.6"),
        (0.1 + 0.2, "General", "0.3"),
        (-59, "General", "-59"),
        (5, "0.00", "5.00"),
        (1163.5, "#,##0.00", "1163.50"),
    ],
)
def test_numbers_render_as_printed(value, number_format, printed):
    assert render_number(value, number_format) == printed


def _xlsx(build) -> bytes:
    workbook = openpyxl.Workbook()
    build(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_sheet_used_range_merges_and_types():
    def build(workbook):
        sheet = workbook.active
        sheet.title = "表3"
        sheet["B3"] = "申请人情况"
        sheet.merge_cells("B3:D3")
        sheet["B4"], sheet["C4"], sheet["D4"] = "自然人", "商业\n企业", "日期"
        sheet["B5"], sheet["C5"], sheet["D5"] = 12.0, None, dt.datetime(2024, 3, 5)
        sheet["B6"] = "\u3000"  # a full-width blank is a blank
        workbook.create_sheet("空白")

    document = xlsx_to_document(_xlsx(build))
    assert document.format == "xlsx"
    assert document.meta == {"sheets": "表3, 空白"}
    assert document.grids == [
        [["申请人情况", None, None], ["自然人", "商业企业", "日期"], ["12", "", "2024-03-05"]],
    ]


def test_oversized_used_range_is_refused():
    def build(workbook):
        sheet = workbook.active
        sheet["A1"] = "x"
        sheet.cell(MAX_SHEET_CELLS // 10 + 1, 10, "y")

    with pytest.raises(DocumentError, match="cells"):
        xlsx_to_document(_xlsx(build))


def test_workbook_without_any_text_is_an_error():
    def build(workbook):
        workbook.active["B2"] = "\u3000"
        workbook.create_sheet("Sheet2")

    with pytest.raises(DocumentError, match=r"^empty XLSX: no cell holds text$"):
        xlsx_to_document(_xlsx(build))
