"""Ruled tables in a page image: ruling lines (OpenCV morphology) → row/column edges → cells with spans.

The same idea as the PDF converter's (pdfplumber's `lines` strategy), on pixels instead of drawing
operators: long thin runs of ink are ruling lines; their positions, clustered, are the row and column
edges; two neighbouring elementary cells belong to one merged cell when no ruling line separates them.
Works on a deskewed page (`ocr_page` straightens it first); a residual tilt of ~0.2° is absorbed by the
clustering tolerance.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import cv2
import numpy as np

WALL_COVERAGE = 0.6  # share of a cell side that must be ruled for it to separate two cells
MIN_TABLE_SIDE = 0.08  # a table is at least this share of the page's width and height … of its width
MIN_CELLS = 2  # … and has at least two columns (one-column boxes are framed paragraphs: running text)


@dataclass
class Table:
    """A ruled table: edges in page pixels and its cells as (r0, r1, c0, c1) in edge indices."""

    xs: list[float]
    ys: list[float]
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def __post_init__(self) -> None:
        self._owner: dict[tuple[int, int], int] = {}
        for index, (r0, r1, c0, c1) in enumerate(self.cells):
            for row in range(r0, r1):
                for col in range(c0, c1):
                    self._owner.setdefault((row, col), index)

    def cell_at(self, x: float, y: float) -> int | None:
        """Index of the cell containing the point, or None outside the table."""
        col = bisect.bisect_left(self.xs, x) - 1
        row = bisect.bisect_left(self.ys, y) - 1
        return self._owner.get((row, col))

    def cell_box(self, index: int) -> tuple[float, float, float, float]:
        r0, r1, c0, c1 = self.cells[index]
        return self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1]


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark marks (255) on white (0), robust to uneven lighting and JPEG noise."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)


def line_masks(ink: np.ndarray, length: int, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines: runs of ink at least `length` pixels long."""
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    # Close the small gaps blur and JPEG leave in thin lines.
    bridge = max(3, int(unit * 3))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 3)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, bridge)))
    return horizontal, vertical


def find_tables(gray: np.ndarray, dpi: float) -> tuple[list[Table], np.ndarray]:
    """The ruled tables of a deskewed page, top to bottom, and the mask of all ruling lines.

    Tables are found from long lines (over 40 pt: no character stroke is that long); inside a table,
    lines over 12 pt count (one row's height: the wall of a single cell), since table text is small
    (≤ 五号, 10.5 pt, whose longest strokes are under 11 pt)."""
    unit = dpi / 72
    ink = ink_mask(gray)
    long_h, long_v = line_masks(ink, max(15, int(unit * 40)), unit)
    joined = cv2.dilate(cv2.bitwise_or(long_h, long_v), np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    width = gray.shape[1]
    tables = []
    lines = np.zeros_like(ink)
    for index in range(1, count):
        x, y, w, h, _ = stats[index]
        if w < width * MIN_TABLE_SIDE or h < unit * 20:
            continue
        horizontal, vertical = line_masks(ink[y : y + h, x : x + w], max(9, int(unit * 12)), unit)
        table = _table(horizontal, vertical, unit, (x, y))
        if table is not None:
            tables.append(table)
            lines[y : y + h, x : x + w] |= horizontal | vertical
    return sorted(tables, key=lambda t: t.ys[0]), lines


def _table(horizontal: np.ndarray, vertical: np.ndarray, unit: float, origin: tuple[int, int]) -> Table | None:
    tolerance = unit * 3
    ys = _edges(horizontal, axis=1, tolerance=tolerance, min_run=unit * 12)
    xs = _edges(vertical, axis=0, tolerance=tolerance, min_run=unit * 12)
    if len(xs) < MIN_CELLS + 1 or len(ys) < 2:
        return None
    cells = _merge_cells(horizontal, vertical, xs, ys, tolerance)
    if len({c0 for _, _, c0, _ in cells}) < MIN_CELLS:
        return None
    ox, oy = origin
    return Table([x + ox for x in xs], [y + oy for y in ys], cells)


def _edges(mask: np.ndarray, axis: int, tolerance: float, min_run: float) -> list[float]:
    """Positions of lines in a one-direction mask: projections with enough ink, clustered."""
    profile = (mask > 0).sum(axis=axis)
    positions = np.nonzero(profile >= min_run)[0]
    groups: list[list[int]] = []
    for position in positions:
        if groups and position - groups[-1][-1] <= tolerance:
            groups[-1].append(int(position))
        else:
            groups.append([int(position)])
    return [float(np.average(g, weights=profile[g])) for g in groups]


def _covered(mask: np.ndarray, fixed: float, start: float, end: float, vertical: bool, tolerance: float) -> bool:
    """Is the segment (along x at y=fixed, or along y at x=fixed) mostly ruled?"""
    a, b = int(fixed - tolerance), int(fixed + tolerance) + 1
    lo, hi = int(start), int(end)
    if hi - lo < 3:
        return True
    band = mask[lo:hi, max(a, 0) : b] if vertical else mask[max(a, 0) : b, lo:hi]
    line = band.max(axis=1 if vertical else 0) > 0
    return bool(line.mean() >= WALL_COVERAGE)


def _merge_cells(horizontal, vertical, xs, ys, tolerance) -> list[tuple[int, int, int, int]]:
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    inset = tolerance
    for r in range(rows):
        for c in range(cols):
            here = r * cols + c
            if c + 1 < cols and not _covered(vertical, xs[c + 1], ys[r] + inset, ys[r + 1] - inset, True, tolerance):
                parent[find(here)] = find(here + 1)
            if r + 1 < rows and not _covered(horizontal, ys[r + 1], xs[c] + inset, xs[c + 1] - inset, False, tolerance):
                parent[find(here)] = find(here + cols)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(r for r, _ in members), max(r for r, _ in members) + 1
        c0, c1 = min(c for _, c in members), max(c for _, c in members) + 1
        cells.append((r0, r1, c0, c1))
    return sorted(cells)


def has_ink(ink: np.ndarray, lines: np.ndarray, box: tuple[float, float, float, float], unit: float) -> bool:
    """Are there marks (not ruling lines, not specks) inside a cell box?"""
    inset = int(unit * 2)
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 - x0 <= 2 * inset or y1 - y0 <= 2 * inset:
        return False
    region = ink[y0 + inset : y1 - inset, x0 + inset : x1 - inset]
    region = cv2.bitwise_and(region, cv2.bitwise_not(lines[y0 + inset : y1 - inset, x0 + inset : x1 - inset]))
    count, _, stats, _ = cv2.connectedComponentsWithStats(region)
    # a stroke of a character at 1 pt is ~unit² pixels; JPEG and noise specks are smaller
    return any(stats[i][4] >= unit * unit * 1.5 for i in range(1, count))
