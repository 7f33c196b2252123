"""PDFium's font lookup for fonts the PDF does not embed: the same on every machine, whatever fonts it has.

Why: a character of a non-embedded font (many reports name SimSun/FangSong without embedding them) takes
its glyph box from whatever font PDFium finds for that name; left to itself, PDFium searches
/usr/share/fonts, /usr/local/share/fonts and the X11 font folders. That box matters twice:
- PDFium skips a text object whose glyph boxes have zero width (`CPDF_TextPage::ProcessTextObject`). On a
  machine without a CJK font every Chinese glyph box is empty, so a one-character text object (a vertical
  table label drawn one character per line, 「三」「、」「本」「年」「度」…) vanishes, while pdfminer still
  sees it; with a CJK font it stays.
- The character box `pdfium_page` reads (PDFium's "loose" box) is the box from the PDF's own metrics
  (origin, /W or /Widths width, descriptor ascent and descent) united with the glyph box, so the machine's
  font also moved the edges of the characters that survived.

What: `install()` replaces PDFium's system font lookup (FPDF_SetSystemFontInfo) with one that never reads
the machine's fonts. A request for one of the standard Latin families (Helvetica, Times, Courier, and the
names PDFium already folds into them such as Arial or TimesNewRomanPSMT) in a non-CJK charset gets no font,
so PDFium uses the standard fonts compiled into it (real Latin metrics, part of the pinned pypdfium2).
Every other request (CJK charsets, any other family) gets `data/fallback_box.ttf` (built by `boxfont.py`),
whose every code point and .notdef is the same small box on the baseline: never empty, so no character
vanishes, and inside the metrics box, so character boxes are exactly what the PDF defines. Text comes from
the PDF as before (ToUnicode, encodings, CMaps); embedded fonts are untouched. Rendering a page would draw
such text as boxes; this project only extracts text.

PDFium keeps the pointer to the struct and calls back into it from later PDFium calls, so the struct and
its ctypes callbacks live as long as the process (`_installed`).
"""

from __future__ import annotations

import ctypes
import struct

import pypdfium2.raw as pdfium_c

from data import resource

FONT = resource("fallback_box.ttf")  # bytes are all PDFium needs: read from an egg too
# Families PDFium asks for when a PDF names a standard Latin font (after its own alias table: Arial →
# Helvetica, TimesNewRomanPSMT → Times-Roman, CourierNew → Courier, …); compared case-insensitively.
STANDARD_FAMILIES = ("courier", "helvetica", "times")
# Windows charset numbers PDFium passes for the CJK scripts: these always get the box font.
CJK_CHARSETS = {
    pdfium_c.FXFONT_SHIFTJIS_CHARSET,
    pdfium_c.FXFONT_HANGEUL_CHARSET,
    pdfium_c.FXFONT_GB2312_CHARSET,
    pdfium_c.FXFONT_CHINESEBIG5_CHARSET,
}
FACE_NAME = b"Nianbao Fallback Box"  # PDFium's cache key for the face
TTCF = 0x74746366  # 'ttcf': PDFium asks for it to detect font collections; ours is a single font
HANDLE = 1  # the one font handle given out (opaque to PDFium, must be non-NULL)


def wants_builtin(family: str, charset: int) -> bool:
    """True when PDFium's own standard Latin font should serve this request (see the module doc)."""
    return charset not in CJK_CHARSETS and family.lower().startswith(STANDARD_FAMILIES)


def sfnt_tables(font: bytes) -> dict[int, bytes]:
    """The font's tables by tag (a big-endian uint32, as PDFium passes it to GetFontData)."""
    (count,) = struct.unpack_from(">H", font, 4)
    tables = {}
    for index in range(count):
        tag, _, offset, length = struct.unpack_from(">IIII", font, 12 + 16 * index)
        tables[tag] = font[offset : offset + length]
    return tables


class _Lookup:
    """The FPDF_SYSFONTINFO callbacks. They run inside PDFium calls (under the caller's PDFIUM_LOCK) and
    only read immutable data."""

    def __init__(self, font: bytes) -> None:
        self.tables = {0: font, TTCF: b"", **sfnt_tables(font)}  # table 0 is the whole file

    def map_font(self, _this, _weight, _italic, charset, _pitch_family, family, exact):
        name = ctypes.string_at(family).decode("latin-1") if family else ""
        if wants_builtin(name, charset):
            return None
        if exact:
            exact[0] = 0  # a substitute, never the named font
        return HANDLE

    def get_font(self, _this, family):
        # PDFium asks by name only for fonts enumerated as installed (we enumerate none); answer as MapFont
        name = ctypes.string_at(family).decode("latin-1") if family else ""
        return None if wants_builtin(name, pdfium_c.FXFONT_ANSI_CHARSET) else HANDLE

    def get_font_data(self, _this, _font, table, buffer, size):
        data = self.tables.get(table, b"")
        if buffer and size >= len(data):
            ctypes.memmove(buffer, data, len(data))
        return len(data)

    def get_face_name(self, _this, _font, buffer, size):
        name = FACE_NAME + b"\0"
        if buffer and size >= len(name):
            ctypes.memmove(buffer, name, len(name))
        return len(name)

    def get_font_charset(self, _this, _font):
        return pdfium_c.FXFONT_DEFAULT_CHARSET

    def delete_font(self, _this, _font):
        return None


_installed: tuple | None = None  # (struct, callbacks): PDFium keeps a pointer to the struct until it exits


def install() -> None:
    """Make PDFium use only the fonts described above. Call once, before any document is opened, holding
    PDFIUM_LOCK (pdfium_page does this on import)."""
    global _installed
    if _installed is not None:
        return
    try:
        lookup = _Lookup(FONT.read_bytes())
    except OSError as exc:
        raise RuntimeError(
            f"PDF fallback font unreadable: {exc} (rebuild: python -m pipelines.formats.boxfont)"
        ) from exc
    types = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
    callbacks = {
        "MapFont": types["MapFont"](lookup.map_font),
        "GetFont": types["GetFont"](lookup.get_font),
        "GetFontData": types["GetFontData"](lookup.get_font_data),
        "GetFaceName": types["GetFaceName"](lookup.get_face_name),
        "GetFontCharset": types["GetFontCharset"](lookup.get_font_charset),
        "DeleteFont": types["DeleteFont"](lookup.delete_font),
    }
    # Release and EnumFonts stay NULL (PDFium checks): no Python runs at library shutdown, no font is
    # listed as installed.
    info = pdfium_c.FPDF_SYSFONTINFO(version=1, **callbacks)
    pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(info))
    _installed = (info, callbacks, lookup)
