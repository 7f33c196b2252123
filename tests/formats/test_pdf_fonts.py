"""PDF extraction does not depend on the fonts installed on the machine (pipelines/formats/pdfium_fonts.py).

The proof runs the converter in child processes whose PDFium sees different font sets: PDFium's own font
lookup reads only the folders given to FPDF_InitLibraryWithConfig (m_pUserFontPaths) instead of
/usr/share/fonts and friends, so a child re-initialised with an empty folder is a machine without fonts and
one with a folder of stand-in fonts (a CJK "Test Song" and an "Arial", both with glyph boxes unlike any
real font) is a machine with them. The control runs the same children with the project's font lookup
switched off: there the font set changes the result, so the equality with it switched on is not luck.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pytest
from keys import load_key

from demo import render
from pipelines.formats import boxfont, pdfium_fonts
from pipelines.formats.pdf import pdf_to_document
from pipelines.formats.pdfium_page import PDFIUM_LOCK, read_page

ROOT = Path(__file__).resolve().parents[2]
PAGE_HEIGHT = 842  # render.nonembedded_fonts_pdf
LABEL = "三、本年度办理结果"  # drawn one character per line (render.py), as in 001_huaian

# Child: [font folder or "-" for the machine's own], ["on" | "off"], PDF paths → JSON of what was extracted.
CHILD = r"""
import ctypes, json, sys
import pypdfium2.raw as pdfium_c  # initialises PDFium with the default font folders
folder, lookup, *paths = sys.argv[1:]
if folder != "-":  # start PDFium again, its font lookup confined to `folder`
    pdfium_c.FPDF_DestroyLibrary()
    name = ctypes.create_string_buffer(folder.encode())
    folders = (ctypes.POINTER(ctypes.c_char) * 2)(ctypes.cast(name, ctypes.POINTER(ctypes.c_char)), None)
    config = pdfium_c.FPDF_LIBRARY_CONFIG(version=2, m_pUserFontPaths=folders, m_pIsolate=None, m_v8EmbedderSlot=0)
    pdfium_c.FPDF_InitLibraryWithConfig(config)
if lookup == "off":  # the control: keep PDFium's own lookup of the machine's fonts
    from pipelines.formats import pdfium_fonts
    pdfium_fonts.install = lambda: None
sys.path.insert(0, "tests/formats")
from test_pdf_fonts import extract
print(json.dumps([extract(open(path, "rb").read()) for path in paths], ensure_ascii=False))
"""


def extract(data: bytes) -> dict:
    """The Document and every character box of every page (rounded to 1/100 pt)."""
    document = pdf_to_document(data)
    pages = []
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            for index in range(len(pdf)):
                chars = read_page(pdf, index).chars
                pages.append([[c["text"], *(round(c[k], 2) for k in ("x0", "x1", "top", "bottom"))] for c in chars])
        finally:
            pdf.close()
    return {"document": dataclasses.asdict(document), "pages": pages}


def stand_in_font(path: Path, family: str, ranges: list[tuple[int, int]], box: tuple, code_pages: int) -> None:
    """A TrueType font named `family` mapping `ranges` to one glyph with bounding box `box` (units of 1000)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "glyph"])
    builder.setupCharacterMap({code: "glyph" for first, last in ranges for code in range(first, last + 1)})
    glyphs = {}
    for name in (".notdef", "glyph"):
        pen = TTGlyphPen(None)
        x0, y0, x1, y1 = box
        pen.moveTo((x0, y0))
        for point in ((x0, y1), (x1, y1), (x1, y0)):
            pen.lineTo(point)
        pen.closePath()
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({".notdef": (1000, box[0]), "glyph": (1000, box[0])})
    builder.setupHorizontalHeader(ascent=box[3], descent=box[1])
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(ulCodePageRange1=code_pages, sTypoAscender=box[3], sTypoDescender=box[1])
    builder.setupPost()
    builder.save(str(path))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    documents = {
        "split-inside-group.pdf": render.report_pdf(load_key("001_huaian-city-2024.pdf")),
        "split-between-groups.pdf": render.report_pdf(
            load_key("010_hebei-industry-it-dept-2019.txt"), split_after="denied_admin_inquiry"
        ),
        "nonembedded.pdf": render.nonembedded_fonts_pdf(),
    }
    for name, data in documents.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in documents]


@pytest.fixture(scope="module")
def font_sets(tmp_path_factory) -> dict[str, str]:
    """Font folders for PDFium: none at all, and stand-ins for a CJK font and Arial."""
    empty = tmp_path_factory.mktemp("no-fonts")
    stand_ins = tmp_path_factory.mktemp("stand-in-fonts")
    cjk = [(0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)]
    stand_in_font(stand_ins / "testsong.ttf", "Test Song", cjk, (-50, -300, 1050, 950), 1 << 18)  # GB 2312
    stand_in_font(stand_ins / "arial.ttf", "Arial", [(0x20, 0x7E)], (-100, -300, 900, 1000), 1)  # Latin 1
    return {"no fonts": str(empty), "stand-in fonts": str(stand_ins), "this machine's fonts": "-"}


def run_child(folder: str, lookup: str, pdfs: list[Path]) -> list[dict]:
    command = [sys.executable, "-c", CHILD, folder, lookup, *map(str, pdfs)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def row(result: dict, y: int) -> list:
    """The characters of nonembedded.pdf on baseline `y`, as extracted."""
    return [char for char in result["pages"][0] if PAGE_HEIGHT - y - 12.5 <= char[3] <= PAGE_HEIGHT - y]


def labels(result: dict) -> list[str]:
    grids = [block["grid"] for block in result["document"]["blocks"] if block["grid"]]
    applications = next(grid for grid in grids if any("本年新收" in (cell or "") for cell in grid[3]))
    return [cell for row in applications for cell in row[:3] if cell]


def test_without_the_projects_font_lookup_the_machines_fonts_change_the_result(pdfs, font_sets):
    """The control: PDFium left to its own lookup extracts differently with and without fonts installed."""
    bare = run_child(font_sets["no fonts"], "off", pdfs)
    fonted = run_child(font_sets["stand-in fonts"], "off", pdfs)
    # without a CJK font the one-character objects of the vertical label vanish; the stand-in CJK font keeps them
    assert LABEL not in labels(bare[0]) and labels(fonted[0]).count(LABEL) == 1
    # the stand-in Arial replaces PDFium's built-in Helvetica, and its glyph boxes widen the character boxes
    assert row(bare[2], 760) != row(fonted[2], 760)


def test_extraction_is_the_same_whatever_fonts_the_machine_has(pdfs, font_sets):
    results = {name: run_child(folder, "on", pdfs) for name, folder in font_sets.items()}
    here = [extract(path.read_bytes()) for path in pdfs]  # this process: the project's lookup is installed
    for name, result in results.items():
        assert result == here, name
    assert labels(here[0]).count(LABEL) == 1 and labels(here[1]).count(LABEL) == 1


def baseline(char: dict) -> int:
    """The y (PDF coordinates, 12 pt text) of the NONEMBEDDED_TEXT item a character belongs to."""
    rows = {y for _, _, items in render.NONEMBEDDED_TEXT for _, y, _ in items}
    return next(y for y in rows if PAGE_HEIGHT - y - 12.5 <= char["top"] <= PAGE_HEIGHT - y)


def test_nonembedded_text_keeps_every_character_in_the_boxes_the_pdf_defines():
    """Every character of a non-embedded font is there, `x1 - x0` is its width from the PDF's /Widths or /W
    (PDFium's built-in Helvetica metrics for the standard font, which has none), top and bottom come from
    the descriptor's /Ascent and /Descent: the substitute font adds nothing of its own."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    data = render.nonembedded_fonts_pdf()
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(data)
        try:
            chars = {(c["text"], round(c["x0"], 1), baseline(c)): c for c in read_page(pdf, 0).chars}
        finally:
            pdf.close()
    for resource, _, items in render.NONEMBEDDED_TEXT:
        cjk = resource in ("F5", "F6")
        ascent, descent = (859, -141) if cjk else (880, -120)  # as written in render.nonembedded_fonts_pdf
        for x, y, text in items:
            for char in text:
                width = 12.0 if cjk else stringWidth(char, "Helvetica", 12)
                box = chars.pop((char, round(x, 1), y))
                assert box["x1"] == pytest.approx(x + width, abs=0.05), (resource, char)
                if resource != "F1":  # the standard font has no descriptor
                    assert box["top"] == pytest.approx(PAGE_HEIGHT - y - ascent * 12 / 1000, abs=0.05)
                    assert box["bottom"] == pytest.approx(PAGE_HEIGHT - y - descent * 12 / 1000, abs=0.05)
                x += width
    assert not chars  # nothing extra either
    document = pdf_to_document(data)
    assert "合\n计\n：\n元" in document.text and "三\n、\n结" in document.text


def test_fallback_font_is_what_boxfont_builds():
    """data/fallback_box.ttf is reproducible from its generator (so a reviewer can trust the binary)."""
    assert boxfont.build() == boxfont.FONT_PATH.read_bytes()
    assert Path(str(pdfium_fonts.FONT)).samefile(boxfont.FONT_PATH)  # the font PDFium reads is that file


@pytest.mark.parametrize(
    ("family", "charset", "builtin"),
    [
        ("Helvetica", 0, True),
        ("Times-BoldItalic", 0, True),
        ("Courier", 1, True),
        ("Helvetica", 134, False),  # GB 2312: a CJK font named Helvetica gets the box font
        ("STSong-Light", 134, False),
        ("Calibri", 0, False),
        ("SimSun", 0, False),
    ],
)
def test_only_standard_latin_families_use_pdfiums_builtin_fonts(family, charset, builtin):
    assert pdfium_fonts.wants_builtin(family, charset) is builtin
