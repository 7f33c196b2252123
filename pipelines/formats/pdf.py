"""PDF (with a text layer) → Document: running text in reading order, ruled tables as grids in the flow.

How it works, page by page (each page is released after use, so memory stays bounded on long files):
- PDFium reads the page's characters and ruling lines (`pdfium_page`: ~10 ms a page, where pdfminer's pure
  Python content-stream parser took ~100 ms); pdfplumber's `lines`-strategy table finder runs on those lines,
  only on pages that draw any. One-column "tables" are framed paragraphs, so they stay running text.
- Each table becomes cells with row/column spans from the ruling (`_Piece`); cell text is clustered with
  pdfplumber's `extract_text` and cleaned by `clean_cell` (vertical labels 「不\n予\n公\n开」 → 「不予公开」,
  「商 业 企\n业」 → 「商业企业」).
- Running text is the characters outside table boxes, in bands between tables, so cells never repeat in it.
  Bare page numbers at the top or bottom of a page are dropped.
- A table at the top of a page continues the table that ended the previous page (nothing but a page number
  between them) when its inner column edges are a subset of the other's: rows are appended, repeated header
  rows dropped, and a group label cut by the page break (「（四）无」 + 「法提供」, or the label repeated or left
  blank on the new page) is rejoined into one spanning cell.
- Glyphs without a Unicode mapping (pdfminer's `(cid:NNN)`) are dropped and counted in `warnings`; PDFium
  already maps most of them from the embedded font, which is why it is the extractor here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import pypdfium2
from pdfplumber.table import TableFinder
from pdfplumber.utils import extract_text

from pipelines.document import Block, Document, DocumentError, table_block
from pipelines.formats.cells import GridBuilder, clean_cell, drop_covered, text_blocks
from pipelines.formats.image import ImageOnlyError
from pipelines.formats.limits import MAX_PDF_PAGES, check_size
from pipelines.formats.ocr_hook import ocr_budget, ocr_gave_up, ocr_pdf_page
from pipelines.formats.pdfium_page import PDFIUM_LOCK, PageData, read_page

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
ROW_TOLERANCE = 1.5  # pt: ruling lines closer than this are the same row edge
COLUMN_TOLERANCE = 3.0  # pt: the same column edge drawn on two pages (seen 0.6 pt apart in 001_huaian)
MAX_PAGE_EDGES = 3000  # a ruled report table has < 500 ruling segments; thousands mean a chart or a map
CID_RATIO = 0.2  # share of unmapped glyphs above which a page is reported as partly unreadable
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:.{0,3}共\s*\d{1,4}\s*页)?|\d{1,3})\s*$"
)
_ORDINAL = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+\s*[、.．]|第)")
_NUMBER = re.compile(r"^[+\-−]?[\d,，.]+%?$")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:([+\-])(\d{2})'?(\d{2})?'?|Z)?")


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


@dataclass
class _Stats:
    blank: int = 0  # pages without any character
    unmapped_pages: int = 0  # pages where many glyphs had no Unicode mapping
    unmapped_only: int = 0  # blank pages that did have (unmapped) glyphs
    busy: int = 0  # pages with too many lines to look for tables


def pdf_to_document(data: bytes, *, filename: str | None = None, max_pages: int = MAX_PDF_PAGES) -> Document:
    """Convert PDF bytes. Raises ImageOnlyError when no page has text, DocumentError when unreadable."""
    check_size(data, "PDF")
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("not a PDF: no %PDF- header")
    if b"%%EOF" not in data[-4096:]:
        raise DocumentError("corrupt PDF: truncated (no %%EOF at the end)")
    with PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            raise DocumentError(_reason(exc)) from exc
        try:
            return _convert(pdf, max_pages)
        except pypdfium2.PdfiumError as exc:
            raise DocumentError(_reason(exc)) from exc
        finally:
            pdf.close()


def _reason(exc: BaseException) -> str:
    if re.search(r"password|encrypt|security", str(exc), re.IGNORECASE):
        return "encrypted PDF"
    return f"corrupt PDF: {exc}"[:300]


def _convert(pdf: pypdfium2.PdfDocument, max_pages: int) -> Document:
    document = Document(format="pdf", meta=_meta(pdf.get_metadata_dict(skip_empty=True)))
    total = len(pdf)
    if not total:
        raise DocumentError("corrupt PDF: no pages")
    if total > max_pages:
        document.warnings.append(f"page cap: converted the first {max_pages} of {total} pages")
    flow: list[str | _Piece] = []
    stats = _Stats()
    processed = min(total, max_pages)
    scans = ocr_budget()
    for index in range(processed):
        page = read_page(pdf, index)
        if not any(char["text"].strip() for char in page.chars):
            stats.blank += 1
            stats.unmapped_only += page.unmapped > 0
            if not page.unmapped:  # image-only page: OCR (ocr.py); undecodable glyphs stay as they were
                _add_to_flow(flow, ocr_pdf_page(pdf, index, scans, flow), index)
            continue
        stats.unmapped_pages += page.unmapped / (page.unmapped + len(page.chars)) > CID_RATIO
        if len(page.edges) > MAX_PAGE_EDGES:
            stats.busy += 1
            page.edges = []  # the table finder is quadratic in lines; read the page as text
        _add_to_flow(flow, _page_items(page, index), index)
    if stats.blank == processed and not flow:
        if stats.unmapped_only:
            raise DocumentError("PDF text cannot be decoded: its fonts have no Unicode mapping")
        ocr_gave_up(scans)  # raises when OCR ran out of time on every page
        raise ImageOnlyError(f"{processed} pages without a text layer")
    if scans is not None and scans.read:
        document.format = "pdf+ocr"
    if stats.blank > (scans.read if scans else 0):
        document.warnings.append(f"{stats.blank} of {processed} pages without text layer")
    document.warnings.extend(scans.warnings(processed) if scans else [])
    if stats.busy:
        document.warnings.append(f"{stats.busy} pages with over {MAX_PAGE_EDGES} drawn lines read as text only")
    if stats.unmapped_pages:
        document.warnings.append(f"{stats.unmapped_pages} pages with glyphs that have no Unicode mapping (dropped)")
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


def _page_items(page: PageData, index: int) -> list[str | _Piece]:
    """The page's text bands and table pieces in reading order."""
    tables: list[tuple[tuple[float, float, float, float], list]] = []
    if page.edges:
        found = TableFinder(page, TABLE_SETTINGS).tables
        tables = sorted(((t.bbox, t.cells) for t in found if len({c[0] for c in t.cells}) >= 2), key=lambda t: t[0][1])
    bands: list[list[dict]] = [[] for _ in range(len(tables) + 1)]
    in_table: list[list[dict]] = [[] for _ in tables]
    for char in page.chars:
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        for number, (bbox, _) in enumerate(tables):
            if bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]:
                in_table[number].append(char)
                break
        else:
            bands[sum(bbox[1] <= y for bbox, _ in tables)].append(char)
    items: list[str | _Piece] = []
    for number, band in enumerate(bands):
        items.append(extract_text(band))
        if number < len(tables):
            items.append(_piece(tables[number][1], in_table[number], index))
    _strip_page_numbers(items)
    return [item for item in items if not isinstance(item, str) or item.strip()]


def _strip_page_numbers(items: list[str | _Piece]) -> None:
    """Drop a bare page number ("- 3 -", "第3页", "3"; not "2024") on the first or last line of the page."""
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


def _piece(boxes: list, chars: list[dict], page: int) -> _Piece:
    """Cells (with spans) from the table finder's cell boxes; each character goes to the cell under its centre."""
    xs = _cluster([v for box in boxes for v in (box[0], box[2])], COLUMN_TOLERANCE)
    ys = _cluster([v for box in boxes for v in (box[1], box[3])], ROW_TOLERANCE)
    cells: list[_Cell] = []
    owner: dict[tuple[int, int], int] = {}
    for box in boxes:
        r0, r1 = _nearest(ys, box[1]), _nearest(ys, box[3])
        c0, c1 = _nearest(xs, box[0]), _nearest(xs, box[2])
        if r1 > r0 and c1 > c0:
            for position in ((r, c) for r in range(r0, r1) for c in range(c0, c1)):
                owner.setdefault(position, len(cells))
            cells.append(_Cell(r0, r1, c0, c1, ""))
    buckets: list[list[dict]] = [[] for _ in cells]
    for char in chars:
        row = bisect.bisect_right(ys, (char["top"] + char["bottom"]) / 2) - 1
        col = bisect.bisect_right(xs, (char["x0"] + char["x1"]) / 2) - 1
        if (row, col) in owner:
            buckets[owner[row, col]].append(char)
    for cell, bucket in zip(cells, buckets, strict=True):
        cell.text = clean_cell(extract_text(bucket)) if bucket else ""
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


def _header_block(piece: _Piece, rows: int) -> list[tuple[int, int, int, int, str]] | None:
    """The cells of the first `rows` rows, or None when a cell crosses that boundary."""
    cells = [c for c in piece.cells if c.r0 < rows]
    if any(c.r1 > rows for c in cells):
        return None
    return sorted((c.r0, c.r1, c.c0, c.c1, c.text) for c in cells)


def _drop_repeated_header(upper: _Piece, lower: _Piece) -> None:
    """Word repeats header rows on each page: drop leading rows of `lower` identical to upper's first rows."""
    repeated = 0
    for rows in range(1, min(upper.nrows, lower.nrows)):
        block = _header_block(lower, rows)
        if block and block == _header_block(upper, rows) and any(cell[4] for cell in block):
            repeated = rows
    if repeated:
        lower.cells = [c for c in lower.cells if c.r0 >= repeated]
        for cell in lower.cells:
            cell.r0 -= repeated
            cell.r1 -= repeated
        lower.nrows -= repeated


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


# --- metadata ---------------------------------------------------------------------------------------------


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
        value = str(info.get(key) or "").replace("\x00", "").strip()
        if value:
            meta[name] = _pdf_date(value) if name in ("created", "modified") else value
    return meta


__all__ = ["pdf_to_document"]
