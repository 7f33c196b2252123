"""PDF (with a text layer) → Document: running text in reading order, ruled tables as grids in the flow.

How it works, page by page (each page is closed after use, so memory stays bounded on long files):
- pdfplumber finds ruled tables with the `lines` strategy, only on pages that draw lines or rectangles.
  One-column "tables" are framed paragraphs, so they stay running text.
- Each table becomes cells with row/column spans from the ruling (`_Piece`); cell text is cleaned by
  `clean_cell` (vertical labels 「不\\n予\\n公\\n开」 → 「不予公开」, 「商 业 企\\n业」 → 「商业企业」).
- Running text is the characters outside table boxes, in bands between tables, so cells never repeat in it.
  Bare page numbers at the top or bottom of a page are dropped.
- A table at the top of a page continues the table that ended the previous page (nothing but a page number
  between them) when its inner column edges are a subset of the other's: rows are appended, repeated header
  rows dropped, and a group label cut by the page break (「（四）无」 + 「法提供」, or the label repeated or left
  blank on the new page) is rejoined into one spanning cell.
- Pages whose text comes out as `(cid:NNN)` (no usable ToUnicode map) are read with PDFium instead, using the
  same table geometry.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.utils import PDFDocEncoding
from pdfplumber.utils import extract_text

from pipelines.document import Block, Document, DocumentError, table_block
from pipelines.formats.cells import GridBuilder, clean_cell, drop_covered, text_blocks
from pipelines.formats.image import ImageOnlyError
from pipelines.formats.limits import MAX_PDF_PAGES, check_size

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
ROW_TOLERANCE = 1.5  # pt: ruling lines closer than this are the same row edge
COLUMN_TOLERANCE = 3.0  # pt: the same column edge drawn on two pages (seen 0.6 pt apart in 001_huaian)
CID_RATIO = 0.2  # share of `(cid:…)` characters above which a page is read with PDFium
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:.{0,3}共\s*\d{1,4}\s*页)?|\d{1,4})\s*$"
)
_ORDINAL = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+\s*[、.．]|第)")
_NUMBER = re.compile(r"^[+\-−]?[\d,，.]+%?$")

TextReader = Callable[[tuple[float, float, float, float]], str]


@dataclass
class _Cell:
    r0: int
    r1: int
    c0: int
    c1: int
    text: str


@dataclass
class _Piece:
    """A ruled table (or the part of one on one page): cells on row/column edge indices."""

    edges: list[float]
    cells: list[_Cell]
    nrows: int
    page: int
    joined_pages: list[int] = field(default_factory=list)


def pdf_to_document(data: bytes, *, filename: str | None = None, max_pages: int = MAX_PDF_PAGES) -> Document:
    """Convert PDF bytes. Raises ImageOnlyError when no page has text, DocumentError when unreadable."""
    check_size(data, "PDF")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("not a PDF: no %PDF- header")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise DocumentError(_reason(exc)) from exc
    pdfium = _Pdfium(data)
    try:
        return _convert(pdf, pdfium, max_pages)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(_reason(exc)) from exc
    finally:
        pdfium.close()
        pdf.close()


def _reason(exc: BaseException) -> str:
    names = []
    current: BaseException | None = exc
    while current is not None:
        names.append(type(current).__name__ + " " + " ".join(str(arg) for arg in getattr(current, "args", ())))
        current = current.__cause__ or current.__context__
    joined = " ".join(names)
    if re.search(r"Password|Encrypt|crypt", joined, re.IGNORECASE):
        return "encrypted PDF"
    return f"corrupt PDF: {type(exc).__name__}: {exc}"[:300]


def _convert(pdf: pdfplumber.PDF, pdfium: _Pdfium, max_pages: int) -> Document:
    document = Document(format="pdf", meta=_meta(pdf.metadata))
    pages = pdf.pages
    if not pages:
        raise DocumentError("corrupt PDF: no pages")
    if len(pages) > max_pages:
        document.warnings.append(f"page cap: converted the first {max_pages} of {len(pages)} pages")
    flow: list[str | _Piece] = []
    blank = cid = 0
    for index, page in enumerate(pages[:max_pages]):
        try:
            items, has_text, used_pdfium = _page_items(page, index, pdfium)
        finally:
            page.close()
            pdfium.release(index)
        blank += not has_text
        cid += used_pdfium
        _add_to_flow(flow, items, index)
    processed = min(len(pages), max_pages)
    if blank == processed:
        raise ImageOnlyError(f"{processed} pages without a text layer")
    if blank:
        document.warnings.append(f"{blank} of {processed} pages without text layer")
    if cid:
        document.warnings.append(f"{cid} pages with (cid:…) text read with PDFium")
    document.blocks = _blocks(flow)
    return document


def _add_to_flow(flow: list[str | _Piece], items: list[str | _Piece], index: int) -> None:
    for item in items:
        if isinstance(item, str):
            flow.append(item)
            continue
        previous = flow[-1] if flow else None
        if isinstance(previous, _Piece) and previous.page == index - 1 and item is items[0] and _join(previous, item):
            previous.page = index
            continue
        flow.append(item)


def _blocks(flow: list[str | _Piece]) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    for item in flow:
        if isinstance(item, str):
            lines.append(item)
            continue
        blocks.extend(text_blocks(lines))
        lines = []
        grid = _piece_grid(item)
        if grid:
            blocks.append(table_block(grid))
    blocks.extend(text_blocks(lines))
    return blocks


# --- one page ---------------------------------------------------------------------------------------------


def _page_items(page: pdfplumber.page.Page, index: int, pdfium: _Pdfium) -> tuple[list[str | _Piece], bool, bool]:
    """The page's text bands and table pieces in reading order; whether it had text; whether PDFium read it."""
    chars = page.chars
    if not chars:
        return [], False, False
    use_pdfium = sum(char["text"].startswith("(cid:") for char in chars) / len(chars) > CID_RATIO
    tables = []
    if page.rects or page.lines:
        found = page.find_tables(TABLE_SETTINGS)
        tables = sorted((t for t in found if len({c[0] for c in t.cells}) >= 2), key=lambda t: t.bbox[1])
    if use_pdfium:
        reader = pdfium.reader(index, page.height)
        bands = _pdfium_bands(page, tables, reader)
    else:
        reader = _char_reader([c for c in chars if any(_inside(c, t.bbox) for t in tables)])
        bands = _char_bands(chars, tables)
    items: list[str | _Piece] = []
    for band, table in zip(bands, [*tables, None], strict=True):
        items.append(band)
        if table is not None:
            items.append(_piece(table, reader, index))
    _strip_page_numbers(items)
    return [item for item in items if not isinstance(item, str) or item.strip()], True, use_pdfium


def _inside(char: dict, bbox: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _char_reader(chars: list[dict]) -> TextReader:
    return lambda bbox: extract_text([c for c in chars if _inside(c, bbox)])


def _char_bands(chars: list[dict], tables: list) -> list[str]:
    """Text outside the tables, split into len(tables)+1 bands at the tables' tops."""
    bands: list[list[dict]] = [[] for _ in range(len(tables) + 1)]
    for char in chars:
        if any(_inside(char, table.bbox) for table in tables):
            continue
        middle = (char["top"] + char["bottom"]) / 2
        bands[sum(table.bbox[1] <= middle for table in tables)].append(char)
    return [extract_text(band) for band in bands]


def _pdfium_bands(page: pdfplumber.page.Page, tables: list, reader: TextReader) -> list[str]:
    x0, top, x1, bottom = page.bbox
    limits = [top, *(y for table in tables for y in (table.bbox[1], table.bbox[3])), bottom]
    return [reader((x0, limits[2 * i], x1, limits[2 * i + 1])) for i in range(len(tables) + 1)]


def _strip_page_numbers(items: list[str | _Piece]) -> None:
    """Drop a bare page number ("- 3 -", "第3页", "3") on the first or last line of the page."""
    for position, line_index in ((0, 0), (-1, -1)):
        if items and isinstance(items[position], str):
            lines = items[position].split("\n")
            if lines and _PAGE_NUMBER.match(lines[line_index]):
                del lines[line_index]
            items[position] = "\n".join(lines)


# --- tables -----------------------------------------------------------------------------------------------


def _cluster(values: list[float], tolerance: float) -> list[float]:
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= tolerance:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(group) / len(group) for group in groups]


def _nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _piece(table, reader: TextReader, page: int) -> _Piece:
    xs = _cluster([v for c in table.cells for v in (c[0], c[2])], COLUMN_TOLERANCE)
    ys = _cluster([v for c in table.cells for v in (c[1], c[3])], ROW_TOLERANCE)
    cells = []
    for bbox in table.cells:
        r0, r1 = _nearest(ys, bbox[1]), _nearest(ys, bbox[3])
        c0, c1 = _nearest(xs, bbox[0]), _nearest(xs, bbox[2])
        if r1 > r0 and c1 > c0:
            cells.append(_Cell(r0, r1, c0, c1, clean_cell(reader(bbox))))
    return _Piece(edges=xs, cells=cells, nrows=len(ys) - 1, page=page)


def _piece_grid(piece: _Piece) -> list[list[str | None]]:
    builder = GridBuilder()
    for cell in sorted(piece.cells, key=lambda c: (c.r0, c.c0)):
        builder.place(cell.r0, cell.c0, cell.text, cell.r1 - cell.r0, cell.c1 - cell.c0)
    rows = drop_covered(builder.grid())
    return rows if any(cell for row in rows for cell in row) else []


def _edge_map(source: list[float], target: list[float]) -> list[int] | None:
    """Map `source` column edges onto `target` when its inner edges are a subset of target's, else None."""
    if abs(source[0] - target[0]) > 15 or abs(source[-1] - target[-1]) > 15:
        return None
    inner = [_nearest(target[1:-1], x) + 1 if len(target) > 2 else -1 for x in source[1:-1]]
    if any(i < 0 or abs(target[i] - x) > COLUMN_TOLERANCE for i, x in zip(inner, source[1:-1], strict=True)):
        return None
    return [0, *inner, len(target) - 1]


def _join(upper: _Piece, lower: _Piece) -> bool:
    """Append `lower` (top of a page) to `upper` (end of the previous page) when the columns agree."""
    if (mapping := _edge_map(lower.edges, upper.edges)) is not None:
        for cell in lower.cells:
            cell.c0, cell.c1 = mapping[cell.c0], mapping[cell.c1]
    elif (mapping := _edge_map(upper.edges, lower.edges)) is not None:
        for cell in upper.cells:
            cell.c0, cell.c1 = mapping[cell.c0], mapping[cell.c1]
        upper.edges = lower.edges
    else:
        return False
    _drop_repeated_header(upper, lower)
    for cell in lower.cells:
        cell.r0 += upper.nrows
        cell.r1 += upper.nrows
    _rejoin_split_cells(upper, lower)
    upper.cells.extend(lower.cells)
    upper.nrows += lower.nrows
    return True


def _row_signature(piece: _Piece, row: int) -> list[tuple[int, int, str]] | None:
    cells = [c for c in piece.cells if c.r0 == row]
    if not cells or any(c.r1 != row + 1 for c in cells):
        return None
    return sorted((c.c0, c.c1, c.text) for c in cells)


def _drop_repeated_header(upper: _Piece, lower: _Piece) -> None:
    """Word repeats header rows on each page: drop leading rows of `lower` identical to upper's first rows."""
    row = 0
    while row < lower.nrows - 1 and (sig := _row_signature(lower, row)) and sig == _row_signature(upper, row):
        if not any(text for _, _, text in sig):
            break
        row += 1
    if row:
        lower.cells = [c for c in lower.cells if c.r0 >= row]
        for cell in lower.cells:
            cell.r0 -= row
            cell.r1 -= row
        lower.nrows -= row


def _rejoin_split_cells(upper: _Piece, lower: _Piece) -> None:
    """A spanning label cut by the page break becomes one cell again (lower rows already offset)."""
    bottom = {(c.c0, c.c1): c for c in upper.cells if c.r1 == upper.nrows}
    for cell in list(lower.cells):
        above = bottom.get((cell.c0, cell.c1))
        if cell.r0 != upper.nrows or above is None or not _continues(above, cell):
            continue
        if cell.text and cell.text != above.text:
            above.text = clean_cell(f"{above.text}\n{cell.text}")
        above.r1 = cell.r1
        lower.cells.remove(cell)


def _continues(above: _Cell, below: _Cell) -> bool:
    if _NUMBER.match(above.text) or _NUMBER.match(below.text) or not above.text:
        return False
    if above.r1 - above.r0 == 1 and below.r1 - below.r0 == 1:
        return False  # two ordinary rows, e.g. 「1.本机关不掌握…」 then 「2.没有现成信息…」
    return not below.text or below.text == above.text or not _ORDINAL.match(below.text)


# --- PDFium fallback and metadata -------------------------------------------------------------------------


class _Pdfium:
    """Opened only when a page needs it; one text page at a time."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._document = None
        self._pages: dict[int, tuple] = {}

    def reader(self, index: int, height: float) -> TextReader:
        import pypdfium2

        if self._document is None:
            self._document = pypdfium2.PdfDocument(self._data)
        page = self._document[index]
        textpage = page.get_textpage()
        self._pages[index] = (page, textpage)
        return lambda bbox: textpage.get_text_bounded(bbox[0], height - bbox[3], bbox[2], height - bbox[1])

    def release(self, index: int) -> None:
        for handle in reversed(self._pages.pop(index, ())):
            handle.close()

    def close(self) -> None:
        for index in list(self._pages):
            self.release(index)
        if self._document is not None:
            self._document.close()


_PDFDOC_BYTES: dict[str, int] = {}
for _byte, _char in enumerate(PDFDocEncoding):
    _PDFDOC_BYTES.setdefault(_char, _byte)  # several bytes decode to "\x00": the first is the real one
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:([+\-])(\d{2})'?(\d{2})?'?|Z)?")


def _decode_meta(value: object) -> str:
    """pdfminer decodes UTF-16LE strings (BOM FF FE) as PDFDocEncoding: undo that."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = str(value)
    if text.startswith("ÿþ") or text.startswith("þÿ"):
        raw = bytes(_PDFDOC_BYTES.get(char, 0x3F) for char in text)
        text = raw.decode("utf-16", errors="replace")
    return text.replace("\x00", "").strip()


def _pdf_date(value: str) -> str:
    """ "D:20250225100250+08'00'" → "2025-02-25T10:02:50+08:00" (unparseable values are kept as they are)."""
    match = _PDF_DATE.match(value)
    if not match:
        return value
    year, month, day, hour, minute, second, sign, tz_hour, tz_minute = match.groups()
    text = f"{year}-{month}-{day}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    return text + (f"{sign}{tz_hour}:{tz_minute or '00'}" if sign else "")


def _meta(info: dict) -> dict[str, str]:
    meta = {}
    for key, name in (("Title", "title"), ("Author", "author"), ("CreationDate", "created"), ("ModDate", "modified")):
        value = _decode_meta(info[key]) if info.get(key) else ""
        if value:
            meta[name] = _pdf_date(value) if name in ("created", "modified") else value
    return meta


__all__ = ["pdf_to_document"]
