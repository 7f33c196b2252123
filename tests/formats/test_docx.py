"""DOCX converter: the corpus blank template (merged cells, blank values) and body order."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from pipelines.document import DocumentError
from pipelines.formats.docx import docx_to_document
from pipelines.formats.numbering import format_number

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


NUMBERING = """
<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
"""


def _number(paragraph, num_id: int, level: int | None = None) -> None:
    from docx.oxml import parse_xml

    ilvl = f'<w:ilvl w:val="{level}"/>' if level is not None else ""
    xml = f'<w:numPr xmlns:w="{W}">{ilvl}<w:numId w:val="{num_id}"/></w:numPr>'
    paragraph._p.get_or_add_pPr().insert(0, parse_xml(xml))


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_automatic_list_numbers_are_rendered():
    from docx.oxml import parse_xml

    def build(document):
        numbering = document.part.numbering_part.element
        numbering.insert(0, parse_xml(NUMBERING))
        numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
        heading = document.styles.add_style("ReportHeading", 1)  # paragraph style carrying the numbering
        heading.element.get_or_add_pPr().insert(0, parse_xml(f'<w:numPr xmlns:w="{W}"><w:numId w:val="90"/></w:numPr>'))
        _number(document.add_paragraph("总体情况"), 90, 0)
        _number(document.add_paragraph("主动公开规章"), 90, 1)
        _number(document.add_paragraph("主动公开规范性文件"), 90, 1)
        document.add_paragraph("主动公开政府信息情况", style="ReportHeading")
        _number(document.add_paragraph("不编号的段落"), 0, 0)
        _number(document.add_paragraph("规章"), 90, 1)  # sub-level restarts under the new heading
        table = document.add_table(rows=2, cols=2)
        for row, label in enumerate(["属于国家秘密", "其他法律行政法规禁止公开"]):
            cell = table.cell(row, 0).paragraphs[0]
            cell.add_run(label)
            _number(cell, 90, 2)
            table.cell(row, 1).text = str(row)

    doc = docx_to_document(_docx_bytes(build))
    assert doc.blocks[0].text.split("\n") == [
        "一、总体情况",
        "（一）主动公开规章",
        "（二）主动公开规范性文件",
        "二、主动公开政府信息情况",
        "不编号的段落",
        "（一）规章",
    ]
    assert doc.grids == [[["1.属于国家秘密", "0"], ["2.其他法律行政法规禁止公开", "1"]]]


@pytest.mark.parametrize(
    ("number", "fmt", "text"),
    [
        (10, "chineseCounting", "十"),
        (21, "chineseCounting", "二十一"),
        (3, "chineseLegalSimplified", "叁"),
        (2, "ideographTraditional", "乙"),
        (14, "upperRoman", "XIV"),
        (28, "lowerLetter", "bb"),
        (3, "decimalEnclosedCircle", "③"),
    ],
)
def test_number_formats(number, fmt, text):
    assert format_number(number, fmt) == text


def test_garbage_spans_do_not_crash():
    def build(document):
        from docx.oxml import parse_xml

        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "行政许可"
        table.cell(0, 1).text = "5"
        tc_pr = table.cell(0, 0)._tc.get_or_add_tcPr()
        tc_pr.append(parse_xml(f'<w:gridSpan xmlns:w="{W}" w:val="many"/>'))

    assert docx_to_document(_docx_bytes(build)).grids == [[["行政许可", "5"]]]


def test_empty_docx_is_an_error_not_an_empty_report():
    with pytest.raises(DocumentError, match=r"^empty DOCX: no text or tables$"):
        docx_to_document(_docx_bytes(lambda document: document.add_paragraph("\u3000 ")))


def test_alt_chunk_docx_is_named():
    from docx.oxml import parse_xml

    def build(document):
        document.element.body.insert(0, parse_xml(f'<w:altChunk xmlns:w="{W}" xmlns:r="{R}" r:id="rId99"/>'))

    with pytest.raises(DocumentError, match="altChunk"):
        docx_to_document(_docx_bytes(build))


R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
