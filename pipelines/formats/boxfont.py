"""Build data/fallback_box.ttf: the one font PDFium may use for text whose font the PDF does not embed.

    python -m pipelines.formats.boxfont        # rewrites data/fallback_box.ttf (needs fontTools, a dev tool)

Every code point and .notdef is the same small solid box standing on the baseline (x 0–100, y 0–500 of a
1000-unit em). Why small: PDFium's loose character box (what `pdfium_page` reads) is the box built from the
PDF's own metrics (origin + /W or /Widths width, descriptor ascent/descent) united with the glyph's box; a
glyph inside every plausible metrics box leaves that box exactly as the PDF defines it, whatever the font.
Why not empty: a text object whose glyphs are all empty has zero width and PDFium skips it. Advances are
half-width (500) for Latin, Greek, Cyrillic … and the half-width forms, full-width (1000) elsewhere; PDFium
uses them only when a PDF gives no widths. An unmapped glyph spanning the ideographic em box makes the
font's bounding box (which PDFium uses when a descriptor has no /FontBBox) the em box. One format-13
(many-to-one) cmap subtable serves the Unicode, Windows-symbol and Mac platforms. The build is byte for
byte reproducible (fixed timestamps); a test rebuilds it and compares with the committed file.
"""

from __future__ import annotations

import sys
from pathlib import Path

FONT_PATH = Path(__file__).resolve().parents[2] / "data" / "fallback_box.ttf"
FAMILY = "Nianbao Fallback Box"
UNITS_PER_EM = 1000
ASCENT, DESCENT = 880, -120  # the ideographic em box of common Chinese fonts (SimSun: 859/-141)
TIMESTAMP = 3_786_825_600  # 2024-01-01, in seconds since 1904 (the `head` epoch): fixed so the build is stable
# (first, last) code point ranges drawn half-width; everything else is full-width.
HALF_WIDTH = [(0x0000, 0x1FFF), (0xFF61, 0xFFDC), (0xFFE8, 0xFFEE)]
LAST_CODE_POINT = 0x10FFFF
BOX = (0, 0, 100, 500)  # x_min, y_min, x_max, y_max of every mapped glyph and .notdef
GLYPHS = {  # name: (advance, box)
    ".notdef": (1000, BOX),
    "full": (1000, BOX),
    "half": (500, BOX),
    "em": (1000, (0, DESCENT, 1000, ASCENT)),  # not mapped: sets the font's bounding box
}


def glyph_for(code_point: int) -> str:
    return "half" if any(first <= code_point <= last for first, last in HALF_WIDTH) else "full"


def build() -> bytes:
    from io import BytesIO

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.font.recalcTimestamp = False
    builder.setupGlyphOrder(list(GLYPHS))
    builder.setupCharacterMap({})  # replaced below by format-13 subtables
    glyphs = {}
    for name, (_, (x0, y0, x1, y1)) in GLYPHS.items():
        pen = TTGlyphPen(None)
        pen.moveTo((x0, y0))  # one clockwise contour: a filled rectangle
        for point in ((x0, y1), (x1, y1), (x1, y0)):
            pen.lineTo(point)
        pen.closePath()
        glyphs[name] = pen.glyph()
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (advance, box[0]) for name, (advance, box) in GLYPHS.items()})
    builder.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    builder.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
        sxHeight=500,
        sCapHeight=700,
        ulCodePageRange1=(1 << 0) | (1 << 18) | (1 << 20),  # Latin 1, GB 2312, Big5: it serves all of them
    )
    builder.setupPost()
    builder.setupHead(unitsPerEm=UNITS_PER_EM, created=TIMESTAMP, modified=TIMESTAMP)
    mapping = {code: glyph_for(code) for code in range(LAST_CODE_POINT + 1) if not 0xD800 <= code <= 0xDFFF}
    tables = []
    for platform, encoding in ((0, 4), (1, 0), (3, 0), (3, 1), (3, 10)):
        table = CmapSubtable.newSubtable(13)
        table.platformID, table.platEncID, table.language = platform, encoding, 0
        table.cmap = mapping
        tables.append(table)
    builder.font["cmap"].tables = tables
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


if __name__ == "__main__":
    FONT_PATH.write_bytes(build())
    sys.stdout.write(f"wrote {FONT_PATH} ({FONT_PATH.stat().st_size} bytes)\n")
