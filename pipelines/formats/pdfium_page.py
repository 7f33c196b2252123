"""Read a PDF page's characters and ruling lines with PDFium (C++), in pdfplumber's object shapes.

pdfminer (pdfplumber's parser) interprets content streams in pure Python: ~100 ms per page of a WPS-made
report, far over budget. PDFium does the same in ~10 ms, and it is the extractor that copes with fonts
lacking a ToUnicode map. The dicts produced here (`x0`, `x1`, `top`, `bottom`, …, top-left origin) feed
pdfplumber's own text clustering (`extract_text`) and its `lines`-strategy table finder unchanged.

PDFium is not thread-safe: callers hold `PDFIUM_LOCK` while a document is open. Importing this module
installs the project's font lookup (`pdfium_fonts`), so fonts that a PDF does not embed are read the same
way on every machine.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

import pypdfium2
import pypdfium2.raw as pdfium_c

from pipelines.formats import pdfium_fonts

PDFIUM_LOCK = threading.RLock()
with PDFIUM_LOCK:
    pdfium_fonts.install()  # before any document is opened: PDFium caches the fonts it has looked up
AXIS_TOLERANCE = 0.5  # pt: a segment this close to horizontal/vertical is a ruling line
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class PageData:
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    unmapped: int = 0  # glyphs PDFium could not map to Unicode (pdfminer's "(cid:NNN)")
    images: int = 0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.width, self.height)


def read_page(document: pypdfium2.PdfDocument, index: int) -> PageData:
    page = document[index]
    try:
        width, height = page.get_size()
        data = PageData(width=width, height=height)
        textpage = page.get_textpage()
        try:
            _read_chars(textpage, data)
        finally:
            textpage.close()
        _read_objects(page.raw, data)
        return data
    finally:
        page.close()


def _read_chars(textpage: pypdfium2.PdfTextPage, data: PageData) -> None:
    raw, rect, height = textpage.raw, pdfium_c.FS_RECTF(), data.height
    for index in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            continue  # spaces/newlines PDFium inferred; pdfplumber infers its own
        if pdfium_c.FPDFText_HasUnicodeMapError(raw, index) == 1:
            data.unmapped += 1
            continue
        text = chr(pdfium_c.FPDFText_GetUnicode(raw, index))
        if not text.strip() and text != " ":
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect):
            continue
        top, bottom = height - rect.top, height - rect.bottom
        data.chars.append(
            {
                "text": text,
                "x0": rect.left,
                "x1": rect.right,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "width": rect.right - rect.left,
                "height": bottom - top,
                "upright": True,
                "object_type": "char",
            }
        )


def _read_objects(container, data: PageData, matrix: Matrix = IDENTITY, form: bool = False, depth: int = 0) -> None:
    """Ruling lines from path objects (recursing into form XObjects); count images."""
    count = pdfium_c.FPDFFormObj_CountObjects(container) if form else pdfium_c.FPDFPage_CountObjects(container)
    for index in range(max(count, 0)):
        obj = (
            pdfium_c.FPDFFormObj_GetObject(container, index) if form else pdfium_c.FPDFPage_GetObject(container, index)
        )
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            _path_edges(obj, _compose(_matrix(obj), matrix), data)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            data.images += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 8:
            _read_objects(obj, data, _compose(_matrix(obj), matrix), form=True, depth=depth + 1)


def _matrix(obj) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(obj, matrix: Matrix, data: PageData) -> None:
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke) and not fill.value and not stroke.value:
        return  # an invisible path (clipping helper)
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix
    start = current = None
    for index in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
            _add_edge(current, point, data)
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_edge(current, start, data)
            current = start


def _add_edge(p: tuple[float, float], q: tuple[float, float], data: PageData) -> None:
    (x0, y0), (x1, y1) = p, q
    top, bottom = data.height - max(y0, y1), data.height - min(y0, y1)
    left, right = min(x0, x1), max(x0, x1)
    if abs(y0 - y1) <= AXIS_TOLERANCE and right - left > AXIS_TOLERANCE:
        orientation = "h"
        top = bottom = (top + bottom) / 2
    elif abs(x0 - x1) <= AXIS_TOLERANCE and bottom - top > AXIS_TOLERANCE:
        orientation = "v"
        left = right = (left + right) / 2
    else:
        return
    data.edges.append(
        {
            "x0": left,
            "x1": right,
            "top": top,
            "bottom": bottom,
            "doctop": top,
            "width": right - left,
            "height": bottom - top,
            "orientation": orientation,
            "object_type": "line",
        }
    )
