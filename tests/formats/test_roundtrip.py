"""Round trips: answer keys rendered in the national layout as PDF / DOCX / XLSX / DOC / XLS, converted back,
and every key number found in its grid position (blank cells stay blank, never 0)."""

from __future__ import annotations

import pytest
from keys import check_key, load_key

from demo import render
from pipelines.formats.doc import doc_to_document
from pipelines.formats.docx import docx_to_document
from pipelines.formats.pdf import pdf_to_document
from pipelines.formats.sheet import xls_to_document, xlsx_to_document

KEYS = {
    "001_huaian-city-2024.pdf": 10 + 25 * 7 + 15,  # v2021, large numbers, money 96171.6
    "005_hebei-education-dept-2021.txt": 10 + 25 * 7 + 15,  # v2021, a blank (null) cell
    "010_hebei-industry-it-dept-2019.txt": 22 + 23 * 7,  # v2019: signed deltas, blanks, no review table
}


@pytest.fixture(scope="module", params=sorted(KEYS))
def key(request):
    return request.param, load_key(request.param)


def _sections_in_order(text: str) -> bool:
    positions = [text.find(heading) for heading in render.SECTION_HEADINGS]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize(
    ("split_after", "repeat_header"),
    [("unable_not_held", 0), ("denied_admin_inquiry", 0), ("unable_not_held", 3)],
    ids=["split-inside-group", "split-between-groups", "header-rows-repeated"],
)
def test_pdf_round_trip(key, split_after, repeat_header):
    name, answers = key
    document = pdf_to_document(render.report_pdf(answers, split_after=split_after, repeat_header=repeat_header))
    assert check_key(document.grids, answers) == KEYS[name]
    assert len(document.grids) == sum(table is not None for table in answers["tables"].values())
    assert _sections_in_order(document.text)
    assert document.warnings == []
    applications = next(grid for grid in document.grids if any("本年新收" in (c or "") for c in grid[3]))
    assert sum("申请人情况" in (cell or "") for row in applications for cell in row) == 1  # header once


def test_pdf_split_label_rejoined_but_neighbouring_groups_kept_apart(key):
    _, answers = key
    inside = pdf_to_document(render.report_pdf(answers, split_after="unable_not_held"))
    boundary = pdf_to_document(render.report_pdf(answers, split_after="denied_admin_inquiry"))
    for document in (inside, boundary):
        applications = next(grid for grid in document.grids if any("本年新收" in (c or "") for c in grid[3]))
        labels = [cell for row in applications for cell in row[:3] if cell]
        assert "（四）无法提供" in labels and "（三）不予公开" in labels
        assert labels.count("三、本年度办理结果") == 1  # vertical, repeated on the second page, joined


def test_docx_round_trip(key):
    name, answers = key
    document = docx_to_document(render.report_docx(answers))
    assert check_key(document.grids, answers) == KEYS[name]
    assert _sections_in_order(document.text)


def test_xlsx_round_trip(key):
    name, answers = key
    document = xlsx_to_document(render.report_xlsx(answers))
    assert check_key(document.grids, answers) == KEYS[name]
    assert document.meta["sheets"].split(", ")[0] == "active_disclosure"


def test_doc_round_trip_through_libreoffice(key):
    name, answers = key
    data = render.libreoffice_convert(render.report_docx(answers), ".docx", "doc:MS Word 97")
    document = doc_to_document(data, filename="report.doc")
    assert document.format == "doc"
    assert check_key(document.grids, answers) == KEYS[name]
    assert _sections_in_order(document.text)


def test_xls_round_trip_through_libreoffice(key):
    name, answers = key
    data = render.libreoffice_convert(render.report_xlsx(answers), ".xlsx", "xls:MS Excel 97")
    assert check_key(xls_to_document(data).grids, answers) == KEYS[name]
