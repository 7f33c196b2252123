"""Row candidates: every way the printed cells of one row can be read as the template's columns.

A row arrives as pieces (numbers, blanks, NULL markers). When there are exactly as many pieces as
columns, each piece is one cell. When there are fewer, some pieces are glued digit runs
('27100028'): we enumerate their splits into numbers (no leading zeros, a sign only at the start of
a signed cell, a decimal point only inside a money cell) and, when the layout drops blank cells
(`allow_drops`), every placement of the numbers among the columns. A row rule (R3.2 / R4.1) then
filters the candidates; the cross-row search (`solver.py`) narrows them further.

Bounds (so that no input can explode): at most `MAX_PART_DIGITS` digits per number, at most
`MAX_NODES` search steps and `MAX_CANDIDATES` candidates per row; beyond that the row is reported
as unresolved (every cell NULL with the glued run in `raw`, failed `split` check).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from pipelines.tables.flatten import BLANK, Piece
from pipelines.tables.values import parse_value, split_unit

MAX_PART_DIGITS = 9
MAX_NODES = 20_000
MAX_CANDIDATES = 512
_PART = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?$")

Reading = tuple[tuple[int | float | None, str], ...]  # per column: (value, raw)


@dataclass
class RowResult:
    """Candidate readings of one row. `glued` is the printed text when some split was needed."""

    candidates: list[Reading] = field(default_factory=list)
    glued: str = ""
    bounded: bool = False  # a search bound was hit: the row is unresolved
    rule_failed: bool = False  # no candidate satisfies the row rule (kept all of them)
    unit: str | None = None


def part_ok(part: str, kind: str) -> bool:
    if not _PART.match(part):
        return False
    digits = part.lstrip("+-").split(".")[0]
    if len(digits) > MAX_PART_DIGITS:
        return False
    if part[0] in "+-" and kind != "signed":
        return False
    return "." not in part or kind == "money"


def token_splits(text: str, budget: list[int], max_parts: int) -> list[list[str]]:
    """All ways to cut `text` into at most `max_parts` valid numbers (any kind), bounded by `budget`."""
    cached = _splits_cached(text, max_parts)
    budget[0] -= cached[1]
    return [list(parts) for parts in cached[0]]


@lru_cache(maxsize=4096)
def _splits_cached(text: str, max_parts: int) -> tuple[tuple[tuple[str, ...], ...], int]:
    """(splits, steps used); a run that exhausts the step budget returns what it found and MAX_NODES+1 steps."""
    budget = [MAX_NODES]
    found = _enumerate(text, budget, max_parts)
    steps = MAX_NODES - budget[0] if budget[0] >= 0 else MAX_NODES + 1
    return tuple(tuple(p) for p in found), steps


def _enumerate(text: str, budget: list[int], max_parts: int) -> list[list[str]]:
    out: list[list[str]] = []
    widest = MAX_PART_DIGITS + 8  # digits, sign, decimal point and decimals

    def walk(start: int, parts: list[str]) -> None:
        budget[0] -= 1
        if len(out) >= MAX_CANDIDATES:
            budget[0] = -1
        if budget[0] < 0:
            return
        if start == len(text):
            out.append(list(parts))
            return
        if len(parts) >= max_parts or len(text) - start > (max_parts - len(parts)) * widest:
            return
        for end in range(start + 1, min(len(text), start + widest) + 1):
            part = text[start:end]
            if end < len(text) and text[end] == ".":
                continue
            if _PART.match(part) and len(part.lstrip("+-").split(".")[0]) <= MAX_PART_DIGITS:
                walk(end, [*parts, part])

    walk(0, [])
    return out


def _assign(parts: list[str], kinds: tuple[str, ...], slots: tuple[int, ...]) -> Reading | None:
    cells: list[tuple[int | float | None, str]] = [(None, "")] * len(kinds)
    for part, slot in zip(parts, slots, strict=True):
        numeric = bool(_PART.match(part))
        if numeric and not part_ok(part, kinds[slot]):
            return None
        cells[slot] = (parse_value(part, kinds[slot]) if numeric else None, part)
    return tuple(cells)


def readings(parts: list[str], kinds: tuple[str, ...], allow_drops: bool) -> list[Reading]:
    n = len(kinds)
    if len(parts) == n:
        found = _assign(parts, kinds, tuple(range(n)))
        return [found] if found else []
    if len(parts) > n or not allow_drops:
        return []
    out = []
    for slots in combinations(range(n), len(parts)):
        found = _assign(parts, kinds, slots)
        if found:
            out.append(found)
    return out


def use_pads(cells: list[Piece], n: int) -> list[Piece]:
    """Trailing `pad` pieces become blank cells only as far as they complete a short row."""
    core = [p for p in cells if p.kind != "pad"]
    pads = len(cells) - len(core)
    if pads and len(core) < n <= len(core) + pads:
        return core + [BLANK] * (n - len(core))
    return core


def trim(cells: list[Piece], n: int, leading_first: bool) -> list[Piece] | None:
    """Drop surplus blank cells at the row's ends (flattener padding); None if non-blanks would go."""
    excess = len(cells) - n
    order = range(excess, -1, -1) if leading_first else range(excess + 1)
    for lead in order:
        kept = cells[lead : len(cells) - (excess - lead)]
        dropped = cells[:lead] + cells[len(cells) - (excess - lead) :]
        if all(p.kind == "blank" for p in dropped):
            return kept
    return None


def _direct(cells: list[Piece], kinds: tuple[str, ...]) -> Reading:
    out = []
    for piece, kind in zip(cells, kinds, strict=True):
        raw = piece.raw
        out.append((parse_value(raw, kind) if piece.kind == "num" else None, raw))
    return tuple(out)


def _split_all(cells: list[Piece], budget: list[int], n: int) -> list[list[str]]:
    """Cartesian product of each piece's splits (blank/NULL pieces are one atomic part)."""
    combos: list[list[str]] = [[]]
    for piece in cells:
        options = [[piece.raw]] if piece.kind != "num" else token_splits(split_unit(piece.raw)[0], budget, n)
        combos = [c + o for c in combos for o in options]
        if len(combos) > MAX_CANDIDATES or budget[0] < 0:
            budget[0] = -1
            return []
    return combos


def row_candidates(
    cells: list[Piece],
    kinds: tuple[str, ...],
    allow_drops: bool = False,
    rule: Callable[[Reading], bool] | None = None,
    leading_first: bool = False,
) -> RowResult:
    """Every consistent reading of `cells` as `len(kinds)` columns (see the module docstring)."""
    n = len(kinds)
    result = RowResult(unit=_unit(cells))
    cells = use_pads(cells, n)
    if cells and len(cells) < n and all(p.kind == "blank" for p in cells):
        cells = cells + [BLANK] * (n - len(cells))  # an all-blank row reads the same whatever its width
    if len(cells) > n:
        trimmed = trim(cells, n, leading_first)
        if trimmed is None:
            result.glued = " ".join(p.raw for p in cells)
            return result
        cells = trimmed
    if len(cells) == n:
        result.candidates = [_direct(cells, kinds)]
        return result
    result.glued = " ".join(p.raw for p in cells)
    budget = [MAX_NODES]
    found: list[Reading] = []
    for parts in _split_all(cells, budget, n):
        found.extend(readings(parts, kinds, allow_drops))
        if len(found) > MAX_CANDIDATES:
            break
    if budget[0] < 0 or len(found) > MAX_CANDIDATES:
        result.bounded = True
        return result
    return _filter(result, list(dict.fromkeys(found)), rule)


def _filter(result: RowResult, found: list[Reading], rule: Callable[[Reading], bool] | None) -> RowResult:
    if rule is not None and found:
        passing = [c for c in found if rule(c)]
        result.rule_failed = not passing
        found = passing or found
    result.candidates = found
    return result


def _unit(cells: list[Piece]) -> str | None:
    for piece in cells:
        if piece.kind == "num":
            unit = split_unit(piece.raw)[1]
            if unit:
                return unit
    return None


def sum_rule(total_index: int) -> Callable[[Reading], bool]:
    """R3.2-style: the cell at `total_index` equals the sum of the cells before it (blank = 0)."""

    def check(reading: Reading) -> bool:
        values = [v or 0 for v, _ in reading]
        return values[total_index] == sum(values[:total_index])

    return check


def blocks_rule(width: int) -> Callable[[Reading], bool]:
    """R4.1 on a flat review/litigation row: each block of `width` cells ends with its total."""

    def check(reading: Reading) -> bool:
        values = [v or 0 for v, _ in reading]
        blocks = [values[i : i + width] for i in range(0, len(values), width)]
        return all(b[-1] == sum(b[:-1]) for b in blocks)

    return check
