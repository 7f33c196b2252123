"""Cell and grid helpers shared by the attachment converters (PDF, DOCX, XLSX, …).

Every converter builds grids by placing cells with their spans (`GridBuilder`) and cleans cell text
with `clean_cell`, so a table looks the same in the Document whatever format it came from.
"""

from __future__ import annotations

import re

from pipelines.document import Block, Grid

# CJK ideographs, CJK punctuation, full-width forms and curly quotes: a line break or a space between two
# of these is a layout artefact (vertical labels 「不\n予\n公\n开」, wrapped headers 「商 业 企\n业」).
_CJK = "\u2018-\u201d\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def _is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.match(char))


def clean_cell(text: str | None) -> str:
    """Normalise cell text: full-width/no-break spaces → spaces, runs collapsed, CJK-split lines rejoined.

    Line breaks between two CJK characters (and spaces between them) are removed; other line breaks stay
    as "\\n" (two numbers stacked in one cell stay apart). A cell holding only blanks becomes "".
    """
    if not text:
        return ""
    text = text.replace("\u3000", " ").replace("\xa0", " ").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (_is_cjk(out[-1]) and _is_cjk(line[0])):
            out += "\n"
        out += line
    return _SPACE_BETWEEN_CJK.sub("", out)


class GridBuilder:
    """Collect cells with their spans, then render the grid convention of `pipelines.document`.

    `place(r, c, text, rowspan, colspan)` puts `text` at the origin and `None` on every covered position.
    Positions never placed become "" (a blank cell). Later placements never overwrite earlier ones.
    """

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], str | None] = {}
        self.rows = 0
        self.cols = 0

    def place(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        for r in range(row, row + max(rowspan, 1)):
            for c in range(col, col + max(colspan, 1)):
                self._cells.setdefault((r, c), text if (r, c) == (row, col) else None)
        self.rows = max(self.rows, row + max(rowspan, 1))
        self.cols = max(self.cols, col + max(colspan, 1))

    def occupied(self, row: int, col: int) -> bool:
        return (row, col) in self._cells

    def grid(self) -> Grid:
        return [[self._cells.get((r, c), "") for c in range(self.cols)] for r in range(self.rows)]


def drop_covered(grid: Grid) -> Grid:
    """Remove rows and columns where no cell starts (all `None`): they only widen a span.

    Word and LibreOffice add such grid columns when cell widths differ slightly between rows
    (a cell then has gridSpan=2 where the form has one column).
    """
    rows = [row for row in grid if any(cell is not None for cell in row)]
    if not rows:
        return []
    keep = [c for c in range(len(rows[0])) if any(row[c] is not None for row in rows)]
    return [[row[c] for c in keep] for row in rows]


def trim_grid(grid: Grid) -> Grid:
    """Drop rows and columns that hold no text at all (empty or only covered positions)."""
    rows = [row for row in grid if any(cell for cell in row)]
    if not rows:
        return []
    keep = [c for c in range(len(rows[0])) if any(row[c] for row in rows)]
    return [[row[c] for c in keep] for row in rows]


def text_blocks(lines: list[str]) -> list[Block]:
    """One text block for a run of non-empty lines (nothing for an empty run)."""
    text = "\n".join(line for line in lines if line.strip())
    return [Block(text=text)] if text else []
