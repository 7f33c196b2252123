"""DOCX converter: the corpus blank template (merged cells, blank values) and body order."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from pipelines.document import DocumentError
from pipelines.formats.docx import docx_to_document

TEMPLATE = "028_blank-template-2021-format_NOT-A-REPORT.docx"
HEADINGS = ["一、总体情况", "二、主动公开", "三、收到和处理", "四、政府信息公开行政复议", "五、存在的", "六、其他"]


@pytest.fixture(scope="module")
def template(corpus):
    return docx_to_document((corpus / "docs" / TEMPLATE).read_bytes(), filename=TEMPLATE)


def test_template_has_three_tables_in_their_sections(template):
    assert template.format == "docx"
    assert len(template.grids) == 3
    text = template.text
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    # each table sits after its own section heading and before the next one
    kinds = ["table" if block.is_table else block.text for block in template.blocks]
    assert [i for i, kind in enumerate(kinds) if kind == "table"] == [1, 3, 5]
    assert kinds[0].endswith("二、主动公开政府信息情况") and kinds[2] == "三、收到和处理政府信息公开申请情况"
    assert kinds[4] == "四、政府信息公开行政复议、行政诉讼情况" and kinds[6].startswith("五、")


def test_template_merged_cells_are_none_at_covered_positions(template):
    active, applications, review = template.grids
    assert active[0] == ["第二十条第（一）项", None, None, None]  # gridSpan 4
    assert active[5] == ["信息内容", "本年处理决定数量", None, None]
    assert applications[0][0].startswith("（本列数据的勾稽关系") and applications[0][1:3] == [None, None]
    assert [row[0] for row in applications[1:3]] == [None, None]  # vMerge continuation rows
    assert applications[5][:2] == ["三、本年度办理结果", "（一）予以公开"]
    assert all(row[0] is None for row in applications[6:27])  # the vertical group label spans 22 rows
    assert applications[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert review[0][:6] == ["行政复议", None, None, None, None, "行政诉讼"]
    assert all(len(row) == len(grid[0]) for grid in template.grids for row in grid)


def test_template_value_cells_are_blank_never_zero(template):
    active, applications, review = template.grids
    values = [cell for row in applications[3:] for cell in row[3:]]
    values += [cell for row in active[2:4] for cell in row[1:]] + review[3]
    assert len([v for v in values if v is not None]) == 25 * 7 + 6 + 15
    assert all(v == "" for v in values if v is not None)  # full-width spaces stripped, never "0"


def _docx_bytes(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_body_order_nested_tables_and_merges():
    def build(document):
        document.add_paragraph("一、总体情况")
        table = document.add_table(rows=3, cols=3)
        table.cell(0, 0).merge(table.cell(0, 2)).text = "表头"
        table.cell(1, 0).merge(table.cell(2, 0)).text = "不予\n公开"
        table.cell(1, 1).text = "12"
        table.cell(2, 2).text = "\u3000"
        inner = table.cell(1, 2).add_table(rows=1, cols=2)
        inner.cell(0, 0).text = "内"
        inner.cell(0, 1).text = "7"
        document.add_paragraph("二、主动公开")

    doc = docx_to_document(_docx_bytes(build))
    assert [block.is_table for block in doc.blocks] == [False, True, True, False]
    outer, inner = doc.grids
    assert outer == [["表头", None, None], ["不予公开", "12", ""], [None, "", ""]]
    assert inner == [["内", "7"]]
    assert doc.blocks[0].text == "一、总体情况" and doc.blocks[-1].text == "二、主动公开"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty DOCX"),
        (b"PK\x03\x04 truncated zip", "not a zip container"),
        (b"%PDF-1.7 this is a pdf named .docx", "not a zip container"),
    ],
)
def test_bad_docx_raises_readable_reason(data, reason):
    with pytest.raises(DocumentError, match=reason):
        docx_to_document(data, filename="x.docx")


def test_zip_without_document_xml_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DocumentError, match=r"no word/document\.xml"):
        docx_to_document(buffer.getvalue())


def test_truncated_docx_is_rejected(corpus):
    data = (corpus / "docs" / TEMPLATE).read_bytes()
    with pytest.raises(DocumentError, match="corrupt DOCX"):
        docx_to_document(data[: len(data) // 2])
