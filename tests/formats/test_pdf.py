"""PDF converter on the real corpus report 001_huaian-city-2024.pdf (ruled tables split across pages)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from keys import check_key, load_key

from demo import render
from pipelines.document import DocumentError
from pipelines.formats.pdf import pdf_to_document

HUAIAN = "001_huaian-city-2024.pdf"
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


@pytest.fixture(scope="module")
def huaian(corpus):
    return pdf_to_document((corpus / "docs" / HUAIAN).read_bytes(), filename=HUAIAN)


def test_huaian_grids_hold_every_key_number_in_its_row(huaian):
    assert check_key(huaian.grids, load_key(HUAIAN)) == 10 + 25 * 7 + 15


def test_huaian_tables_split_across_pages_are_joined(huaian):
    # active disclosure spans pages 3-4, applications pages 4-5: one grid each, plus the review table
    assert len(huaian.grids) == 3
    applications = huaian.grids[1]
    labels = [next((cell for cell in row[:3] if cell), "") for row in applications]
    # the group label 「（四）无法提供」 was cut by the page break into 「（四）无」 / 「法提供」
    row = labels.index("（四）无法提供")
    assert applications[row][2] == "1.本机关不掌握相关政府信息"
    assert [r[1] for r in applications[row + 1 : row + 3]] == [None, None]
    # the vertical label 「三、\n本\n年\n度…」 is one cell spanning every result row, across the page break
    start = labels.index("三、本年度办理结果")
    assert all(r[0] is None for r in applications[start + 1 : len(applications) - 1])
    assert applications[-1][0] == "四、结转下年度继续办理"


def test_huaian_header_cells_are_rejoined(huaian):
    applications, review = huaian.grids[1], huaian.grids[2]
    assert applications[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert review[2][5:10] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_huaian_sections_in_order_and_no_duplicated_cells(huaian):
    text = huaian.text
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    running = "\n".join(block.text for block in huaian.blocks if not block.is_table)
    assert "3119" in running  # the narrative quotes it …
    assert "447228" not in running and "3985758" not in running  # … but table cells never leak into the text
    assert "- 3 -" not in text  # page numbers dropped
    # framed paragraphs (one-column ruled boxes) stay running text
    assert "本报告由淮安市人民政府办公室" in running
    assert huaian.meta["title"] == "政府信息公开工作年度报告"
    assert huaian.meta["created"] == "2025-02-25T10:02:50+08:00"
    assert huaian.warnings == []


def test_glyphs_without_unicode_mapping_are_dropped_and_reported():
    unreadable = "\n".join(["éèàüöß ÀÉÎ çñ"] * 6)  # Vera glyphs outside ASCII: no way to map them back
    document = pdf_to_document(render.unmapped_glyphs_pdf("一、总体情况 本年新收申请", unreadable))
    assert document.warnings == ["1 pages with glyphs that have no Unicode mapping (dropped)"]
    assert "一、总体情况" in document.text
    assert not any(ord(char) < 32 and char != "\n" for char in document.text)  # no (cid:) garbage


def test_pdf_whose_text_cannot_be_decoded_at_all():
    with pytest.raises(DocumentError, match=r"^PDF text cannot be decoded"):
        pdf_to_document(render.unmapped_glyphs_pdf(None, "éèàüöß ÀÉÎ çñ"))


def test_fake_bold_double_painted_text_is_read_once():
    """PDFium's text page drops a glyph painted twice a fraction of a point apart (pdfminer keeps both)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("STSong-Light", 14)
    for dx in (0, 0.3):  # WPS/Word "bold" for fonts without a bold face
        pdf.drawString(72 + dx, 720, "一、总体情况")
    pdf.drawString(72, 690, "本年新收申请11件")
    pdf.showPage()
    pdf.save()
    assert pdf_to_document(out.getvalue()).text == "一、总体情况\n本年新收申请11件"


def test_concurrent_conversions_are_serialised_safely(corpus):
    data = (corpus / "docs" / HUAIAN).read_bytes()
    expected = pdf_to_document(data).grids
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: pdf_to_document(data).grids, range(8)))
    assert all(grids == expected for grids in results)


def test_page_with_thousands_of_lines_is_read_as_text():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 760, "图表：各县区政务公开得分")
    for step in range(1600):  # a dense chart grid: 3200 short ruling segments
        pdf.line(72 + step % 40 * 10, 100 + step // 40 * 10, 80 + step % 40 * 10, 100 + step // 40 * 10)
        pdf.line(72 + step % 40 * 10, 100 + step // 40 * 10, 72 + step % 40 * 10, 108 + step // 40 * 10)
    pdf.showPage()
    pdf.save()
    document = pdf_to_document(out.getvalue())
    assert document.text == "图表：各县区政务公开得分"
    assert document.warnings == ["1 pages with over 3000 drawn lines read as text only"]
