"""Cross-row solving: keep the row readings that the column rules (R3.1, R3.3) admit together.

Only equations whose rows were all read take part (a row that could not be read is unknown, not 0).
Two exact steps, both sound (a reading is dropped only when no solution of the rules contains it):

1. Narrowing by cell values: for every equation, a cell keeps only the values that some choice of
   the other cells' values completes (sums of prefix and suffix value sets). A row whose cells lost
   values keeps only the readings that use the remaining ones — re-read by `glued.read_row` when it
   has too many readings to list. Repeated until nothing changes.
2. Joint search over the rows still open (listed, with readings that differ in their numbers — a
   row whose readings differ only in where a blank sits is a constant to the equations): a dynamic
   programme over the rows, the state being the residual of every equation (packed in one integer),
   memoised per row. A forward pass counts the joint readings, a backward pass marks the readings
   that belong to at least one. Its work is capped (`MAX_JOINT_WORK`): beyond it the rows keep what
   step 1 left them (status `bounded`: more NULLs, never a guess).

If the rules admit no joint reading (published numbers do break them), every row keeps its own
readings (status `inconsistent`). A cell gets a value only where all remaining readings agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product

from pipelines.tables.glued import MAX_CANDIDATES, Label, Reading, RowResult, columns_of, read_row

MAX_SUMS = 4096  # distinct partial sums per equation while narrowing (beyond, that equation is skipped)
MAX_JOINT_WORK = 60_000  # (state, reading) steps of the joint search
MAX_STORED = 64  # joint readings listed for storage (cross-year evidence chooses among them)
_ROUNDS = 12
_SHIFT, _BIAS = 48, 1 << 46  # residuals packed in 48-bit slots around a bias (|residual| < 2^46)
_MASK = (1 << _SHIFT) - 1

# An equation: (left terms, right terms); a term is (row_key, column_index).
Equation = tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]


@dataclass
class RowSolution:
    """A row after solving: its remaining readings (listed when few), per-column values, count, status."""

    readings: list[Reading]
    columns: list[frozenset[Label]]
    count: int
    status: str  # "unique" | "ambiguous" | "inconsistent" | "bounded"

    @property
    def listed(self) -> bool:
        return len(self.readings) == self.count


@dataclass
class Solved:
    rows: dict[str, RowSolution]
    # the joint readings of the rows solved together (row → reading), when at most MAX_STORED
    joint: list[dict[str, Reading]] | None = None
    joint_count: int | None = None
    joint_rows: list[str] = field(default_factory=list)

    @property
    def options(self) -> dict[str, list[Reading]]:
        return {k: r.readings for k, r in self.rows.items()}

    @property
    def status(self) -> dict[str, str]:
        return {k: r.status for k, r in self.rows.items()}


def _own(row: RowResult) -> RowSolution:
    if row.bounded:
        status = "bounded"
    elif row.count == 0:
        status = "inconsistent"
    else:
        status = "unique" if row.count == 1 else "ambiguous"
    return RowSolution(list(row.candidates), list(row.columns), row.count, status)


def solve(rows: dict[str, RowResult], equations: list[Equation]) -> Solved:
    own = {k: _own(r) for k, r in rows.items()}
    known = {k for k, s in own.items() if s.count > 0 and s.status != "bounded"}
    eqs = [_terms(eq) for eq in equations]
    eqs = [terms for terms in eqs if terms and all(k in known for k, _, _ in terms)]
    involved = list(dict.fromkeys(k for terms in eqs for k, _, _ in terms))
    if not any(own[k].count > 1 for k in involved):
        return Solved(own)
    work = dict(own)
    if not _narrow(rows, work, eqs):
        return _inconsistent(own, involved)
    open_rows = [k for k in involved if work[k].listed and len(_classes(work[k].readings)) > 1]
    for k in involved:
        if not work[k].listed:
            work[k].status = "bounded"  # too many readings to solve jointly: narrowed by cell values only
    if not open_rows:
        return _finish(work, involved)
    joint = _joint(open_rows, work, [t for t in eqs if all(work[k].listed for k, _, _ in t)])
    if joint == "inconsistent":
        return _inconsistent(own, involved)
    if joint is None:
        for k in open_rows:
            work[k].status = "bounded"
        return _finish(work, involved)
    search, supported = joint
    open_rows = search.rows
    for k, keep in zip(open_rows, supported, strict=True):
        kept = [r for r in work[k].readings if _vector(r) in keep]
        work[k] = RowSolution(kept, columns_of(kept, len(kept[0])), len(kept), "")
    solved = _finish(work, involved)
    solved.joint_rows = open_rows
    solved.joint_count = search.count()
    if solved.joint_count <= MAX_STORED:
        solved.joint = search.listing({k: work[k].readings for k in open_rows})
    return solved


def _terms(eq: Equation) -> list[tuple[str, int, int]]:
    return [(k, c, 1) for k, c in eq[0]] + [(k, c, -1) for k, c in eq[1]]


def _finish(work: dict[str, RowSolution], involved: list[str]) -> Solved:
    for k in involved:
        if work[k].status != "bounded":
            work[k].status = "unique" if work[k].count == 1 else "ambiguous"
    return Solved(work)


def _inconsistent(own: dict[str, RowSolution], involved: list[str]) -> Solved:
    for k in involved:
        if own[k].count > 1:
            own[k].status = "inconsistent"
    return Solved(own)


# ---- step 1: narrowing by cell values ----


def _domain(row: RowSolution, col: int) -> frozenset:
    return frozenset((value or 0) for value, _ in row.columns[col])


def _narrow(rows: dict[str, RowResult], work: dict[str, RowSolution], eqs) -> bool:
    """Narrow every row to the readings whose numbers each equation can complete; False if one runs out."""
    for _ in range(_ROUNDS):
        limits: dict[str, dict[int, frozenset]] = defaultdict(dict)
        for terms in eqs:
            domains = [_domain(work[k], c) for k, c, _ in terms]
            if all(len(d) == 1 for d in domains):
                continue  # nothing to narrow (a broken equation among settled numbers is the checks' business)
            allowed = _support(domains, [sign for _, _, sign in terms])
            if allowed is None:
                continue
            for (k, c, _), before, after in zip(terms, domains, allowed, strict=True):
                if len(after) < len(before):
                    limits[k][c] = limits[k].get(c, after) & after
        if not limits:
            return True
        for k, cols in limits.items():
            work[k] = _restrict(rows[k], work[k], cols)
            if work[k].count == 0:
                return False
    return True


def _support(domains: list[frozenset], signs: list[int]) -> list[frozenset] | None:
    """Per term, the values that some choice of the other terms' values completes to a zero sum."""
    prefix = [frozenset({0})]
    for dom, sign in zip(domains, signs, strict=True):
        prefix.append(frozenset(a + sign * v for a in prefix[-1] for v in dom))
        if len(prefix[-1]) > MAX_SUMS:
            return None
    suffix = [frozenset({0})]
    for dom, sign in zip(reversed(domains), reversed(signs), strict=True):
        suffix.append(frozenset(a + sign * v for a in suffix[-1] for v in dom))
        if len(suffix[-1]) > MAX_SUMS:
            return None
    suffix.reverse()
    out = []
    for i, (dom, sign) in enumerate(zip(domains, signs, strict=True)):
        before, after = prefix[i], suffix[i + 1]
        out.append(frozenset(v for v in dom if any(-(a + sign * v) in after for a in before)))
    return out


def _restrict(row: RowResult, sol: RowSolution, cols: dict[int, frozenset]) -> RowSolution:
    if sol.listed:
        kept = [r for r in sol.readings if all((r[c][0] or 0) in allowed for c, allowed in cols.items())]
        return RowSolution(kept, columns_of(kept, len(sol.columns)), len(kept), sol.status)
    assert row.problem is not None  # only glued rows can have too many readings to list
    allowed: list[frozenset | None] = [None] * len(sol.columns)
    for c, values in cols.items():
        allowed[c] = values
    for c, column in enumerate(sol.columns):  # keep what earlier rounds removed removed
        current = frozenset((v or 0) for v, _ in column)
        allowed[c] = current if allowed[c] is None else allowed[c] & current
    read = read_row(row.problem, allowed)
    return RowSolution(read.readings, read.columns, read.count, "bounded" if read.bounded else sol.status)


# ---- step 2: the joint search ----


def _vector(reading: Reading) -> tuple:
    """What the equations see of a reading: its numbers, blank counted as 0."""
    return tuple((value or 0) for value, _ in reading)


def _classes(readings: list[Reading]) -> dict[tuple, list[Reading]]:
    out: dict[tuple, list[Reading]] = defaultdict(list)
    for reading in readings:
        out[_vector(reading)].append(reading)
    return out


@dataclass
class _Search:
    """The joint search's memo: per open row, the alive residual states and each class's packed step."""

    rows: list[str]
    steps: list[list[tuple[tuple, int, int]]]  # per row: (class vector, packed contribution, multiplicity)
    layers: list[dict[int, int]]  # per row boundary: state → number of partial joint readings
    alive: list[set[int]]

    def count(self) -> int:
        return sum(self.layers[-1].values())

    def listing(self, readings: dict[str, list[Reading]]) -> list[dict[str, Reading]]:
        """Every joint reading (call only when count() is small)."""
        out: list[dict[str, Reading]] = []
        by_class = [_classes(readings[k]) for k in self.rows]

        def walk(t: int, state: int, path: list[tuple]) -> None:
            if t == len(self.rows):
                for combo in product(*(by_class[i][vector] for i, vector in enumerate(path))):
                    out.append(dict(zip(self.rows, combo, strict=True)))
                return
            for vector, step, _ in self.steps[t]:
                if state + step in self.alive[t + 1]:
                    walk(t + 1, state + step, [*path, vector])

        walk(0, next(iter(self.alive[0])), [])
        return out


def _joint(open_rows: list[str], work: dict[str, RowSolution], eqs):
    """(search, supported class vectors per open row), "inconsistent", or None when over the work cap."""
    eqs = [t for t in eqs if any(k in open_rows for k, _, _ in t)]
    # Rows in most equations first (results_total): the equations' targets are then known early and
    # the residual bounds below prune partial readings that could no longer reach them.
    open_rows = sorted(open_rows, key=lambda k: -sum(any(r == k for r, _, _ in t) for t in eqs))
    index = {k: i for i, k in enumerate(open_rows)}
    start = 0
    for e, terms in enumerate(eqs):
        const = sum(sign * _vector(work[k].readings[0])[c] for k, c, sign in terms if k not in index)
        start += (const + _BIAS) << (e * _SHIFT)
    steps = []
    for k in open_rows:
        row_steps = []
        for vector, members in _classes(work[k].readings).items():
            parts = [sum(sign * vector[c] for r, c, sign in terms if r == k) for terms in eqs]
            row_steps.append((vector, sum(v << (e * _SHIFT) for e, v in enumerate(parts)), len(members), parts))
        steps.append(row_steps)
    checks = _bounds(open_rows, eqs, steps)
    layers = _forward(start, [[(v, st, m) for v, st, m, _ in row] for row in steps], checks)
    if layers is None:
        return None
    if not layers[-1]:
        return "inconsistent"
    search = _Search(open_rows, [[(v, st, m) for v, st, m, _ in row] for row in steps], layers, [set() for _ in layers])
    return search, _backward(search)


def _bounds(open_rows: list[str], eqs, steps) -> list[list[tuple[int, int, int]]]:
    """Per open row: (slot offset, lo, hi) of each equation it touches, where [lo, hi] bounds what the
    rows after it can still add to that equation: a residual r is completable only if r + lo ≤ 0 ≤ r + hi."""
    n = len(open_rows)
    lo = [[0] * len(eqs) for _ in range(n + 1)]
    hi = [[0] * len(eqs) for _ in range(n + 1)]
    for t in range(n - 1, -1, -1):
        for e in range(len(eqs)):
            values = [parts[e] for _, _, _, parts in steps[t]]
            lo[t][e], hi[t][e] = lo[t + 1][e] + min(values), hi[t + 1][e] + max(values)
    touched = [[e for e, terms in enumerate(eqs) if any(r == k for r, _, _ in terms)] for k in open_rows]
    return [[(e * _SHIFT, lo[t + 1][e], hi[t + 1][e]) for e in touched[t]] for t in range(n)]


def _forward(start: int, steps, checks) -> list[dict[int, int]] | None:
    layers = [{start: 1}]
    work = 0
    for row_steps, row_checks in zip(steps, checks, strict=True):
        work += len(layers[-1]) * len(row_steps)
        if work > MAX_JOINT_WORK:
            return None
        nxt: dict[int, int] = defaultdict(int)
        for state, count in layers[-1].items():
            for _, step, members in row_steps:
                after = state + step
                for shift, low, high in row_checks:
                    residual = ((after >> shift) & _MASK) - _BIAS
                    if residual + low > 0 or residual + high < 0:
                        break
                else:
                    nxt[after] += count * members
        layers.append(nxt)
        if not nxt:
            break
    return layers


def _backward(search: _Search) -> list[set[tuple]]:
    search.alive[-1] = set(search.layers[-1])
    supported: list[set[tuple]] = [set() for _ in search.rows]
    for t in range(len(search.rows) - 1, -1, -1):
        later = search.alive[t + 1]
        for state in search.layers[t]:
            for vector, step, _ in search.steps[t]:
                if state + step in later:
                    search.alive[t].add(state)
                    supported[t].add(vector)
    return supported


def agree(options: list[Reading], width: int) -> list[tuple[int | float | None, str, bool]]:
    """Per column: (value, raw, settled). Unsettled columns differ between the remaining readings."""
    return settle(columns_of(options, width) if options else [frozenset()] * width)


def settle(columns: list[frozenset[Label]]) -> list[tuple[int | float | None, str, bool]]:
    """Per column: (value, raw, True) when every remaining reading gives it the same cell, else (None, "", False)."""
    out = []
    for column in columns:
        if len(column) == 1:
            value, raw = next(iter(column))
            out.append((value, raw, True))
        else:
            out.append((None, "", False))
    return out


def app_equations(row_keys: list[str], result_rows: list[str], width: int) -> list[Equation]:
    """R3.1 and R3.3 for every column of the applications table."""
    eqs: list[Equation] = []
    have = set(row_keys)
    for c in range(width):
        eqs.append(
            (
                tuple((k, c) for k in ("new_received", "carried_over") if k in have),
                tuple((k, c) for k in ("results_total", "carried_forward") if k in have),
            )
        )
        eqs.append((tuple([("results_total", c)]), tuple((k, c) for k in result_rows if k in have)))
    return eqs


__all__ = ["MAX_CANDIDATES", "Equation", "RowSolution", "Solved", "agree", "app_equations", "settle", "solve"]
