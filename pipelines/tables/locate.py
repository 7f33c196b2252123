"""Find the three tables in the document text and cut each row's span out of it.

Rows are anchored by their labels (`labels.py`), searched in template order inside the table's
region; the text between one row's label and the next row's label holds that row's cells, in
whatever flattened form (`flatten.py`). Cells stop at the first text after them: text followed by
more numbers is a row the template does not know (kept as an extra row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.tables import labels
from pipelines.tables.flatten import Layout, Piece, pieces
from pipelines.tables.template import RowSpec
from pipelines.tables.values import digit_count


@dataclass
class FoundRow:
    key: str
    label: str
    cells: list[Piece]
    separated: bool = False  # cells came with separators (pipes/tabs): a missing cell was lost, not glued


@dataclass
class FoundTable:
    rows: list[FoundRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[tuple[str, list[Piece]]] = field(default_factory=list)


def _first(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    match = pattern.search(text, start, end)
    return match.start() if match else None


def _earliest(text: str, start: int, end: int, *patterns: re.Pattern[str]) -> int:
    hits = [h for p in patterns if (h := _first(p, text, start, end)) is not None]
    return min(hits, default=end)


@dataclass
class Regions:
    """Character ranges of the three tables (None when the table's anchor is absent)."""

    active: tuple[int, int] | None
    applications: tuple[int, int] | None
    review: tuple[int, int] | None


def find_regions(text: str) -> Regions:
    n = len(text)
    ad = labels.AD_START.search(text)
    app = labels.APP_START.search(text, ad.end() if ad else 0)
    after_ad = ad.end() if ad else 0
    ad_end = _earliest(text, after_ad, n, labels.APP_START, labels.SECTION3, labels.SECTION4, labels.RL_START)
    ad_end = min(ad_end, _earliest(text, after_ad, n, labels.SECTION5))
    app_region = None
    if app:
        app_end = _earliest(text, app.end(), n, labels.SECTION4, labels.RL_START, labels.SECTION5)
        app_region = (app.start(), app_end)
    rl_from = app_region[1] if app_region else ad_end
    rl = labels.RL_START.search(text, rl_from)
    rl_region = (rl.start(), _earliest(text, rl.end(), n, labels.SECTION5)) if rl else None
    return Regions((ad.start(), ad_end) if ad else None, app_region, rl_region)


def anchor_rows(
    text: str, region: tuple[int, int], specs: list[RowSpec], any_order: bool = False
) -> list[tuple[str, re.Match[str]]]:
    """Label matches in template order; a row whose label is not found is skipped.

    A label repeated before the next row (a heading above a mini table, a merged cell repeated by
    the converter) anchors at its last occurrence. With `any_order`, rows not found in order are
    looked up anywhere in the region (a table printed in pieces).
    """
    pos, end = region
    found: list[tuple[str, re.Match[str]]] = []
    for spec in specs:
        match = labels.row_pattern(spec.key).search(text, pos, end)
        if match:
            found.append((spec.key, match))
            pos = match.end()
    if any_order:
        found = _out_of_order(text, region, specs, found)
    return _last_occurrences(text, region, found)


def _out_of_order(text, region, specs, found):
    taken = [(m.start(), m.end()) for _, m in found]
    keys = {k for k, _ in found}
    for spec in specs:
        if spec.key in keys:
            continue
        for match in labels.row_pattern(spec.key).finditer(text, *region):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                found.append((spec.key, match))
                taken.append((match.start(), match.end()))
                break
    return sorted(found, key=lambda item: item[1].start())


def _last_occurrences(text, region, found):
    out = []
    for i, (key, match) in enumerate(found):
        stop = found[i + 1][1].start() if i + 1 < len(found) else region[1]
        pattern = labels.row_pattern(key)
        while (again := pattern.search(text, match.end(), stop)) is not None:
            match = again
        out.append((key, match))
    return out


def split_cells(items: list[Piece]) -> tuple[list[Piece], list[tuple[str, list[Piece]]]]:
    """A row's pieces → its cells, plus unknown labelled rows that follow inside the same span."""
    cells: list[Piece] = []
    extras: list[tuple[str, list[Piece]]] = []
    current: list[Piece] | None = cells
    started = False
    for piece in items:
        if piece.kind == "text":
            if started:
                extras.append((piece.raw, []))
                current = extras[-1][1]
            continue
        started = True
        if current is not None:
            current.append(piece)
    # an unknown row needs a label and at least two cells with a number ('数据1' headers are not rows)
    extras = [(label, _rstrip_blanks(c)) for label, c in extras]
    return cells, [(label, c) for label, c in extras if len(c) >= 2 and any(p.kind == "num" for p in c)]


def _rstrip_blanks(cells: list[Piece]) -> list[Piece]:
    """Trailing blanks of an unknown row are the flattener's padding (its width is unknown)."""
    end = len(cells)
    while end and cells[end - 1].kind in ("blank", "pad"):
        end -= 1
    return cells[:end]


def read_table(
    text: str, region: tuple[int, int], specs: list[RowSpec], layout: Layout, any_order: bool = False
) -> FoundTable:
    anchors = anchor_rows(text, region, specs, any_order)
    table = FoundTable()
    found_keys = {key for key, _ in anchors}
    table.missing = [s.key for s in specs if s.key not in found_keys]
    for i, (key, match) in enumerate(anchors):
        stop = anchors[i + 1][1].start() if i + 1 < len(anchors) else region[1]
        span = text[match.end() : stop]
        cells, extras = split_cells(pieces(span, layout, tail=i + 1 == len(anchors)))
        table.rows.append(FoundRow(key, match.group(0), cells, "|" in span or "\t" in span))
        table.extra.extend(extras)
    return table


def review_cells(text: str, region: tuple[int, int], layout: Layout) -> list[Piece]:
    """The review/litigation numbers: from the first group of cells (between texts) holding a number on.

    Laid out as rows (复议 | 5 numbers, …), the following groups are joined until 15 cells; a piece of
    prose ends the table, so a number in a sentence after it («…案件0起。») never becomes a cell.
    """
    groups: list[list[Piece]] = [[]]
    prose_after: list[bool] = []  # whether the text that closed group i reads as a sentence
    for piece in pieces(text[region[0] : region[1]], layout, tail=True):
        if piece.kind == "text":
            prose_after.append(_is_prose(piece.raw))
            groups.append([])
        else:
            groups[-1].append(piece)
    prose_after.append(True)
    first = next((i for i, g in enumerate(groups) if any(p.kind == "num" for p in g)), None)
    if first is None:
        return max(groups, key=len)
    cells = groups[first]
    for i in range(first + 1, len(groups)):
        if _width(cells) >= 15 or prose_after[i - 1]:
            break
        cells = cells + groups[i]
    return cells


def _is_prose(raw: str) -> bool:
    """A sentence, not a label: sentence punctuation or a long run of text."""
    return bool(re.search(r"[。；;，,！]", raw)) or len(raw.strip()) > 20


def _width(cells: list[Piece]) -> int:
    """How many cells these pieces can fill at most (a glued run fills one cell per digit)."""
    return sum(digit_count(p.raw) if p.kind == "num" else 1 for p in cells)
