"""The intermediate representation every input format is converted into.

A report arrives as HTML, plain text, Markdown, PDF, DOCX, … . Each converter
(`pipelines/formats/`) turns it into one `Document`: an ordered list of blocks,
where a block is either running text or a table grid. Everything downstream
(metadata, sections, the statistical-table extractor) reads only this, so a
PDF report and an HTML report go through exactly the same parsing code.

Grid convention (shared by every converter):
- `grid[r][c]` is the cell text (whitespace-normalised, line breaks inside a
  cell kept as "\\n") or `None` when that position is covered by a merged cell
  (rowspan/colspan); the text of a merged cell sits at its top-left origin.
- Rows are padded with `None`/"" to the same length.
- An empty string is a real, blank cell (keep it apart from 0).
- A cell whose reading is not trusted (OCR below its confidence threshold) is `unsure_cell(raw, confidence)`:
  the table reader stores it as NULL with `raw` kept and a failed `ocr` check (`read_unsure`), like an
  ambiguous glued run; the text form of the table shows `raw`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Grid = list[list[str | None]]

# Private-use characters: they cannot occur in decoded report text (text.py would have to invent them).
UNSURE, _CONFIDENCE = "\ue000", "\ue001"
_UNSURE_CELL = re.compile(f"{UNSURE}([^{_CONFIDENCE}]*){_CONFIDENCE}([0-9.]+)")


def unsure_cell(raw: str, confidence: float) -> str:
    """Mark a grid cell as read but not trusted. Whitespace in `raw` becomes "_" so the cell stays one field."""
    return f"{UNSURE}{'_'.join(raw.split())}{_CONFIDENCE}{confidence:.2f}"


def read_unsure(text: str) -> tuple[str, float] | None:
    """(raw, confidence) of an `unsure_cell` (also inside a longer field), else None."""
    match = _UNSURE_CELL.search(text) if UNSURE in text else None
    return (match.group(1), float(match.group(2))) if match else None


def shown(text: str) -> str:
    """A cell's text for reading (section bodies): an unsure cell shows its raw reading."""
    return _UNSURE_CELL.sub(lambda m: m.group(1), text) if UNSURE in text else text


@dataclass
class Block:
    """A run of text, or a table grid (then `text` is the grid flattened to `a | b | c` lines)."""

    text: str
    grid: Grid | None = None

    @property
    def is_table(self) -> bool:
        return self.grid is not None


@dataclass
class Document:
    """A decoded report: blocks in reading order plus what the container told us."""

    blocks: list[Block] = field(default_factory=list)
    # <meta> tags, HTTP headers, PDF info … keyed by lower-case name ("articletitle", "pubdate", …).
    meta: dict[str, str] = field(default_factory=dict)
    # The format the content was detected as: "text", "markdown", "html", "pdf", "docx", …
    format: str = "text"
    # Problems met while converting that do not stop parsing (e.g. "3 pages without text layer").
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)

    @property
    def grids(self) -> list[Grid]:
        return [block.grid for block in self.blocks if block.grid is not None]


def flatten_grid(grid: Grid) -> str:
    """Render a grid as `a | b | c` lines: the text form of tables inside section bodies."""
    lines = []
    for row in grid:
        cells = [shown(cell or "").replace("\n", "") for cell in row if cell is not None]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def table_block(grid: Grid) -> Block:
    return Block(text=flatten_grid(grid), grid=grid)


class DocumentError(Exception):
    """The input cannot be turned into a Document (empty, binary garbage, corrupt, …).

    The message is the reason recorded in the database, so it must be readable on its own.
    """
