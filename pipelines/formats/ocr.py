"""Image-only pages → the same text bands and ruled-table pieces the PDF converter builds from a text layer.

Used for scanned PDFs (pages without a text layer, rendered with PDFium at `OCR_DPI`) and for picture
attachments (PNG/JPEG/TIFF/…, `image.py`). One page goes:

1. orientation: EXIF (pictures); a page lying on its side (most text-line boxes tall) is turned 90°, and
   one the direction classifier reads upside down is turned 180°;
2. skew: the median angle of the detected text lines; the page is straightened so ruling lines are level;
3. tables (`ocr_grid`): ruling lines → cells with spans; each detected text line goes to the cell under its
   centre (a line crossing a ruling line is cut at it), a cell with marks but no detected line is read whole;
4. text: the other lines, top to bottom, in bands between the tables (as `pdf.py` does);
5. cell values are decoded as values (`ocr_engine`); a value whose confidence is under `VALUE_CONFIDENCE`,
   or a cell with marks that read as nothing, is stored in the grid as `unsure_cell(raw)`: the table reader
   turns it into a NULL cell with its raw OCR text and a failed `ocr` check. Labels are kept as read.

The pieces then go through `pdf.py`'s flow: a table continuing on the next page is joined, bare page
numbers are dropped, and the grid → cells reader and the checks are the ones every format uses.

Costs are capped (`Budget`): pages per document, pixels per page, seconds per page and per document;
whatever is cut is said in `Document.warnings`, never dropped silently.
"""

from __future__ import annotations

import io
import math
import os
import re
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipelines.document import Document, DocumentError, unsure_cell
from pipelines.formats.cells import clean_cell
from pipelines.formats.ocr_engine import Reading, engine
from pipelines.formats.ocr_grid import Table, find_tables, has_ink, ink_mask

OCR_DPI = 200  # PDF pages are rendered at this resolution (8 pt table text is ~22 px high: plenty)
MAX_OCR_PAGES = 40  # image-only pages read per document; a report is < 20 pages
MAX_PAGE_PIXELS = 12_000_000  # larger pages are scaled down to this (A4 at 300 DPI is 8.7 Mpx)
MAX_IMAGE_PIXELS = 80_000_000  # a picture declaring more is refused before decoding (a decompression bomb)
# One page's OCR takes ~2–4 s (A4, 200 DPI, 2 cores; tests/benchmarks/bench_ocr.py), 5× that on a machine
# busy with other work: the caps stop a pathological page, not a slow machine.
PAGE_SECONDS = float(os.environ.get("NIANBAO_OCR_PAGE_SECONDS", "60"))
DOCUMENT_SECONDS = float(os.environ.get("NIANBAO_OCR_DOCUMENT_SECONDS", "600"))
DETECT_DPI = 120  # text lines are detected on the page scaled to this (detection cost grows with pixels)
ALIGN_POINTS = 6.0  # two tables this close in width are the same table (scanner offsets are larger)
# A value cell is stored when the model's probability of exactly its reading is at least this (0 silent
# errors and 99.6–100 % of cells kept on the degraded scans of bench_ocr.py); else NULL + raw + `ocr` check.
VALUE_CONFIDENCE = 0.90
TEXT_CONFIDENCE = 0.80  # mean character probability under which a running-text line is reported
MIN_LINE_RATIO = 1.6  # a text line's length / height; shorter boxes do not vote on orientation or skew


_IDEOGRAPH = re.compile("[\u3400-\u9fff]")


class PageTimeout(Exception):
    """One page's OCR went over PAGE_SECONDS (or the document's remaining time)."""


@dataclass
class Budget:
    """Caps of one document's OCR, and what was cut (becomes Document.warnings)."""

    pages_left: int = field(default_factory=lambda: MAX_OCR_PAGES)
    deadline: float = field(default_factory=lambda: time.monotonic() + DOCUMENT_SECONDS)
    read: int = 0
    skipped_cap: int = 0
    timed_out: list[int] = field(default_factory=list)
    scaled: int = 0
    doubtful_lines: int = 0

    def page_deadline(self) -> float:
        return min(time.monotonic() + PAGE_SECONDS, self.deadline)

    def time_note(self) -> str:
        pages = ", ".join(str(p + 1) for p in self.timed_out)
        return f"page(s) {pages} not read (limit {PAGE_SECONDS:g} s a page, {DOCUMENT_SECONDS:g} s a document)"

    def warnings(self, total: int) -> list[str]:
        out = [f"{self.read} of {total} pages read by OCR (text recognised from images)"] if self.read else []
        if self.skipped_cap:
            out.append(f"OCR page cap: {self.skipped_cap} image-only pages not read (limit {MAX_OCR_PAGES})")
        if self.timed_out:
            out.append(f"OCR time limit: {self.time_note()}")
        if self.doubtful_lines:
            out.append(f"OCR: {self.doubtful_lines} running-text lines read with low confidence (numbers in them "
                       "are not checked per cell)")  # fmt: skip
        if self.scaled:
            out.append(f"{self.scaled} page images over {MAX_PAGE_PIXELS // 10**6} Mpx scaled down for OCR")
        return out


@dataclass
class _Line:
    box: np.ndarray  # 4×2 quadrilateral in page pixels
    reading: Reading | None = None

    @property
    def x0(self) -> float:
        return float(self.box[:, 0].min())

    @property
    def x1(self) -> float:
        return float(self.box[:, 0].max())

    @property
    def y0(self) -> float:
        return float(self.box[:, 1].min())

    @property
    def y1(self) -> float:
        return float(self.box[:, 1].max())

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.box[:, 0].mean()), float(self.box[:, 1].mean())


# --- one page ------------------------------------------------------------------------------------------


def read_page(gray: np.ndarray, dpi: float, page: int, budget: Budget) -> list:
    """A greyscale page → its text bands and table pieces (pdf.py's `_Piece`) in reading order."""
    from pipelines.formats.pdf import _strip_page_numbers  # pdf.py imports this module lazily: no cycle

    if budget.pages_left <= 0:
        budget.skipped_cap += 1
        return []
    budget.pages_left -= 1
    deadline = budget.page_deadline()
    gray, dpi = _bounded(gray, dpi, budget)
    try:
        items, doubtful = _page_items(gray, dpi, page, deadline)
    except PageTimeout:
        budget.timed_out.append(page)
        return []
    budget.read += 1
    budget.doubtful_lines += doubtful
    _strip_page_numbers(items)
    return [item for item in items if not isinstance(item, str) or item.strip()]


def _bounded(gray: np.ndarray, dpi: float, budget: Budget) -> tuple[np.ndarray, float]:
    pixels = gray.shape[0] * gray.shape[1]
    if pixels <= MAX_PAGE_PIXELS:
        return gray, dpi
    budget.scaled += 1
    scale = math.sqrt(MAX_PAGE_PIXELS / pixels)
    size = (int(gray.shape[1] * scale), int(gray.shape[0] * scale))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dpi * scale


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise PageTimeout


def _page_items(gray: np.ndarray, dpi: float, page: int, deadline: float) -> tuple[list, int]:
    ocr = engine()
    gray, lines = _upright(gray, ocr, dpi)
    _check(deadline)
    gray, lines = _deskewed(gray, lines)
    tables, rulings = find_tables(gray, dpi)
    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    owners, extra = _assign(lines, tables, gray, rulings, dpi)
    _recognise([*lines, *extra], rgb, ocr, deadline)
    items = _items(lines, extra, owners, tables, dpi, page)
    doubtful = [line for index, line in enumerate(lines) if index not in owners and _doubtful(line.reading)]
    return items, len(doubtful)


def _doubtful(reading: Reading | None) -> bool:
    """A running-text line read with low confidence (it cannot be marked per cell like a table value)."""
    if reading is None or not reading.text:
        return False
    if reading.value is not None:
        return reading.value_score < VALUE_CONFIDENCE
    return reading.score < TEXT_CONFIDENCE


def _detect(gray: np.ndarray, ocr, dpi: float) -> list[_Line]:
    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    return [_Line(box) for box in ocr.detect(rgb, scale=min(1.0, DETECT_DPI / dpi))]


def _upright(gray: np.ndarray, ocr, dpi: float) -> tuple[np.ndarray, list[_Line]]:
    """Turn a page lying on its side or upside down (text-line shapes, then the direction classifier)."""
    lines = _detect(gray, ocr, dpi)
    wide = sum(_length(line.box) for line in lines if _ratio(line.box) >= MIN_LINE_RATIO)
    tall = sum(_length(line.box) for line in lines if _ratio(line.box) <= 1 / MIN_LINE_RATIO)
    if tall > 2 * wide:
        gray = cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
        lines = _detect(gray, ocr, dpi)
    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    sample = sorted((line for line in lines if _ratio(line.box) >= 3), key=lambda line: -_length(line.box))[:16]
    if len(sample) >= 3 and ocr.upside_down([_crop(rgb, line.box) for line in sample]) > 0.6:
        gray = cv2.rotate(gray, cv2.ROTATE_180)
        lines = _detect(gray, ocr, dpi)
    return gray, lines


def _length(box: np.ndarray) -> float:
    return float(max(np.linalg.norm(box[1] - box[0]), np.linalg.norm(box[3] - box[0])))


def _ratio(box: np.ndarray) -> float:
    width = np.linalg.norm(box[1] - box[0])
    height = np.linalg.norm(box[3] - box[0])
    return float(width / max(height, 1.0))


def _deskewed(gray: np.ndarray, lines: list[_Line]) -> tuple[np.ndarray, list[_Line]]:
    """Straighten the page by the median tilt of its text lines (weighted by length); boxes follow."""
    angles, weights = [], []
    for line in lines:
        if _ratio(line.box) >= 3:
            dx, dy = line.box[1] - line.box[0]
            angles.append(math.degrees(math.atan2(dy, dx)))
            weights.append(_length(line.box))
    if not angles:
        return gray, lines
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    angle = float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    if abs(angle) < 0.08 or abs(angle) > 10:
        return gray, lines
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    gray = cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
    for line in lines:
        line.box = (np.hstack([line.box, np.ones((4, 1), np.float32)]) @ matrix.T).astype(np.float32)
    return gray, lines


def _crop(rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The quadrilateral straightened into a rectangle (as RapidOCR crops, without its turn of tall crops)."""
    box = box.astype(np.float32)
    width = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3]), 1))
    height = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2]), 1))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(box, target)
    return cv2.warpPerspective(rgb, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def _readings(crops: list[np.ndarray], ocr) -> list[Reading]:
    """Read crops; a tall one is read both as it is (a lone "1" or "7" in a narrow cell) and turned 90° (a
    vertical label, one character a line), and the better reading kept: RapidOCR always turns tall crops,
    which reads a "1" as "一"."""
    tall = [index for index, crop in enumerate(crops) if crop.shape[0] >= 1.5 * crop.shape[1]]
    readings = ocr.recognise([*crops, *(np.rot90(crops[index]) for index in tall)])
    out = readings[: len(crops)]
    for offset, index in enumerate(tall):
        upright, turned = out[index], readings[len(crops) + offset]
        as_value = upright.value is not None and upright.value_score >= VALUE_CONFIDENCE
        out[index] = upright if as_value or upright.score > turned.score else turned
    return out


# --- tables --------------------------------------------------------------------------------------------


@dataclass
class _Owner:
    table: int
    cell: int


def _assign(lines: list[_Line], tables: list[Table], gray, rulings, dpi) -> tuple[dict[int, _Owner], list]:
    """Which cell each line belongs to; lines crossing ruling lines are cut into per-cell pieces, and cells
    with marks but no line get their whole inside as one more line (`extra`, with its owner)."""
    owners: dict[int, _Owner] = {}
    extra: list[tuple[_Line, _Owner]] = []
    filled: set[tuple[int, int]] = set()
    for index, line in enumerate(lines):
        for number, table in enumerate(tables):
            x, y = line.centre
            cell = table.cell_at(x, y)
            if cell is None:
                continue
            pieces = _cut(line, table, y)
            if len(pieces) <= 1:
                owners[index] = _Owner(number, cell)
                filled.add((number, cell))
            else:
                owners[index] = _Owner(-1, -1)  # replaced by its pieces
                for piece, owner_cell in pieces:
                    extra.append((piece, _Owner(number, owner_cell)))
                    filled.add((number, owner_cell))
            break
    ink = ink_mask(gray)
    unit = dpi / 72
    for number, table in enumerate(tables):
        for cell in range(len(table.cells)):
            if (number, cell) not in filled and has_ink(ink, rulings, table.cell_box(cell), unit):
                x0, y0, x1, y1 = table.cell_box(cell)
                inset = unit * 1.5
                box = np.array([[x0 + inset, y0 + inset], [x1 - inset, y0 + inset], [x1 - inset, y1 - inset],
                                [x0 + inset, y1 - inset]], np.float32)  # fmt: skip
                extra.append((_Line(box), _Owner(number, cell)))
    return owners, extra


def _cut(line: _Line, table: Table, y: float) -> list[tuple[_Line, int]]:
    """The line's parts in each cell it crosses (along its centre height)."""
    cells: list[int] = []
    for x in np.linspace(line.x0 + 2, line.x1 - 2, num=max(3, int((line.x1 - line.x0) / 4))):
        cell = table.cell_at(float(x), y)
        if cell is not None and (not cells or cells[-1] != cell):
            cells.append(cell)
    if len(set(cells)) <= 1:
        return [(line, cells[0])] if cells else []
    pieces = []
    for cell in dict.fromkeys(cells):
        x0, _, x1, _ = table.cell_box(cell)
        left, right = max(line.x0, x0 + 2), min(line.x1, x1 - 2)
        if right - left > 3:
            box = np.array([[left, line.y0], [right, line.y0], [right, line.y1], [left, line.y1]], np.float32)
            pieces.append((_Line(box), cell))
    return pieces


def _recognise(lines: list, rgb: np.ndarray, ocr, deadline: float) -> None:
    targets = [item[0] if isinstance(item, tuple) else item for item in lines]
    chunk = 64  # check the time between chunks: a page stops within one chunk of its limit
    for start in range(0, len(targets), chunk):
        _check(deadline)
        part = targets[start : start + chunk]
        for line, reading in zip(part, _readings([_crop(rgb, line.box) for line in part], ocr), strict=True):
            line.reading = reading


def _cell_text(lines: list[_Line]) -> str:
    """A cell's text: a value (decoded as one) when its confidence allows, else `unsure_cell(raw)`."""
    lines = sorted(lines, key=lambda line: (round(line.y0 / 8), line.x0))
    readings = [line.reading for line in lines if line.reading is not None]
    texts = [reading.text for reading in readings if reading.text]
    if readings and all(reading.value is not None for reading in readings):
        values = [reading.value for reading in readings if reading.value]
        confidence = min(reading.value_score for reading in readings)
        raw = "\n".join(values)
        if values and confidence >= VALUE_CONFIDENCE:
            return raw
        return unsure_cell(raw or " ".join(texts), confidence)
    if not texts:
        return unsure_cell("", 0.0)  # marks in the cell, but nothing could be read
    text = clean_cell("\n".join(texts))
    if len(text) <= 3 and not _IDEOGRAPH.search(text):  # a speck or a mangled digit, not a label
        return unsure_cell(text, min(reading.score for reading in readings))
    return text


def _table_piece(table: Table, lines: list[_Line], dpi: float, page: int):
    from pipelines.formats.pdf import _Cell, _Piece

    scale = 72 / dpi  # edges in points, like the text layer's (`align` evens out scanner offsets)
    cells = []
    for index, (r0, r1, c0, c1) in enumerate(table.cells):
        mine = [line for line, cell in lines if cell == index]
        cells.append(_Cell(r0, r1, c0, c1, _cell_text(mine) if mine else ""))
    edges = [x * scale for x in table.xs]
    return _Piece(edges=edges, cells=cells, nrows=len(table.ys) - 1, page=page)


# --- text ----------------------------------------------------------------------------------------------


def _text(lines: list[_Line]) -> str:
    """Running text: lines grouped by height, left to right; a wide gap between two parts is a space."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: line.centre[1]):
        if rows and abs(line.centre[1] - rows[-1][-1].centre[1]) < (line.y1 - line.y0) * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    out = []
    for row in rows:
        row.sort(key=lambda line: line.x0)
        text = ""
        for previous, line in zip([None, *row], row, strict=False):
            if line.reading is None or not line.reading.text:
                continue
            gap = line.x0 - previous.x1 if previous is not None else 0
            text += (" " if text and gap > (line.y1 - line.y0) else "") + line.reading.text
        if text:
            out.append(text)
    return "\n".join(out)


def _items(lines, extra, owners, tables, dpi, page) -> list:
    bands: list[list[_Line]] = [[] for _ in range(len(tables) + 1)]
    in_table: list[list[tuple[_Line, int]]] = [[] for _ in tables]
    for index, line in enumerate(lines):
        owner = owners.get(index)
        if owner is None:
            bands[sum(table.ys[0] <= line.centre[1] for table in tables)].append(line)
        elif owner.table >= 0:
            in_table[owner.table].append((line, owner.cell))
    for line, owner in extra:
        in_table[owner.table].append((line, owner.cell))
    items: list = []
    for number, band in enumerate(bands):
        items.append(_text(band))
        if number < len(tables):
            items.append(_table_piece(tables[number], in_table[number], dpi, page))
    return items


def align(flow: list, items: list, page: int) -> list:
    """Shift a table at the top of an OCR'd page onto the table that ended the previous page when both have
    the same width: two scans are rarely fed at the same offset, and pdf.py joins tables by column edges."""
    from pipelines.formats.pdf import _Piece

    if not (items and flow and isinstance(items[0], _Piece) and isinstance(flow[-1], _Piece)):
        return items
    upper, lower = flow[-1].edges, items[0].edges
    if flow[-1].page == page - 1 and abs((upper[-1] - upper[0]) - (lower[-1] - lower[0])) <= ALIGN_POINTS:
        items[0].edges = [edge + upper[0] - lower[0] for edge in lower]
    return items


# --- whole inputs --------------------------------------------------------------------------------------


def pdf_page_gray(pdf, index: int, dpi: float = OCR_DPI) -> tuple[np.ndarray, float]:
    """Render one PDF page for OCR (the caller holds PDFIUM_LOCK). A page is never rendered above the pixel
    cap: a huge page size is rendered at a lower resolution instead."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = min(dpi / 72, math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1.0)))
        return np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L")), scale * 72
    finally:
        page.close()


def blank(gray: np.ndarray) -> bool:
    """A page with (almost) no dark pixels: nothing to read, skip the OCR."""
    return float((gray[::4, ::4] < 128).mean()) < 0.0005


def image_frames(data: bytes) -> tuple[list[tuple[np.ndarray, float]], int]:
    """The pages of a picture file (TIFF may hold several; at most MAX_OCR_PAGES are decoded), upright by
    EXIF, as greyscale arrays with their DPI; and how many pages the file has."""
    from PIL import Image, ImageOps, ImageSequence

    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise DocumentError(f"image too large: {width}×{height} pixels (limit {MAX_IMAGE_PIXELS // 10**6} Mpx)")
        frames = []
        for number, frame in enumerate(ImageSequence.Iterator(image)):
            if number >= MAX_OCR_PAGES:
                break
            dpi = _dpi(frame.info.get("dpi"), frame.size)
            upright = ImageOps.exif_transpose(frame.convert("RGB") if frame.mode in ("P", "PA") else frame)
            frames.append((np.asarray(upright.convert("L")), dpi))
        return frames, getattr(image, "n_frames", 1)
    except DocumentError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DocumentError(f"corrupt image: {exc}"[:300]) from exc


def _dpi(declared, size: tuple[int, int]) -> float:
    """The picture's DPI if declared and plausible, else the DPI an A4 page of that size would have."""
    try:
        value = float(declared[0])
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if 70 <= value <= 1200:
        return value
    return max(size) / (297 / 25.4)  # the long side as an A4 page's 297 mm


def document_from_frames(frames: list[tuple[np.ndarray, float]], kind: str, total: int) -> Document:
    """OCR the frames of a picture file (`total` pages in the file) into a Document (format "image+ocr")."""
    from pipelines.formats.pdf import _add_to_flow, _blocks

    budget = Budget()
    budget.skipped_cap = total - len(frames)
    flow: list = []
    for index, (gray, dpi) in enumerate(frames):
        _add_to_flow(flow, align(flow, read_page(gray, dpi, index, budget), index), index)
    document = Document(format="image+ocr", blocks=_blocks(flow))
    document.warnings.extend(budget.warnings(total))
    if not document.blocks:
        if budget.timed_out:
            raise DocumentError(f"OCR time limit exceeded: {budget.time_note()}")
        return document
    return document
