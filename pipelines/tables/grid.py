"""Table grids (HTML/DOCX/PDF/XLSX converters) → the text form the row anchoring reads.

A grid row becomes one line of tab-separated cells. Positions covered by a merged cell (`None`)
are dropped, so a rowspan/colspan label does not shift the value cells; real blank cells stay as
empty fields (NULL, never 0). Line breaks and runs inside a cell are joined ('商 业 企\\n业').
"""

from __future__ import annotations

import re

from pipelines.document import Document, Grid

_STACKED_NUMBERS = re.compile(r"(?<=\d)\n(?=[\d+-])")


def cell_text(cell: str) -> str:
    """One cell as a single field: no tabs/newlines; whitespace-only (incl. &nbsp;, U+3000) → ''.

    Line breaks inside words and labels are dropped ('商 业 企\\n业'), but two numbers stacked in one
    cell ('1<br>2') stay apart: glued they would read as 12, apart the row reports a cell problem.
    """
    if cell.isdigit() or not cell:  # most cells: nothing to join or blank out
        return cell
    text = _STACKED_NUMBERS.sub(" ", cell.replace("&nbsp;", " ").replace("\t", " "))
    return text.replace("\n", "").replace("\u3000", " ").strip()


def grid_lines(grid: Grid) -> list[str]:
    lines = []
    for row in grid:
        cells = [cell_text(cell) for cell in row if cell is not None]
        if cells:
            lines.append("\t".join(cells))
    return lines


def document_text(document: Document) -> str:
    """The whole document as text; table blocks rendered from their grids (tab-separated rows)."""
    parts = []
    for block in document.blocks:
        if block.grid is not None:
            parts.append("\n".join(grid_lines(block.grid)))
        else:
            parts.append(block.text)
    return "\n".join(parts)
