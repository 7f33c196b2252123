"""Cross-row search: pick the row readings that satisfy the column rules together (R3.1, R3.3).

Rows with one candidate are fixed. The ambiguous rows' readings are first pruned by
arc consistency (a reading that no choice of the other rows can complete is dropped), then the
rest are enumerated jointly, at most `MAX_COMBINATIONS` combinations; each combination is scored
by the number of column equations it breaks (only equations touching an ambiguous row count). If some combinations break none, they are
the consistent solutions; otherwise there is no consistent solution and every candidate stays in
play. A cell gets a value only where all remaining solutions agree. Beyond the bound, each row
keeps its own candidates (the result is more NULLs, never a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import prod

from pipelines.tables.glued import Reading, RowResult

MAX_COMBINATIONS = 4096

# An equation: (left terms, right terms); a term is (row_key, column_index).
Equation = tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]


@dataclass
class Solved:
    """Per row: the readings still possible after the cross-row search, and how it ended."""

    options: dict[str, list[Reading]]
    status: dict[str, str]  # row_key → "unique" | "ambiguous" | "inconsistent" | "bounded"


# An equation compiled against the open rows: constant part (fixed rows) and (open row index, column, sign) terms.
Compiled = tuple[float, tuple[tuple[int, int, int], ...]]


def _compile(eq: Equation, fixed: dict[str, Reading], open_rows: list[str]) -> Compiled:
    const = 0.0
    terms = []
    for sign, side in ((1, eq[0]), (-1, eq[1])):
        for row, col in side:
            if row in open_rows:
                terms.append((open_rows.index(row), col, sign))
            elif row in fixed:
                const += sign * (fixed[row][col][0] or 0)
    return const, tuple(terms)


def _broken(combo: tuple[Reading, ...], equations: list[Compiled]) -> int:
    count = 0
    for const, terms in equations:
        total = const
        for index, col, sign in terms:
            total += sign * (combo[index][col][0] or 0)
        if total != 0:
            count += 1
    return count


def solve(rows: dict[str, RowResult], equations: list[Equation]) -> Solved:
    fixed = {k: r.candidates[0] for k, r in rows.items() if len(r.candidates) == 1}
    options = {k: list(r.candidates) for k, r in rows.items()}
    status = {k: _row_status(r) for k, r in rows.items()}
    in_rules = {t[0] for eq in equations for side in eq for t in side}
    open_rows = [k for k, r in rows.items() if len(r.candidates) > 1 and k in in_rules]
    if not open_rows:
        return Solved(options, status)
    touching = [_compile(eq, fixed, open_rows) for eq in equations if any(t[0] in open_rows for s in eq for t in s)]
    domains = prune([list(rows[k].candidates) for k in open_rows], touching)
    if any(not d for d in domains):
        status.update({k: "inconsistent" for k in open_rows})
        return Solved(options, status)
    if prod(len(d) for d in domains) > MAX_COMBINATIONS:
        # pruning is exact only if some consistent solution exists, which we could not confirm: keep all
        status.update({k: "bounded" for k in open_rows})
        return Solved(options, status)
    scored = []
    for combo in product(*domains):
        scored.append((_broken(combo, touching), combo))
    best = min(score for score, _ in scored)
    if best > 0:
        status.update({k: "inconsistent" for k in open_rows})
        return Solved(options, status)
    for i, key in enumerate(open_rows):
        kept = list(dict.fromkeys(combo[i] for score, combo in scored if score == 0))
        options[key] = kept
        status[key] = "unique" if len(kept) == 1 else "ambiguous"
    return Solved(options, status)


MAX_SUMS = 4096  # distinct partial sums tracked per equation while pruning


def prune(domains: list[list[Reading]], equations: list[Compiled]) -> list[list[Reading]]:
    """Drop readings that cannot be part of any solution breaking no equation (arc consistency).

    Exact: only readings with no completion are removed. An equation whose partial-sum sets grow
    beyond MAX_SUMS is skipped (pruning less, never wrongly).
    """
    changed = True
    while changed:
        changed = False
        for const, terms in equations:
            for index, col, sign in terms:
                others = [t for t in terms if t[0] != index]
                sums = _sums(domains, others, const)
                if sums is None:
                    continue
                kept = [r for r in domains[index] if -sign * (r[col][0] or 0) in sums]
                if len(kept) < len(domains[index]):
                    domains[index], changed = kept, True
    return domains


def _sums(domains: list[list[Reading]], terms, const: float) -> set[float] | None:
    sums = {const}
    for index, col, sign in terms:
        values = {sign * (r[col][0] or 0) for r in domains[index]}
        sums = {a + b for a in sums for b in values}
        if len(sums) > MAX_SUMS:
            return None
    return sums


def _row_status(row: RowResult) -> str:
    if row.bounded:
        return "bounded"
    if not row.candidates:
        return "inconsistent"
    return "unique" if len(row.candidates) == 1 else "ambiguous"


def agree(options: list[Reading], width: int) -> list[tuple[int | float | None, str, bool]]:
    """Per column: (value, raw, settled). Unsettled columns differ between the remaining readings."""
    if not options:
        return [(None, "", False)] * width
    if len(options) == 1:  # the usual case: one reading settles every column
        return [(value, raw, True) for value, raw in options[0][:width]]
    out = []
    for col in range(width):
        values = {reading[col] for reading in options}
        if len(values) == 1:
            value, raw = next(iter(values))
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
