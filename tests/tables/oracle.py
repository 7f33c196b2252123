"""A brute-force reference for glued tables (test code): which cells do the rules determine?

Written independently of `pipelines/tables/glued.py` and `solver.py` (no dynamic programme, no
narrowing): each row's readings are found by depth-first search — for a R3.2 row the total is taken
first (it is the run's suffix) and the other cells must add up to it; for the R4.1 review row each
block's total must equal its cells' sum, block by block — and the applications table's joint readings by
plain enumeration of the product of the open rows' numeric readings, checked against R3.1 and R3.3.
A cell is determined when every joint reading gives it the same (value, raw).

Used on rendered tables (`render.py`, layout "glued"), where every row is one run of its printed
cells. The oracle gives up (returns None for a table) only when the product exceeds `MAX_PRODUCT`.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import product

from pipelines.tables.template import APP_COLS, REVIEW_COLS, REVIEW_ROWS, ad_rows, app_rows
from pipelines.tables.values import parse_value

from .render import TableSet

MAX_PRODUCT = 200_000
_VALID = re.compile(r"^[+-]?(0|[1-9][0-9]{0,8})(\.[0-9]{1,12})?$")

Cell = tuple[object, str]  # (value, raw)


@cache
def valid(part: str, kind: str) -> bool:
    if not _VALID.match(part):
        return False
    if part[0] in "+-" and kind != "signed":
        return False
    return "." not in part or kind == "money"


def _cells(run: str, start: int, kinds: list[str], drops: bool):
    """Every way to fill the columns `kinds` from run[start:] (no rule), as lists of (value, raw)."""
    if not kinds:
        if start == len(run):
            yield []
        return
    kind = kinds[0]
    if drops:
        for rest in _cells(run, start, kinds[1:], drops):
            yield [(None, ""), *rest]
    for end in range(start + 1, len(run) + 1):
        part = run[start:end]
        if end < len(run) and run[end] == ".":
            continue
        if valid(part, kind):
            for rest in _cells(run, end, kinds[1:], drops):
                yield [(parse_value(part, kind), part), *rest]


def _members(run: str, stop: int, drops: bool):
    """fill(start, width, target): every way to fill `width` count cells from run[start:stop] with
    numbers adding up to `target` (memoised: the same remainder recurs under many earlier cuts)."""

    @cache
    def fill(start: int, width: int, target: int) -> tuple:
        digits = stop - start
        if digits > width * len(str(target)):
            return ()  # more digits than the cells can hold (none exceeds the target, so none is longer)
        if width and -(-digits // width) > 1 and 10 ** (-(-digits // width) - 1) > target:
            return ()  # some cell gets ⌈digits / width⌉ digits: at least 10^(that - 1), already over the target
        if start == stop:
            return (((None, ""),) * width,) if target == 0 and (drops or width == 0) else ()
        out = []
        if drops:
            out += [((None, ""), *rest) for rest in fill(start, width - 1, target)]
        for end in range(start + 1, stop + 1):
            part = run[start:end]
            if not valid(part, "count"):
                continue
            value = int(part)
            if value > target:
                break  # longer parts only grow
            out += [((value, part), *rest) for rest in fill(end, width - 1, target - value)]
        return tuple(out)

    return fill


def _prefix(run: str, start: int, width: int, drops: bool):
    """Fill `width` count cells from the start of run[start:]: (cells, where they end)."""
    if width == 0:
        yield [], start
        return
    if drops:
        for rest, end in _prefix(run, start, width - 1, drops):
            yield [(None, ""), *rest], end
    for stop in range(start + 1, min(len(run), start + 9) + 1):
        part = run[start:stop]
        if valid(part, "count"):
            for rest, end in _prefix(run, stop, width - 1, drops):
                yield [(int(part), part), *rest], end


def sum_row(run: str, drops: bool) -> list[tuple[Cell, ...]]:
    """Readings of a 7-cell applications row under R3.2 (the 总计 is the run's suffix, or blank)."""
    out = []
    for cut in range(len(run), -1, -1):
        total = run[cut:]
        if total == "":
            if not drops:
                continue
            out += [(*m, (None, "")) for m in _members(run, cut, drops)(0, 6, 0)]
        elif valid(total, "count"):
            out += [(*m, (int(total), total)) for m in _members(run, cut, drops)(0, 6, int(total))]
    return out


def block_cells(run: str, drops: bool, blocks: int = 3) -> list[set[Cell]]:
    """Per cell of the 15-cell review row, the (value, raw) pairs some R4.1 reading gives it.

    Block by block (each block: four cells, then their total): `options(start, b)` lists block b's
    readings from `start` that the later blocks can complete; the cells' pairs are collected over the
    blocks' reachable starts (readings are not listed whole: blanks make them too many)."""

    @cache
    def options(start: int, b: int) -> tuple:
        out = []
        for members, consumed in _prefix(run, start, 4, drops):
            target = sum(v or 0 for v, _ in members)
            totals = [(str(target), target)] if run.startswith(str(target), consumed) else []
            if drops and target == 0:
                totals.append(("", None))
            for raw, value in totals:
                end = consumed + len(raw)
                if (end == len(run)) if b == blocks - 1 else bool(options(end, b + 1)):
                    out.append(((*members, (value, raw)), end))
        return tuple(out)

    cells: list[set[Cell]] = [set() for _ in range(5 * blocks)]
    starts = {0}
    for b in range(blocks):
        ends = set()
        for start in starts:
            for block, end in options(start, b):
                for i, cell in enumerate(block):
                    cells[5 * b + i].add(cell)
                ends.add(end)
        starts = ends
    return cells


def plain_row(run: str, kinds: list[str], drops: bool) -> list[tuple[Cell, ...]]:
    if len(kinds) == 1 and run:
        return [((parse_value(run, kinds[0]), run),)]  # one cell: the whole run, as printed
    return [tuple(r) for r in _cells(run, 0, kinds, drops)]


def _unit_stripped(run: str) -> str:
    for unit in ("万元", "元"):
        if run.endswith(unit):
            return run[: -len(unit)]
    return run


def _run(cells: dict[str, str], cols) -> str:
    return _unit_stripped("".join(cells[c] for c in cols))


def _vector(reading: tuple[Cell, ...]) -> tuple:
    return tuple(v or 0 for v, _ in reading)


def _settle(readings: list[tuple[Cell, ...]], width: int) -> list[set[Cell]]:
    return [{r[c] for r in readings} for c in range(width)]


def determined(ts: TableSet, drops: bool) -> dict[tuple[str, str, str], set[Cell]] | None:
    """Per canonical cell, the (value, raw) pairs the rules leave possible; None if the oracle gave up."""
    out: dict[tuple[str, str, str], set[Cell]] = {}
    for spec in ad_rows(ts.version):
        readings = plain_row(_run(ts.active[spec.key], spec.cols), list(spec.kinds), drops)
        for col, values in zip(spec.cols, _settle(readings, len(spec.cols)), strict=True):
            out[("active_disclosure", spec.key, col)] = values
    review = block_cells("".join(ts.review[r][c] for r in REVIEW_ROWS for c in REVIEW_COLS), drops)
    assert all(review), "a rendered review row always has its printed reading"
    for i, values in enumerate(review):
        out[("review_litigation", REVIEW_ROWS[i // 5], REVIEW_COLS[i % 5])] = values
    applications = _applications(ts, drops)
    if applications is None:
        return None
    out.update(applications)
    return out


def _with_fallback(readings: list, fallback) -> list:
    """No reading satisfies the row rule: the extractor keeps every reading (and says the rule failed)."""
    return readings or fallback()


def _applications(ts: TableSet, drops: bool) -> dict | None:
    specs = app_rows(ts.collapsed)
    rows = {}
    for spec in specs:
        run = _run(ts.applications[spec.key], APP_COLS)
        rows[spec.key] = _with_fallback(sum_row(run, drops), lambda run=run: plain_row(run, ["count"] * 7, drops))
    remaining = _joint(rows, [s.key for s in specs])
    if remaining is None:
        return None
    return {
        ("applications", key, col): values
        for key, readings in remaining.items()
        for col, values in zip(APP_COLS, _settle(readings, 7), strict=True)
    }


_R31 = (("new_received", "carried_over"), ("results_total", "carried_forward"))


def _equations(keys: list[str], unknown: set[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """R3.1 and R3.3 as (left rows, right rows), without those touching a row that has no reading."""
    results = tuple(k for k in keys if k not in (*_R31[0], *_R31[1]))
    eqs = [_R31, (("results_total",), results)]
    return [(left, right) for left, right in eqs if not unknown & {*left, *right}]


def _equations_hold(vectors: dict[str, tuple], eqs, open_keys: list[str]) -> bool:
    """Every equation through an open row holds (one among settled rows only decides nothing: if the
    published numbers break it, the checks report it; the extractor ignores it when choosing readings)."""
    return all(
        sum(vectors[k][c] for k in left) == sum(vectors[k][c] for k in right)
        for left, right in eqs
        if set(open_keys) & {*left, *right}
        for c in range(7)
    )


def _joint(rows: dict[str, list], keys: list[str]) -> dict[str, list] | None:
    # a row with no reading is unknown: the equations through it cannot be used (the extractor drops them too)
    eqs = _equations(keys, {k for k in keys if not rows[k]})
    involved = {k for left, right in eqs for k in (*left, *right)}
    classes = {k: sorted({_vector(r) for r in rows[k]}) for k in involved}
    open_keys = [k for k in keys if k in involved and len(classes[k]) > 1]
    size = 1
    for k in open_keys:
        size *= len(classes[k])
    if size > MAX_PRODUCT:
        return None
    fixed = {k: classes[k][0] for k in involved if k not in open_keys}
    kept: dict[str, set] = {k: set() for k in open_keys}
    for combo in product(*(classes[k] for k in open_keys)):
        vectors = {**fixed, **dict(zip(open_keys, combo, strict=True))}
        if _equations_hold(vectors, eqs, open_keys):
            for k, vector in zip(open_keys, combo, strict=True):
                kept[k].add(vector)
    if open_keys and not any(kept.values()):
        return rows  # no joint reading: every row keeps its own readings
    return {k: [r for r in rows[k] if k not in kept or _vector(r) in kept[k]] for k in keys}
