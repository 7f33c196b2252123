"""Cross-year evidence: the same agency's neighbouring reports choose among the rules' readings.

A glued run the rules leave ambiguous (`alternatives.py`) may be settled by figures that carry over
from one year's report to the next:

- 上年结转 (carried_over) of year N = 结转下年度继续办理 (carried_forward) of year N-1, per column;
- v2021: 现行有效件数 (in_force) of N = in_force of N-1 + 本年制发 (issued) of N - 本年废止 (repealed) of N;
- v2019: 上一年项目数量 (prev_year_items) of N = prev_year_items of N-1 + 本年增/减 (items_change) of N-1.

`resolve` works on one agency's reports at once, from the readings the rules admit (never from an
earlier decision), so the outcome does not depend on the order in which the years arrive:

1. Each report is paired with the year before's (the caller passes one report per year, the lowest
   id, as for the soft carry-over checks). A relation between a pair counts as evidence only if some
   combination of the two reports' readings satisfies it: published numbers that break it whatever the reading decide
   nothing. A blank cell (NULL) leaves an equation unevaluated, so it rules nothing out.
2. The relations that count constrain the groups of readings they touch; constraints are propagated
   (arc consistency) until nothing changes — along a chain of years, 2021 can settle 2022, and 2022
   then 2023. If they contradict each other somewhere, nothing is decided for the agency.
3. A cell on which all remaining readings of its group agree is decided: a `split` check names the
   report(s) whose figures decided it. Such a report stays off `ok` (its rules alone did not decide).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product

from pipelines.tables.model import Check
from pipelines.tables.template import AD_V2019, AD_V2021, APP_COLS, REVIEW_COLS, REVIEW_ROWS

Key = tuple[str, str, str]  # (table_name, row_key, col_key)
Label = tuple[int | float | None, str | None]  # (value, raw)
MAX_PAIRS = 20_000  # combinations of readings weighed for one relation


@dataclass
class Group:
    """A group of unsure cells of one report and the readings the rules admit for them."""

    report_id: str
    number: int
    cells: tuple[Key, ...]
    readings: list[tuple[Label, ...]]
    printed: dict[str, str]  # row_key → the glued run as printed


@dataclass
class YearReport:
    id: str
    year: int
    values: dict[Key, int | float | None]  # the cells the rules settled (relevant rows only)
    groups: list[Group] = field(default_factory=list)


@dataclass
class Decision:
    """What the neighbouring years decided for one report: cell values and the checks that say so."""

    report_id: str
    cells: dict[Key, Label] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)


# (label, [(left terms, right terms)]) where a term is ("prev" | "cur", key)
Relation = tuple[str, list[tuple[list[tuple[str, Key]], list[tuple[str, Key]]]]]

_ITEM_ROWS = ("admin_licensing", "other_admin_services", "admin_penalty", "admin_coercion", "admin_fees")
RELEVANT_ROWS = ("carried_over", "carried_forward", "regulations", "normative_docs", *_ITEM_ROWS)


def relations() -> list[Relation]:
    carry = [
        ([("cur", ("applications", "carried_over", c))], [("prev", ("applications", "carried_forward", c))])
        for c in APP_COLS
    ]
    out: list[Relation] = [("上年结转 = the year before's 结转下年度继续办理", carry)]
    for row in ("regulations", "normative_docs"):
        key = ("active_disclosure", row)
        left = [("cur", (*key, "in_force")), ("cur", (*key, "repealed"))]
        right = [("prev", (*key, "in_force")), ("cur", (*key, "issued"))]
        out.append((f"{row}: 现行有效件数 = the year before's + 本年制发 - 本年废止", [(left, right)]))
    for row in _ITEM_ROWS:
        key = ("active_disclosure", row)
        right = [("prev", (*key, "prev_year_items")), ("prev", (*key, "items_change"))]
        out.append(
            (
                f"{row}: 上一年项目数量 = the year before's + its 本年增/减",
                [([("cur", (*key, "prev_year_items"))], right)],
            )
        )
    return out


RELATIONS = relations()


def resolve(reports: list[YearReport]) -> list[Decision]:
    """Decisions for one agency's reports (module docstring); empty when the evidence decides nothing."""
    groups = {(g.report_id, g.number): g for r in reports for g in r.groups}
    if not groups:
        return []
    domains = {gid: set(range(len(g.readings))) for gid, g in groups.items()}
    constraints = _constraints(reports, groups)
    if not constraints or not _propagate(domains, constraints):
        return []
    return _decisions(groups, domains, constraints)


@dataclass
class _Constraint:
    label: str
    reports: tuple[YearReport, YearReport]  # (prev, cur)
    groups: tuple[tuple[str, int], ...]
    allowed: set[tuple[int, ...]]


def _pairs(reports: list[YearReport]) -> Iterable[tuple[YearReport, YearReport]]:
    """Each report with the year before's representative (its lowest id)."""
    first: dict[int, YearReport] = {}
    for report in sorted(reports, key=lambda r: r.id):
        first.setdefault(report.year, report)
    for report in reports:
        prev = first.get(report.year - 1)
        if prev is not None:
            yield prev, report


def _constraints(reports: list[YearReport], groups: dict) -> list[_Constraint]:
    out = []
    for prev, cur in _pairs(reports):
        for label, equations in RELATIONS:
            sides = {"prev": prev, "cur": cur}
            terms = [(sides[who], key) for left, right in equations for who, key in (*left, *right)]
            if not all(key in r.values or _group_of(r, key) for r, key in terms):
                continue  # a cell the report does not have (another template, a missing table)
            involved = tuple(dict.fromkeys(g for r, key in terms if (g := _group_of(r, key)) is not None))
            if not involved:
                continue  # nothing to choose: the soft carry-over check reports on it
            options = [range(len(groups[g].readings)) for g in involved]
            size = 1
            for o in options:
                size *= len(o)
            if size > MAX_PAIRS:
                continue
            allowed = {
                combo
                for combo in product(*options)
                if _holds(equations, sides, dict(zip(involved, combo, strict=True)), groups)
            }
            if allowed and len(allowed) < size:  # evidence only if satisfiable, and only if it rules something out
                out.append(_Constraint(label, (prev, cur), involved, allowed))
    return out


def _group_of(report: YearReport, key: Key) -> tuple[str, int] | None:
    for group in report.groups:
        if key in group.cells:
            return (report.id, group.number)
    return None


def _value(report: YearReport, key: Key, choice: dict, groups: dict):
    gid = _group_of(report, key)
    if gid is None:
        return report.values.get(key)
    group = groups[gid]
    return group.readings[choice[gid]][group.cells.index(key)][0]


def _holds(equations, sides, choice, groups) -> bool:
    for left, right in equations:
        values = [_value(sides[who], key, choice, groups) for who, key in (*left, *right)]
        if any(v is None for v in values):
            continue  # a blank cell: the equation cannot be evaluated, it rules nothing out
        if sum(values[: len(left)]) != sum(values[len(left) :]):
            return False
    return True


def _propagate(domains: dict, constraints: list[_Constraint]) -> bool:
    """Arc consistency; False when some group has no reading left (the evidence contradicts itself)."""
    changed = True
    while changed:
        changed = False
        for constraint in constraints:
            live = [
                c for c in constraint.allowed if all(i in domains[g] for g, i in zip(constraint.groups, c, strict=True))
            ]
            for position, gid in enumerate(constraint.groups):
                supported = {combo[position] for combo in live}
                if supported != domains[gid]:
                    domains[gid] &= supported
                    changed = True
                if not domains[gid]:
                    return False
    return True


def _decisions(groups: dict, domains: dict, constraints: list[_Constraint]) -> list[Decision]:
    out: dict[str, Decision] = {}
    for gid, group in groups.items():
        kept = [group.readings[i] for i in sorted(domains[gid])]
        if len(kept) == len(group.readings):
            continue
        decided = {key: kept[0][i] for i, key in enumerate(group.cells) if all(r[i] == kept[0][i] for r in kept)}
        if not decided:
            continue
        decision = out.setdefault(group.report_id, Decision(group.report_id))
        decision.cells.update(decided)
        sources = [c for c in constraints if gid in c.groups]
        for row in dict.fromkeys(key[1] for key in decided):
            table = next(key[0] for key in decided if key[1] == row)
            keys = sorted((k for k in decided if k[1] == row), key=lambda k: _ORDER.get(k[1:], 99))
            cells = ", ".join(f"{k[2]}={decided[k][1] or '_'}" for k in keys)
            agree = "only this one agrees" if len(kept) == 1 else f"{len(kept)} agree"
            detail = (
                f"cross-year: '{group.printed.get(row, '')}' read as {cells}: of the {len(group.readings)} readings "
                f"the rules admit, {agree} with " + "; ".join(_source(c, group.report_id) for c in sources)
            )
            decision.checks.append(Check("split", f"{table}.{row}", False, detail, hard=False))
    return list(out.values())


# printed order of every template row's columns (for the checks' wording)
_ORDER = {(row, col): i for layout in (AD_V2021, AD_V2019) for row, cols in layout for i, col in enumerate(cols)} | {
    (row, col): i
    for row in (*REVIEW_ROWS, "carried_over", "carried_forward")
    for i, col in enumerate((*APP_COLS, *REVIEW_COLS))
}


def _source(constraint: _Constraint, report_id: str) -> str:
    prev, cur = constraint.reports
    other = cur if prev.id == report_id else prev
    return f"report {other.id} ({other.year}; {constraint.label})"
