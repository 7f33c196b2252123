"""Row readings: every way the printed cells of one row can be read as the template's columns.

A row arrives as pieces (numbers, blanks, NULL markers). When there are exactly as many pieces as
columns, each piece is one cell. When there are fewer, some pieces are glued digit runs
('27100028'): a reading cuts them into numbers (no leading zeros, a sign only at the start of a
signed cell, a decimal point only inside a money cell, at most `MAX_PART_DIGITS` integer digits)
and, when the layout drops blank cells (`allow_drops`), places the numbers among the columns with
blank cells between them. A row rule (R3.2 / R4.1) keeps only the readings it admits.

The readings are never enumerated to find them. `read_row` runs a dynamic programme over
(column, position in the printed text, partial sum of the rule group the column belongs to): a
backward pass computes, for every column and position, the partial sums from which the rest of the
row can still be completed (a group's total pins its sum, so these sets stay small); a forward pass
then counts the readings and collects, per column, every (value, raw) some reading gives it. The
cost grows with run length × columns × the few sums that can still close a group, not with the
number of readings: a 60-digit run is as cheap as a 10-digit one. The readings themselves are
listed only when there are at most `MAX_CANDIDATES` (else a few examples); the count and the
per-column values are exact either way. `MAX_STATES` caps the sums tracked per row (an adversarial run could still grow them):
beyond it the row is reported as unresolved (every cell NULL, failed `split` check) — never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from pipelines.tables.flatten import BLANK, Piece
from pipelines.tables.values import parse_value, split_unit

MAX_PART_DIGITS = 9  # what a number can be: no count or amount in these tables has ten integer digits
MAX_DECIMALS = 12
MAX_CANDIDATES = 512  # readings listed one by one; beyond, their count, per-column values and a few examples
SAMPLES = 6  # readings listed as examples when there are too many to list
MAX_STATES = 50_000  # (position, partial sum) states per row: a safety cap, far above any real row
_PART = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?$")
_PART_LEN = MAX_PART_DIGITS + MAX_DECIMALS + 2  # sign and decimal point

Reading = tuple[tuple[int | float | None, str], ...]  # per column: (value, raw)
Label = tuple[int | float | None, str]

NONE, MEMBER, TOTAL = 0, 1, 2  # a column's role in the row rule


@dataclass(frozen=True)
class RowRule:
    """A row rule as groups of cells that sum to the group's last cell (blank counts as 0).

    `total_index`: R3.2, the cells before it sum to it. `block_width`: R4.1 on the flat review row,
    every block of that many cells ends with its total."""

    total_index: int | None = None
    block_width: int | None = None

    def roles(self, n: int) -> tuple[int, ...]:
        if self.total_index is not None:
            t = self.total_index
            return tuple(MEMBER if c < t else TOTAL if c == t else NONE for c in range(n))
        w = self.block_width or 0
        if not w or n % w:
            return (NONE,) * n
        return tuple(TOTAL if c % w == w - 1 else MEMBER for c in range(n))

    def __call__(self, reading: Reading) -> bool:
        total = 0
        for role, (value, _) in zip(self.roles(len(reading)), reading, strict=True):
            if role == MEMBER:
                total += value or 0
            elif role == TOTAL:
                if (value or 0) != total:
                    return False
                total = 0
        return True


def sum_rule(total_index: int) -> RowRule:
    """R3.2-style: the cell at `total_index` equals the sum of the cells before it (blank = 0)."""
    return RowRule(total_index=total_index)


def blocks_rule(width: int) -> RowRule:
    """R4.1 on a flat review/litigation row: each block of `width` cells ends with its total."""
    return RowRule(block_width=width)


@dataclass(frozen=True)
class RowProblem:
    """What a row's readings depend on (kept so the cross-row solver can re-read it under narrowed values)."""

    cells: tuple[Piece, ...]
    kinds: tuple[str, ...]
    drops: bool
    rule: RowRule | None


@dataclass
class RowResult:
    """The readings of one row. `glued` is the printed text when some split was needed.

    `count` readings in all; `columns[c]` holds every (value, raw) some reading gives column c;
    `candidates` lists the readings themselves when there are at most MAX_CANDIDATES (else a few examples)."""

    candidates: list[Reading] = field(default_factory=list)
    glued: str = ""
    bounded: bool = False  # the state cap was hit: the row is unresolved
    rule_failed: bool = False  # no reading satisfies the row rule (kept all of them)
    unit: str | None = None
    count: int = 0
    columns: list[frozenset[Label]] = field(default_factory=list)
    problem: RowProblem | None = None

    @property
    def listed(self) -> bool:
        return len(self.candidates) == self.count


def part_ok(part: str, kind: str) -> bool:
    if not _PART.match(part):
        return False
    whole, _, decimals = part.lstrip("+-").partition(".")
    if len(whole) > MAX_PART_DIGITS or len(decimals) > MAX_DECIMALS:
        return False
    if part[0] in "+-" and kind != "signed":
        return False
    return not decimals or kind == "money"


def use_pads(cells: list[Piece], n: int) -> list[Piece]:
    """Trailing `pad` pieces become blank cells only as far as they complete a short row."""
    core = [p for p in cells if p.kind != "pad"]
    pads = len(cells) - len(core)
    if pads and len(core) < n <= len(core) + pads:
        return core + [BLANK] * (n - len(core))
    return core


def trims(cells: list[Piece], n: int) -> list[list[Piece]]:
    """Every way to drop surplus blank cells at the row's ends (flattener padding), most leading first."""
    excess = len(cells) - n
    out = []
    for lead in range(excess, -1, -1):
        kept = cells[lead : len(cells) - (excess - lead)]
        dropped = cells[:lead] + cells[len(cells) - (excess - lead) :]
        if all(p.kind == "blank" for p in dropped):
            out.append(kept)
    return out


def _direct(cells: list[Piece], kinds: tuple[str, ...]) -> Reading:
    out = []
    for piece, kind in zip(cells, kinds, strict=True):
        raw = piece.raw
        out.append((parse_value(raw, kind) if piece.kind == "num" else None, raw))
    return tuple(out)


def row_candidates(
    cells: list[Piece],
    kinds: tuple[str, ...],
    allow_drops: bool = False,
    rule: RowRule | Callable[[Reading], bool] | None = None,
    leading_first: bool = False,
) -> RowResult:
    """Every consistent reading of `cells` as `len(kinds)` columns (see the module docstring)."""
    n = len(kinds)
    result = RowResult(unit=_unit(cells))
    cells = use_pads(cells, n)
    if cells and len(cells) < n and all(p.kind == "blank" for p in cells):
        cells = cells + [BLANK] * (n - len(cells))  # an all-blank row reads the same whatever its width
    if len(cells) > n:
        return _trimmed(result, cells, kinds, rule, leading_first)
    if len(cells) == n:
        return _listed(result, [_direct(cells, kinds)])
    result.glued = " ".join(p.raw for p in cells)
    row_rule = rule if isinstance(rule, RowRule) else None
    problem = RowProblem(tuple(cells), kinds, allow_drops, row_rule)
    read = _read_cached(problem)
    if read.count == 0 and row_rule is not None and not read.bounded:
        problem = RowProblem(tuple(cells), kinds, allow_drops, None)  # no reading obeys the rule: keep them all
        read = _read_cached(problem)
        result.rule_failed = read.count > 0
    result.candidates, result.count, result.columns = list(read.readings), read.count, list(read.columns)
    result.bounded, result.problem = read.bounded, problem
    return result


@lru_cache(maxsize=2048)
def _read_cached(problem: RowProblem) -> Read:
    """Rows repeat within and across reports («0000000» in every glued table): each is read once.
    (Callers copy the lists; the readings and columns themselves are immutable tuples and frozensets.)"""
    return read_row(problem)


def _listed(result: RowResult, found: list[Reading]) -> RowResult:
    result.candidates, result.count = found, len(found)
    result.columns = columns_of(found, len(found[0]) if found else 0)
    return result


def columns_of(readings: list[Reading], width: int) -> list[frozenset[Label]]:
    return [frozenset(reading[c] for reading in readings) for c in range(width)]


def _trimmed(result: RowResult, cells: list[Piece], kinds, rule, header_padding: bool) -> RowResult:
    """More cells than columns: the surplus blanks are padding, at either end. Where the padding sits
    is a reading like any other (rules decide); after a header (`header_padding`, the review row) the
    leading blanks are the header row's padding."""
    options = trims(cells, len(kinds))
    if header_padding:
        options = options[:1]
    if len(options) != 1:
        result.glued = " ".join(p.raw or "_" for p in cells)
    found = list(dict.fromkeys(_direct(o, kinds) for o in options))
    if rule is not None and found:
        passing = [c for c in found if rule(c)]
        result.rule_failed = not passing
        found = passing or found
    return _listed(result, found)


def _unit(cells: list[Piece]) -> str | None:
    for piece in cells:
        if piece.kind == "num":
            unit = split_unit(piece.raw)[1]
            if unit:
                return unit
    return None


# ---- the dynamic programme ----


@dataclass
class Read:
    """What `read_row` found: the readings (all up to MAX_CANDIDATES, else a few), their count and per-column values."""

    readings: list[Reading]
    count: int
    columns: list[frozenset[Label]]
    bounded: bool = False


Edge = tuple[int, bool, int | float | None, str]  # (next position, ends on a dropped cell, value, raw)


class _Stream:
    """The row's pieces as one position-indexed stream: digits of number pieces, one slot per other piece."""

    def __init__(self, cells: tuple[Piece, ...]) -> None:
        text: list[str] = []
        self.seg_end: list[int] = []
        self.atoms: dict[int, str] = {}
        for piece in cells:
            if piece.kind == "num":
                digits = split_unit(piece.raw)[0]
                start = len(text)
                text.extend(digits)
                self.seg_end.extend([start + len(digits)] * len(digits))
            else:
                self.atoms[len(text)] = piece.raw
                text.append("\0")
                self.seg_end.append(len(text))
        self.text = "".join(text)
        self.size = len(text)
        self._parts: dict[tuple[int, str], list[Edge]] = {}

    def parts(self, p: int, kind: str) -> list[Edge]:
        """Numbers (or the blank/NULL piece) that can fill one cell of `kind` starting at position p."""
        key = (p, kind)
        if key not in self._parts:
            self._parts[key] = self._scan(p, kind)
        return self._parts[key]

    def _scan(self, p: int, kind: str) -> list[Edge]:
        if p >= self.size:
            return []
        if p in self.atoms:
            return [(p + 1, False, None, self.atoms[p])]
        out: list[Edge] = []
        end = self.seg_end[p]
        text = self.text
        if (
            text[p:end].isascii() and text[p:end].isdigit()
        ):  # most runs: only digits, so a part is valid by its length and first digit
            stop = p + 1 if text[p] == "0" else min(end, p + MAX_PART_DIGITS)
            value = float if kind == "money" else int
            return [(q, False, value(text[p:q]), text[p:q]) for q in range(p + 1, stop + 1)]
        for q in range(p + 1, min(end, p + _PART_LEN) + 1):
            if q < end and text[q] == ".":
                continue  # a cut never separates a number from its decimals
            part = text[p:q]
            if part_ok(part, kind):
                out.append((q, False, parse_value(part, kind), part))
        return out


def read_row(problem: RowProblem, allowed: list[frozenset | None] | None = None) -> Read:
    """The readings of a glued row (module docstring). `allowed[c]`, when given, restricts column c
    to those numeric values (blank counted as 0): the cross-row solver's narrowing."""
    stream = _Stream(problem.cells)
    n = len(problem.kinds)
    roles = problem.rule.roles(n) if problem.rule else (NONE,) * n
    if not problem.drops and stream.size == n and allowed is None:
        return _one_per_cell(stream, problem.kinds, roles)
    cache: dict[tuple, list[Edge]] = {}
    kinds = problem.kinds

    def edges(c: int, p: int, dropped: bool) -> list[Edge]:
        # the same for every column of a kind, unless the solver narrowed that column's values
        key = (kinds[c], p, dropped) if allowed is None or allowed[c] is None else (c, p, dropped)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _edges(c, p, dropped)
        return found

    # «dropped» is tracked only to list «blank piece, dropped cell» once: without blank pieces it stays False
    blank_pieces = any(raw == "" for raw in stream.atoms.values())

    def _edges(c: int, p: int, dropped: bool) -> list[Edge]:
        out = []
        if problem.drops:
            out.append((p, blank_pieces, None, ""))
        for q, _, value, raw in stream.parts(p, problem.kinds[c]):
            if not (dropped and raw == "" and p in stream.atoms):  # «blank piece, dropped cell» is listed once
                out.append((q, False, value, raw))
        if allowed is not None and allowed[c] is not None:
            out = [e for e in out if (e[2] or 0) in allowed[c]]
        return out

    reach = _reachable(n, stream.size, edges)
    if reach is None:
        return Read([], 0, [frozenset()] * n)
    ahead = _partial_sums(n, roles, edges, reach) if problem.rule else None
    back = _closing_sums(n, stream.size, roles, edges, reach, ahead)
    if back is None:
        return Read([], 0, [frozenset()] * n, bounded=True)
    return _forward(n, roles, edges, back)


def _one_per_cell(stream: _Stream, kinds: tuple[str, ...], roles) -> Read:
    """As many characters as cells and no dropped blanks (zero rows, «100010000010001»): each character is
    one cell, or there is no reading at all (a sign or point alone is no number)."""
    cells: list[Label] = []
    s = 0
    for p, kind in enumerate(kinds):
        part = next(((value, raw) for q, _, value, raw in stream.parts(p, kind) if q == p + 1), None)
        s2 = _step(roles[p], s, part[0]) if part is not None else None
        if s2 is None:
            return Read([], 0, [frozenset()] * len(kinds))
        cells.append(part)  # type: ignore[arg-type]
        s = s2
    return Read([tuple(cells)], 1, [frozenset({cell}) for cell in cells])


def _reachable(n: int, size: int, edges) -> list[set[tuple[int, bool]]] | None:
    """Per column, the positions on some way through the row ignoring the rule (reached from the start
    and reaching the end); the sums are tracked only there. None: no way at all."""
    layers = [{(0, False)}]
    for c in range(n):
        layers.append({(q, d) for p, dropped in layers[c] for q, d, _, _ in edges(c, p, dropped)})
    layers[n] = {node for node in layers[n] if node[0] == size}
    for c in range(n - 1, -1, -1):
        later = layers[c + 1]
        layers[c] = {node for node in layers[c] if any((q, d) in later for q, d, _, _ in edges(c, *node))}
    return layers if layers[0] else None


def _step(role: int, s: int, value) -> int | None:
    """The partial sum after a cell (None: the cell breaks the rule)."""
    if role == MEMBER:
        return s + (value or 0)
    if role == TOTAL:
        return 0 if (value or 0) == s else None
    return s


def _partial_sums(n: int, roles, edges, reach) -> list[dict[tuple[int, bool], frozenset | None]]:
    """ahead[c][(p, dropped)]: the partial sums the cells before column c can reach at position p, or
    None when unknown. Filtering the backward sets by these keeps both sides small: the sums of the
    first half of a group's cells meet the sums the second half and its total still need (each side
    ~9^(cells/2) values). So they are computed only over the first half of each group's cells (beyond,
    the backward pass, anchored on the group's total, is the smaller side), and given up past `_AHEAD`."""
    ahead: list[dict[tuple[int, bool], frozenset | None]] = [{(0, False): frozenset({0})}]
    zero = frozenset({0})
    useful = _first_halves(roles)
    for c in range(n):
        role, later = roles[c], reach[c + 1]
        if role == MEMBER and not useful[c + 1]:
            ahead.append(dict.fromkeys(later))  # not needed here: unknown
            continue
        nxt: dict[tuple[int, bool], set | None] = {}
        for node, sums in ahead[c].items():
            for q, d, value, _ in edges(c, *node):
                key = (q, d)
                if key not in later or (key in nxt and nxt[key] is None):
                    continue
                if role == TOTAL:
                    after: frozenset | set | None = zero
                elif sums is None:
                    after = None
                elif role == MEMBER and value:
                    after = {s + value for s in sums}
                else:
                    after = sums
                current = nxt.get(key)
                if after is None or (current is not None and len(current) + len(after) > _AHEAD and
                                     len(current | after) > _AHEAD):  # fmt: skip
                    nxt[key] = None
                elif current is None:
                    nxt[key] = set(after)
                else:
                    current |= after
        ahead.append({k: None if v is None else frozenset(v) for k, v in nxt.items()})
    return ahead


def _first_halves(roles) -> list[bool]:
    """Per column boundary: does it fall within the first half (rounded up) of its group's cells?"""
    out = [True] * (len(roles) + 1)
    start = 0
    for c, role in enumerate(roles):
        if role == TOTAL:
            members = c - start
            for i in range(start, c + 1):
                out[i + 1] = i + 1 - start <= (members + 1) // 2 or i == c
            start = c + 1
        elif role == NONE:
            start = c + 1
    return out


_AHEAD = 96  # 9 × 9 cuts of two cells, and some: the third cell on is cheaper from the total side


def _closing_sums(n: int, size: int, roles, edges, reach, ahead) -> list[dict] | None:
    """back[c][(p, dropped)]: the partial sums at column c, position p, that the cells before can reach
    (when known) and from which the row can be completed."""
    back: list[dict[tuple[int, bool], frozenset]] = [{} for _ in range(n + 1)]
    back[n] = {node: frozenset({0}) for node in reach[n] if node[0] == size}
    states = 0
    for c in range(n - 1, -1, -1):
        role, later = roles[c], back[c + 1]
        for node in reach[c]:
            known = ahead[c].get(node, frozenset()) if ahead is not None else None
            sums: set = set()
            for q, d, value, _ in edges(c, *node):
                after = later.get((q, d))
                if not after:
                    continue
                if role == MEMBER:
                    v = value or 0
                    if known is None:
                        sums.update(r - v for r in after if r >= v)
                    else:
                        sums.update(r - v for r in after if r - v in known)
                elif role == TOTAL:
                    if 0 in after:
                        sums.add(value or 0)
                else:
                    sums |= after
            if known is not None:
                sums &= known
            if sums:
                back[c][node] = frozenset(sums)
                states += len(sums)
        if states > MAX_STATES:
            return None
    return back


def _forward(n: int, roles, edges, back) -> Read:
    """Count the readings, collect each column's values, and list the readings when few enough."""
    layers: list[dict[tuple[int, bool, int], int]] = [defaultdict(int) for _ in range(n + 1)]
    if 0 in back[0].get((0, False), ()):
        layers[0][(0, False, 0)] = 1
    columns: list[set[Label]] = [set() for _ in range(n)]
    for c in range(n):
        role, later, nxt = roles[c], back[c + 1], layers[c + 1]
        for (p, dropped, s), count in layers[c].items():
            for q, d, value, raw in edges(c, p, dropped):
                s2 = _step(role, s, value)
                if s2 is not None and s2 in later.get((q, d), ()):
                    nxt[(q, d, s2)] += count
                    columns[c].add((value, raw))
    total = sum(layers[n].values())
    readings = _list(n, roles, edges, layers, MAX_CANDIDATES if total <= MAX_CANDIDATES else SAMPLES)
    return Read(readings, total, [frozenset(col) for col in columns])


def _list(n: int, roles, edges, layers, limit: int) -> list[Reading]:
    """The first `limit` readings, by walking the counted states (each step leads to a completable state)."""
    out: list[Reading] = []

    def walk(c: int, p: int, dropped: bool, s: int, cells: list[Label]) -> None:
        if c == n:
            out.append(tuple(cells))
            return
        for q, d, value, raw in edges(c, p, dropped):
            if len(out) >= limit:
                return
            s2 = _step(roles[c], s, value)
            if s2 is not None and (q, d, s2) in layers[c + 1]:
                cells.append((value, raw))
                walk(c + 1, q, d, s2, cells)
                cells.pop()

    walk(0, 0, False, 0, [])
    return out
