"""Flattened text → cell pieces.

The text between two row labels holds that row's cells, flattened in one of several ways:
`a | b | c |` pipes (also Markdown pipe tables), tabs, one cell per line (with the blank-line
convention below), full-width or plain spaces, or glued with no separator at all. `pieces()` turns
such a span into a list of `Piece`s: numbers (possibly a glued run), blanks, NULL markers and text.

One-cell-per-line convention (corpus 004–007, `gap_base == 2`): 2 blank lines between cells, 4
between rows, and 3 more per empty cell. With `gap_base == 0` (no blank lines between cells) every
blank line is an empty cell.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from pipelines.document import UNSURE
from pipelines.tables.values import NARRATIVE_UNITS, is_null_marker, is_number, split_piece

_MD_RULE = re.compile(r"^[\s|:\-—]*-{3,}[\s|:\-—]*$")
_SPACES = re.compile(r"[ \u3000]+")
_COUNTED = re.compile(r"^(\d+)\s*[件条个项次人]$")
_NUMBER_SPACE_UNIT = re.compile(r"(\d)[ \u3000]+(?=[" + "".join(sorted(NARRATIVE_UNITS)) + "])")
_PAGE_NUMBER = re.compile(r"^[ \t]*[—\-－–]+[ \t]*\d+[ \t]*[—\-－–]+[ \t]*\n?", re.M)


def drop_page_numbers(text: str) -> str:
    """Remove page-number lines ('— 4 —') that PDF conversions leave inside tables."""
    return _PAGE_NUMBER.sub("", text)


@dataclass(frozen=True)
class Piece:
    kind: str  # "num" | "blank" | "null" | "text" | "pad"
    raw: str


BLANK = Piece("blank", "")
PAD = Piece("pad", "")  # blank lines at a table's end: empty cells only if the row needs them


def gap_base(text: str) -> int:
    """The usual number of blank lines between consecutive non-blank lines (0, 1 or 2)."""
    gaps: Counter[int] = Counter()
    blank = 0
    for line in text.split("\n"):
        if line.strip():
            gaps[blank] += 1
            blank = 0
        else:
            blank += 1
    base = gaps.most_common(1)[0][0] if gaps else 0
    return min(base, 2)


def blanks_in_gap(gap: int, base: int) -> int:
    """Empty cells encoded by `gap` blank lines between two cells."""
    if base == 2:
        for sep in (2, 4):
            if gap >= sep and (gap - sep) % 3 == 0:
                return (gap - sep) // 3
        return 0
    return max(0, gap - base)


def classify(text: str) -> list[Piece]:
    """One field (no separators) → pieces; a field may glue numbers to text ('0000000三、…')."""
    stripped = text.strip()
    if not stripped:
        return [BLANK]
    return list(_classify(stripped))  # a new list: callers extend it


@lru_cache(maxsize=8192)
def _classify(stripped: str) -> tuple[Piece, ...]:
    """Cached: the same fields ('0', '1', '—', row labels) recur in every table (Pieces are immutable)."""
    if stripped.isdigit() or is_number(stripped):
        return (Piece("num", stripped),)
    if UNSURE in stripped:  # an untrusted OCR reading: one cell, NULL (extract.py records it)
        return (Piece("null", stripped),)
    counted = _COUNTED.match(stripped)
    if counted:  # a whole cell like '5件' is the number 5
        return (Piece("num", counted.group(1)),)
    if is_null_marker(stripped):
        return (Piece("null", stripped),)
    return tuple(Piece(kind, raw) for kind, raw in split_piece(stripped))


def _words(field: str) -> list[Piece]:
    """A field that may hold several space-separated cells ('0 0 0', '0\u3000\u30000')."""
    field = field.strip()
    if "-" in field and _MD_RULE.match(field):
        return []
    if " " not in field and "\u3000" not in field:
        return classify(field)
    field = _NUMBER_SPACE_UNIT.sub(r"\1", field)  # '2024 年' is narrative, like '2024年'
    return [p for word in _SPACES.split(field) if word for p in classify(word)]


def pipe_pieces(span: str, markdown: bool = False) -> list[Piece]:
    """`| a | b |` and `a |\\n b |` forms: every field between two pipes is a cell.

    In Markdown tables a field that is only a line break is the boundary between two rows, not a cell.
    """
    lines = [ln for ln in span.split("\n") if not _MD_RULE.match(ln) or "|" not in ln]
    fields = "\n".join(lines).split("|")
    out = [p for p in _line_words(fields[0]) if p.kind != "blank"]
    for field in fields[1:-1]:
        if markdown and not field.strip() and "\n" in field:
            continue
        out.extend(_line_words(field) if field.strip() else [BLANK])
    out.extend(p for p in _line_words(fields[-1]) if p.kind != "blank")
    return out


def _line_words(field: str) -> list[Piece]:
    """A pipe field that may span lines; an empty field is one blank cell."""
    out = []
    for line in field.split("\n"):
        if line.strip():
            out.extend(_words(line))
    return out or [BLANK]


def tab_pieces(span: str) -> list[Piece]:
    """Tab-separated rows: empty fields are blank cells, except the label's own field.

    An empty field after a line's last tab may be a terminator or a blank cell; it is kept as a
    blank and trimmed later if the row has more cells than columns.
    """
    out: list[Piece] = []
    lines = span.split("\n")
    last = len(lines) - 1
    for i, line in enumerate(lines):
        fields = line.split("\t")
        single = len(fields) == 1
        for j, field in enumerate(fields):
            stripped = field.strip()
            if stripped.isdigit():  # most fields: one number (what _words would make of it, without its steps)
                out.extend(_classify(stripped))
            elif stripped:
                out.extend(_words(stripped))
            elif not (single or (j == 0 and (i == 0 or i == last))):  # an empty field that is a cell
                out.append(BLANK)
    return out


def line_pieces(span: str, base: int, tail: bool = False) -> list[Piece]:
    """One cell per line (or glued / space-separated within a line); blank lines may encode empty cells.

    The first line is the rest of the label's line and the last one the start of the next label's line,
    so neither counts as a blank line. At the end of a table (`tail`) trailing blank lines may be
    layout rather than empty cells: they become `PAD` pieces, used only when the row is short.
    """
    lines = span.split("\n")
    out = _words(lines[0]) if lines[0].strip() else []
    if len(lines) == 1:
        return out
    gap = 0
    for line in lines[1:-1]:
        if not line.strip():
            gap += 1
            continue
        out.extend([BLANK] * blanks_in_gap(gap, base))
        out.extend(_words(line))
        gap = 0
    out.extend([PAD if tail else BLANK] * blanks_in_gap(gap, base))
    if lines[-1].strip():
        out.extend(_words(lines[-1]))
    return out


@dataclass(frozen=True)
class Layout:
    """Document-wide flattening facts: blank-line convention and whether pipes form Markdown rows."""

    base: int = 0
    markdown: bool = False


_MD_ROW = re.compile(r"^\s*\|\s*[^|\s][^|]*\|.*\|\s*$", re.M)


def layout_of(text: str) -> Layout:
    """The conventions of the tables' text (read from the table regions, not the narrative)."""
    return Layout(base=gap_base(text), markdown=len(_MD_ROW.findall(text)) >= 3)


def pieces(span: str, layout: Layout, tail: bool = False) -> list[Piece]:
    """Cut a row's span into pieces, by the separator it uses (pipes, then tabs, else lines/spaces/glued)."""
    if "|" in span:
        return pipe_pieces(span, layout.markdown)
    if "\t" in span:
        return tab_pieces(span)
    return line_pieces(span, layout.base, tail)
