"""Render an answer key's tables in the national layout as PDF, DOCX, XLSX (and DOC/XLS via LibreOffice).

The layouts follow the official forms (国办公开办函〔2019〕60号 / 〔2021〕30号, `../shared/spec/template.md`):
group labels span rows (三、本年度办理结果 vertically, one character per line in the PDF), header cells span
columns, and the PDF splits the applications table over two pages the way 001_huaian does (the vertical
group label repeated on the second page, 「（四）无法提供」 cut in two by the page break).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.compliance import STATUTORY_HEADINGS
from pipelines.tables.template import APP_COLS

# The statutory headings and the applications table's columns, as the parser knows them.
SECTION_HEADINGS = list(STATUTORY_HEADINGS.values())
APPLICATION_COLUMNS = APP_COLS
ORG_HEADERS = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
# (row key, group label or None, item label); a group label spans its consecutive items.
RESULT_ROWS = [
    ("granted", None, "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_law_prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied_process_info", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied_admin_inquiry", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_need_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed_complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "（五）不予处理", "2.重复申请"),
    ("not_processed_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("not_processed_reconfirm", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_fee_unpaid", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "（六）其他处理", "3.其他"),
    ("other_total", None, "（六）其他处理"),
    ("results_total", None, "（七）总计"),
]
ACTIVE_V2021 = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["regulations", "normative_docs"]),
    ("第二十条第（五）项", ["本年处理决定数量"], ["admin_licensing"]),
    ("第二十条第（六）项", ["本年处理决定数量"], ["admin_penalty", "admin_coercion"]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["admin_fees"]),
]
ACTIVE_V2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["regulations", "normative_docs"]),
    (
        "第二十条第（五）项",
        ["上一年项目数量", "本年增/减", "处理决定数量"],
        ["admin_licensing", "other_admin_services"],
    ),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["admin_penalty", "admin_coercion"]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["admin_fees"]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["gov_central_procurement"]),
]
ACTIVE_LABELS = {
    "regulations": "规章",
    "normative_docs": "行政规范性文件",
    "admin_licensing": "行政许可",
    "other_admin_services": "其他对外管理服务事项",
    "admin_penalty": "行政处罚",
    "admin_coercion": "行政强制",
    "admin_fees": "行政事业性收费",
    "gov_central_procurement": "政府集中采购",
}


@dataclass
class Layout:
    """A table as cells (row, col, text, rowspan, colspan); `vertical` cells print one character per line."""

    cols: int
    widths: list[float]
    cells: list[tuple[int, int, str, int, int]] = field(default_factory=list)
    vertical: set[tuple[int, int]] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return max(r + rs for r, _, _, rs, _ in self.cells)

    def add(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        self.cells.append((row, col, text, rowspan, colspan))


def value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value["value"]
    return str(value)


def active_layout(table: dict, template: str) -> Layout:
    layout = Layout(cols=4, widths=[150, 100, 100, 100])
    row = 0
    for title, headers, keys in ACTIVE_V2021 if template == "v2021" else ACTIVE_V2019:
        layout.add(row, 0, title, colspan=4)
        layout.add(row + 1, 0, "信息内容")
        _spread(layout, row + 1, headers)
        row += 2
        for key in keys:
            label = "规范性文件" if key == "normative_docs" and template == "v2019" else ACTIVE_LABELS[key]
            layout.add(row, 0, label)
            _spread(layout, row, [value_text(v) for v in table[key].values()])
            row += 1
    return layout


def _spread(layout: Layout, row: int, texts: list[str]) -> None:
    """Put texts in columns 1…; the last one spans the rest of the row (as in the official form)."""
    for index, text in enumerate(texts):
        span = layout.cols - 1 - index if index == len(texts) - 1 else 1
        layout.add(row, 1 + index, text, colspan=span)


def applications_layout(table: dict) -> Layout:
    layout = Layout(cols=10, widths=[22, 58, 119, 36, 36, 36, 36, 36, 36, 36])
    layout.add(0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3)
    layout.add(0, 3, "申请人情况", 1, 7)
    layout.add(1, 3, "自然人", 2, 1)
    layout.add(1, 4, "法人或其他组织", 1, 5)
    layout.add(1, 9, "总计", 2, 1)
    for index, header in enumerate(ORG_HEADERS):
        layout.add(2, 4 + index, header)
    layout.add(3, 0, "一、本年新收政府信息公开申请数量", 1, 3)
    layout.add(4, 0, "二、上年结转政府信息公开申请数量", 1, 3)
    rows = [entry for entry in RESULT_ROWS if entry[0] in table]
    layout.add(5, 0, "三、本年度办理结果", len(rows), 1)
    layout.vertical.add((5, 0))
    for offset, (_key, group, label) in enumerate(rows):
        row = 5 + offset
        if group is None:
            layout.add(row, 1, label, 1, 2)
        else:
            if offset == 0 or rows[offset - 1][1] != group:
                layout.add(row, 1, group, sum(1 for entry in rows if entry[1] == group), 1)
            layout.add(row, 2, label)
    last = 5 + len(rows)
    layout.add(last, 0, "四、结转下年度继续办理", 1, 3)
    for key, row in [("new_received", 3), ("carried_over", 4), *((k, 5 + i) for i, (k, _, _) in enumerate(rows))]:
        for col, column in enumerate(APPLICATION_COLUMNS):
            layout.add(row, 3 + col, value_text(table[key][column]))
    for col, column in enumerate(APPLICATION_COLUMNS):
        layout.add(last, 3 + col, value_text(table["carried_forward"][column]))
    return layout


def review_layout(table: dict) -> Layout:
    layout = Layout(cols=15, widths=[30] * 15)
    layout.add(0, 0, "行政复议", 1, 5)
    layout.add(0, 5, "行政诉讼", 1, 10)
    for col, header in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]):
        layout.add(1, col, header, 2, 1)
        layout.add(2, 5 + col, header)
        layout.add(2, 10 + col, header)
    layout.add(1, 5, "未经复议直接起诉", 1, 5)
    layout.add(1, 10, "复议后起诉", 1, 5)
    for index, row in enumerate(["review", "lit_direct", "lit_after_review"]):
        for col, column in enumerate(["upheld", "corrected", "other", "pending", "total"]):
            layout.add(3, index * 5 + col, value_text(table[row][column]))
    return layout


def layouts(key: dict) -> dict[str, Layout]:
    tables, out = key["tables"], {}
    if tables.get("active_disclosure"):
        out["active_disclosure"] = active_layout(tables["active_disclosure"], key["template"])
    if tables.get("applications"):
        out["applications"] = applications_layout(tables["applications"])
    if tables.get("review_litigation"):
        out["review_litigation"] = review_layout(tables["review_litigation"])
    return out


def split_layout(layout: Layout, at: int, repeat_header: int = 0) -> tuple[Layout, Layout]:
    """Cut before row `at`: a vertical label crossing the cut is repeated below, other labels are cut in two.

    `repeat_header` > 0 repeats that many header rows at the top of the lower part (Word's 重复标题行).
    """
    upper = Layout(layout.cols, layout.widths, vertical=set(layout.vertical))
    lower = Layout(layout.cols, layout.widths, vertical={(r - at, c) for r, c in layout.vertical})
    for row, col, text, rowspan, colspan in layout.cells:
        if row + rowspan <= at:
            upper.add(row, col, text, rowspan, colspan)
        elif row >= at:
            lower.add(row - at, col, text, rowspan, colspan)
        else:
            vertical = (row, col) in layout.vertical
            cut = len(text) if vertical else (len(text) + 1) // 2
            upper.add(row, col, text[:cut], at - row, colspan)
            lower.add(0, col, text if vertical else text[cut:], row + rowspan - at, colspan)
            if vertical:
                lower.vertical.add((0, col))
    if repeat_header:
        lower.cells = [(r + repeat_header, c, t, rs, cs) for r, c, t, rs, cs in lower.cells]
        lower.vertical = {(r + repeat_header, c) for r, c in lower.vertical}
        lower.cells[:0] = [cell for cell in layout.cells if cell[0] + cell[3] <= repeat_header]
    return upper, lower


NARRATIVE = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续深化政务公开，不断提升公开质量和实效。"


# --- PDF ------------------------------------------------------------------------------------------------


def _pdf_table(layout: Layout, style):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table

    data: list[list[object]] = [["" for _ in range(layout.cols)] for _ in range(layout.rows)]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), style.fontName),
    ]
    for row, col, text, rowspan, colspan in layout.cells:
        shown = "<br/>".join(text) if (row, col) in layout.vertical else text
        data[row][col] = Paragraph(shown, style) if shown else ""
        if rowspan > 1 or colspan > 1:
            commands.append(("SPAN", (col, row), (col + colspan - 1, row + rowspan - 1)))
    return Table(data, colWidths=layout.widths, style=commands)


def report_pdf(
    key: dict,
    filler_pages: int = 0,
    split_after: str = "unable_not_held",
    repeat_header: int = 0,
    font: str | None = None,
) -> bytes:
    """A report PDF: headings, narrative, the key's tables (applications split over two pages after the
    result row `split_after`: by default inside the （四）无法提供 group, as in 001_huaian).

    `font` is the path of a TrueType font (.ttf, or the first face of a .ttc) to embed instead of
    reportlab's STSong-Light (which is not embedded, so rasterising it depends on the machine's fonts)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font_name = _register_font(font)
    body = ParagraphStyle("body", fontName=font_name, fontSize=11, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font_name, fontSize=8, leading=10, wordWrap="CJK")
    tables = layouts(key)
    story: list[object] = [
        Paragraph(f"{key.get('agency') or '某机关'}{key.get('year') or ''}年政府信息公开工作年度报告", body)
    ]
    for number, heading in enumerate(SECTION_HEADINGS, start=1):
        if number == 3:
            story.append(PageBreak())
        story += [Paragraph(heading, body), Paragraph(NARRATIVE, body)]
        if number == 1:
            story += [Paragraph(NARRATIVE * 6, body) for _ in range(filler_pages * 5)]
        name = {2: "active_disclosure", 3: "applications", 4: "review_litigation"}.get(number)
        if name == "applications" and name in tables:
            present = [row[0] for row in RESULT_ROWS if row[0] in key["tables"]["applications"]]
            split_at = 5 + present.index(split_after) + 1
            upper, lower = split_layout(tables[name], split_at, repeat_header)
            story += [_pdf_table(upper, cell), PageBreak(), _pdf_table(lower, cell)]
        elif name in tables:
            story.append(_pdf_table(tables[name], cell))
        story.append(Spacer(1, 8))
    out = io.BytesIO()
    page_number = _page_number(font_name)
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=page_number, onLaterPages=page_number)
    return out.getvalue()


def _register_font(path: str | None) -> str:
    """The reportlab font name to use: STSong-Light, or `path` registered as an embedded TrueType font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if path is None:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    name = Path(path).stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


def _page_number(font: str):
    def draw(canvas, doc) -> None:
        canvas.setFont(font, 9)
        canvas.drawCentredString(297, 30, f"- {doc.page} -")

    return draw


# --- DOCX / XLSX ----------------------------------------------------------------------------------------


def report_docx(key: dict) -> bytes:
    import docx

    document = docx.Document()
    tables = layouts(key)
    document.add_paragraph(f"{key.get('agency') or '某机关'}{key.get('year') or ''}年政府信息公开工作年度报告")
    for number, heading in enumerate(SECTION_HEADINGS, start=1):
        document.add_paragraph(heading)
        document.add_paragraph(NARRATIVE)
        name = {2: "active_disclosure", 3: "applications", 4: "review_litigation"}.get(number)
        if name in tables:
            layout = tables[name]
            table = document.add_table(rows=layout.rows, cols=layout.cols)
            table.style = "Table Grid"
            for row, col, text, rowspan, colspan in layout.cells:
                target = table.cell(row, col)
                if rowspan > 1 or colspan > 1:
                    target = target.merge(table.cell(row + rowspan - 1, col + colspan - 1))
                target.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def report_xlsx(key: dict) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, layout in layouts(key).items():
        sheet = workbook.create_sheet(name)
        for row, col, text, rowspan, colspan in layout.cells:
            sheet.cell(row + 1, col + 1, _typed(text))
            if rowspan > 1 or colspan > 1:
                sheet.merge_cells(
                    start_row=row + 1, start_column=col + 1, end_row=row + rowspan, end_column=col + colspan
                )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _typed(text: str) -> object:
    """Numbers are stored as numbers (ints as int), so the reader must print them back as they were."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text or None


# --- LibreOffice conversions ----------------------------------------------------------------------------


def libreoffice_convert(data: bytes, suffix: str, target: str) -> bytes:
    """Convert with soffice (e.g. DOCX → "doc", XLSX → "xls"); the test calling it requires soffice."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is required for this test; CI installs it"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"in{suffix}"
        source.write_bytes(data)
        profile = (Path(tmp) / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target]
        subprocess.run([*command, "--outdir", str(Path(tmp) / "out"), str(source)], check=True, timeout=180)
        return (Path(tmp) / "out" / f"in.{target.split(':')[0]}").read_bytes()


# --- small PDFs for bad-input tests ---------------------------------------------------------------------


def lines_pdf(pages: int, encrypt: object = None) -> bytes:
    """`pages` pages, each saying 「第N页内容」 (cheap to parse: for page caps and memory bounds)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=encrypt)
    for page in range(1, pages + 1):
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(72, 700, f"第{page}页内容，政府信息公开工作年度报告。")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def picture_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 120), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 180, 100), outline="black", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def scanned_pdf(pages: int = 2) -> bytes:
    """A 'scan': every page is only a picture, no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    picture = ImageReader(io.BytesIO(picture_png()))
    for _ in range(pages):
        pdf.drawImage(picture, 72, 500, width=400, height=240)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def unmapped_glyphs_pdf(readable: str | None, unreadable: str) -> bytes:
    """One page: `readable` in STSong-Light, `unreadable` in an embedded TrueType font (Vera, shipped with
    reportlab) whose /ToUnicode map is removed, as in PDFs that extract as `(cid:NNN)`. PDFium still maps
    ASCII from the embedded font; other glyphs (é, ß, …) have no recoverable Unicode value."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    if readable:
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(72, 720, readable)
    pdf.setFont("Vera", 12)
    for line, text in enumerate(unreadable.split("\n")):
        pdf.drawString(72, 690 - 20 * line, text)
    pdf.showPage()
    pdf.save()
    data = out.getvalue()
    assert data.count(b"/ToUnicode") == 1
    return data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: xref offsets stay valid


# --- fonts that the PDF does not embed ------------------------------------------------------------------


def _column(x: int, y: int, text: str) -> list[tuple[int, int, str]]:
    """A vertical label: one character per line, 14 pt apart."""
    return [(x, y - 14 * index, char) for index, char in enumerate(text)]


# (resource, what the font is, [(x, y, text)]): every text item is its own text object (BT … ET), so a
# one-character item is a one-character object, the kind PDFium drops when its glyph box is empty.
NONEMBEDDED_TEXT = [
    ("F1", "Helvetica (standard 14, no /Widths)", [(72, 760, "Total 12"), (300, 760, "7")]),
    ("F2", "Arial (TrueType, WinAnsi)", [(72, 730, "Arial 34"), (300, 730, "5")]),
    ("F3", "Calibri (TrueType, WinAnsi)", [(72, 700, "Calibri 56"), (300, 700, "8")]),
    ("F4", "FangSong_GB2312 (TrueType, WinAnsi: WPS digits)", [(72, 670, "2024"), (300, 670, "9")]),
    ("F5", "SimSun (Type0, UniGB-UCS2-H, Adobe-GB1)", [(72, 640, "宋体正文"), *_column(300, 640, "合计：元")]),
    ("F6", "KaiTi (Type0, Identity-H + ToUnicode)", [(72, 560, "楷体正文"), *_column(300, 560, "三、结")]),
]


def nonembedded_fonts_pdf() -> bytes:
    """One page written by hand (reportlab always embeds TrueType): Latin and Chinese text in the kinds of
    non-embedded fonts seen in reports, each with one-character text objects; see NONEMBEDDED_TEXT."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths = " ".join(str(round(stringWidth(chr(code), "Helvetica", 1000))) for code in range(32, 127))

    def simple(name: str) -> bytes:
        return (
            f"<< /Type /Font /Subtype /TrueType /BaseFont /{name} /Encoding /WinAnsiEncoding /FirstChar 32"
            f" /LastChar 126 /Widths [{widths}] /FontDescriptor << /Type /FontDescriptor /FontName /{name}"
            " /Flags 32 /FontBBox [-200 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700"
            " /StemV 80 >> >>"
        ).encode()

    def cid(name: str, encoding: str, system: str, to_unicode: str = "") -> bytes:
        return (
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /{encoding} {to_unicode}"
            f" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo {system}"
            f" /DW 1000 /FontDescriptor << /Type /FontDescriptor /FontName /{name} /Flags 6"
            " /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>"
            " >>] >>"
        ).encode()

    identity_text = "".join(dict.fromkeys("".join(t for _, _, t in NONEMBEDDED_TEXT[5][2])))
    cids = {char: 100 + index for index, char in enumerate(identity_text)}  # arbitrary CIDs, mapped back below
    bfchars = "".join(f"<{cid:04X}> <{ord(char):04X}>\n" for char, cid in cids.items())
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /KaiTi-UCS def"
        " /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapType 2 def"
        f" 1 begincodespacerange <0000> <FFFF> endcodespacerange {len(cids)} beginbfchar\n{bfchars}endbfchar"
        " endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    gb1 = "<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
    identity = "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
    fonts = {
        "F1": b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "F2": simple("Arial"),
        "F3": simple("Calibri"),
        "F4": simple("FangSong_GB2312"),
        "F5": cid("SimSun", "UniGB-UCS2-H", gb1),
        "F6": cid("KaiTi", "Identity-H", identity, "/ToUnicode 6 0 R"),
    }

    def encode(resource: str, text: str) -> str:
        if resource == "F5":
            return "<" + text.encode("utf-16-be").hex().upper() + ">"
        if resource == "F6":
            return "<" + "".join(f"{cids[char]:04X}" for char in text) + ">"
        return "(" + text + ")"

    content = "".join(
        f"BT /{resource} 12 Tf {x} {y} Td {encode(resource, text)} Tj ET\n"
        for resource, _, items in NONEMBEDDED_TEXT
        for x, y, text in items
    ).encode()
    resources = b" ".join(b"/%s %s" % (name.encode(), body) for name, body in fonts.items())
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Font << " + resources + b" >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
        ]
    )


def _raw_pdf(objects: list[bytes]) -> bytes:
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
