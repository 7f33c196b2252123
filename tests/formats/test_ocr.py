"""OCR of image-only reports: answer keys rendered with Debian CJK fonts, rasterised and degraded like scans
(`scans.py`), read back through the same converters, grid → cells reader and checks as every format.

Every key cell must come back exact, or NULL with a failed check (never a silent wrong number). A few
representative scans here; the full grid of fonts × DPI × degradations is tests/benchmarks/bench_ocr.py.
"""

from __future__ import annotations

import io

import pypdfium2
import pytest
from keys import load_key
from ocr_keys import score
from PIL import Image

from demo import render, scans
from pipelines.document import Document, DocumentError, table_block, unsure_cell
from pipelines.formats import ocr, to_document
from pipelines.formats.image import IMAGE_ONLY, ImageOnlyError, image_to_document
from pipelines.formats.pdf import pdf_to_document
from pipelines.sections import split_sections
from pipelines.tables import extract_tables

HUAIAN = "001_huaian-city-2024.pdf"  # large numbers, money 96171.6
HEBEI = "005_hebei-education-dept-2021.txt"  # a blank (null) cell


def _check(document: Document, key: dict, minimum: float) -> None:
    result = score(extract_tables(document), key)
    assert result.silent == [], "wrong numbers stored without a flag"
    assert result.wrong_flagged == 0
    assert result.recovery >= minimum, f"{result.exact} of {result.total} cells exact"


@pytest.fixture(scope="module")
def clean_scan():
    key = load_key(HUAIAN)
    scan = scans.Scan(font="uming", dpi=200)
    return key, pdf_to_document(scans.images_pdf(scans.report_pages(key, scan), scan.dpi))


def test_clean_scanned_pdf_reads_back_every_cell_and_section(clean_scan):
    key, document = clean_scan
    assert document.format == "pdf+ocr"
    assert document.warnings == ["3 of 3 pages read by OCR (text recognised from images)"]
    _check(document, key, minimum=0.98)
    assert len(document.grids) == 3  # the applications table, split over two pages, is joined
    assert [s.number for s in split_sections(document.text)][:4] == [1, 2, 3, 4]
    assert "持续深化政务公开" in document.text
    assert "- 2 -" not in document.text  # page numbers dropped, as in text PDFs


def test_degraded_multipage_tiff_in_another_font():
    key = load_key(HEBEI)
    scan = scans.Scan(font="zenhei", dpi=150, rotation=-1.3, jpeg=60, noise=5, blur=0.5, seed=3)
    pages = scans.report_pages(key, scan)
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], dpi=(150, 150))
    document = to_document(out.getvalue(), filename="scan.tif")
    assert document.format == "image+ocr"
    _check(document, key, minimum=0.90)


def test_pdf_with_one_image_only_page():
    """Text pages stay text; the scanned page in between is OCR'd, and its table joins the text one."""
    key = load_key(HUAIAN)
    # An embedded font: rasterised with the project's PDFium, a font the PDF does not embed is drawn as boxes
    # (pipelines/formats/pdfium_fonts.py) — text is read from its codes, never from its shapes.
    text_pdf = render.report_pdf(key, font=str(scans.FONTS["uming"]))
    scanned = scans.images_pdf(scans.pdf_pages(text_pdf, 200)[1:2], 200)
    mixed = pypdfium2.PdfDocument.new()
    mixed.import_pages(pypdfium2.PdfDocument(text_pdf), [0])
    mixed.import_pages(pypdfium2.PdfDocument(scanned), [0])
    mixed.import_pages(pypdfium2.PdfDocument(text_pdf), [2])
    out = io.BytesIO()
    mixed.save(out)
    document = pdf_to_document(out.getvalue())
    assert document.format == "pdf+ocr"
    assert document.warnings == ["1 of 3 pages read by OCR (text recognised from images)"]
    _check(document, key, minimum=0.98)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_pages_on_their_side_or_upside_down(turn):
    key = load_key(HEBEI)
    page = scans.report_pages(key, scans.Scan(dpi=150))[0].rotate(turn, expand=True)
    out = io.BytesIO()
    page.save(out, format="PNG")
    assert "一、总体情况" in image_to_document(out.getvalue()).text


def test_exif_orientation_is_applied():
    page = scans.report_pages(load_key(HEBEI), scans.Scan(dpi=150))[0].rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=85, exif=exif)
    document = image_to_document(out.getvalue())
    assert "二、主动公开政府信息情况" in document.text


def test_untrusted_reading_is_null_with_raw_text_and_a_failed_check():
    """An OCR value under the confidence threshold: NULL, raw kept, `ocr` check failed, the rules through the
    cell undetermined (as for an ambiguous glued run), and the section text shows the raw reading."""
    key = load_key(HUAIAN)
    document = pdf_to_document(render.report_pdf(key))
    grid = next(grid for grid in document.grids if any("本年新收" in (cell or "") for cell in grid[3]))
    row = next(r for r in grid if r[0] and "本年新收" in r[0])
    row[3] = unsure_cell("30O1", 0.62)
    blocks = [table_block(grid) if block.grid is grid else block for block in document.blocks]
    tables = extract_tables(Document(blocks=blocks))
    cell = next(c for c in tables.cells if (c.row_key, c.col_key) == ("new_received", "natural_person"))
    assert (cell.value, cell.raw) == (None, "30O1")
    ocr_checks = [c for c in tables.checks if c.rule == "ocr"]
    assert [(c.scope, c.passed) for c in ocr_checks] == [("applications.new_received", False)]
    assert "natural_person '30O1' (0.62)" in ocr_checks[0].detail
    r31 = next(c for c in tables.checks if c.rule == "R3.1" and c.scope == "natural_person")
    assert not r31.passed and r31.detail.startswith("undetermined")
    assert "30O1" in Document(blocks=blocks).text and "\ue000" not in Document(blocks=blocks).text


def test_picture_without_text_stays_image_only():
    with pytest.raises(ImageOnlyError, match=f"^{IMAGE_ONLY}$") as error:
        image_to_document(render.picture_png(), filename="chart.png")
    assert error.value.detail == "PNG image: OCR found no text"


def test_corrupt_and_oversized_pictures_are_clear_errors(monkeypatch):
    with pytest.raises(DocumentError, match=r"^corrupt image"):
        to_document(render.picture_png()[:60], filename="scan.png")
    monkeypatch.setattr(ocr, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(DocumentError, match=r"^image too large: 200×120 pixels"):
        to_document(render.picture_png(), filename="scan.png")


def test_time_and_page_caps_are_recorded(monkeypatch):
    key = load_key(HEBEI)
    pages = scans.report_pages(key, scans.Scan(dpi=150))
    data = scans.images_pdf(pages, 150)
    monkeypatch.setattr(ocr, "MAX_OCR_PAGES", 1)
    document = pdf_to_document(data)
    assert "OCR page cap: 2 image-only pages not read (limit 1)" in document.warnings
    assert "1 of 3 pages read by OCR (text recognised from images)" in document.warnings
    monkeypatch.setattr(ocr, "PAGE_SECONDS", 0.0)
    with pytest.raises(DocumentError, match=r"^OCR time limit exceeded: page\(s\) 1 not read \(limit 0 s a page"):
        pdf_to_document(data)  # nothing read at all: the report stays unread, and says why
    out = io.BytesIO()
    pages[0].save(out, format="PNG")
    with pytest.raises(DocumentError, match=r"^OCR time limit exceeded: page\(s\) 1 not read"):
        image_to_document(out.getvalue())


def test_ocr_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("NIANBAO_OCR", "0")
    with pytest.raises(ImageOnlyError, match=f"^{IMAGE_ONLY}$"):
        pdf_to_document(scans.images_pdf(scans.report_pages(load_key(HEBEI), scans.Scan(dpi=100))[:1], 100))


def test_scrapy_ingest_stores_a_scan_as_an_ocr_report(tmp_path):
    """A multi-page TIFF through `scrapy ingest` (parser process, writer process, real SQLite file)."""
    import sqlite3

    from tests.conftest import run_scrapy

    key = load_key(HEBEI)
    pages = scans.report_pages(key, scans.Scan(font="microhei", dpi=150, jpeg=85))
    folder = tmp_path / "scans"
    folder.mkdir()
    pages[0].save(folder / "report.tif", format="TIFF", save_all=True, append_images=pages[1:], dpi=(150, 150))
    db = tmp_path / "reports.db"
    run_scrapy("ingest", str(folder), db=db)
    with sqlite3.connect(db) as connection:
        report_id, fmt, template, quality, reasons = connection.execute(
            "SELECT id, format, template, quality, quality_reasons FROM reports").fetchone()  # fmt: skip
        cells = {(t, r, c): v for t, r, c, v in connection.execute(
            "SELECT table_name, row_key, col_key, value FROM cells WHERE report_id = ?", [report_id])}  # fmt: skip
        sections = [n for (n,) in connection.execute("SELECT number FROM sections WHERE report_id = ?", [report_id])]
    assert (fmt, template, quality) == ("image+ocr", "v2021", "warning")
    assert "input: 3 of 3 pages read by OCR" in reasons
    expected = {(t, r, c): (v["value"] if isinstance(v, dict) else v)
                for t, rows in key["tables"].items() for r, cols in rows.items() for c, v in cols.items()}  # fmt: skip
    assert cells == expected
    assert sorted(sections)[:4] == [1, 2, 3, 4]
