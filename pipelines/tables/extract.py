"""`extract_tables`: find the three tables, read every row, solve glued runs, evaluate the rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.document import Document, read_unsure, shown
from pipelines.tables import labels, rules
from pipelines.tables.alternatives import table_alternatives
from pipelines.tables.flatten import BLANK, Layout, Piece, drop_page_numbers, layout_of
from pipelines.tables.glued import MAX_STATES, Reading, RowResult, blocks_rule, row_candidates, sum_rule
from pipelines.tables.grid import document_text
from pipelines.tables.locate import FoundTable, find_regions, read_table, review_cells
from pipelines.tables.model import Cell, Check, TableExtraction
from pipelines.tables.narrative import narrative_checks
from pipelines.tables.pre2019 import indicators
from pipelines.tables.solver import RowSolution, Solved, app_equations, settle, solve
from pipelines.tables.template import RESULT_ROWS, REVIEW_FLAT, RowSpec, ad_rows, app_rows
from pipelines.tables.values import digit_count


@dataclass
class TableOut:
    """Cells and checks of one table, before they join the extraction."""

    cells: list[Cell] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    unsure: set[tuple[str, str]] = field(default_factory=set)


def extract_tables(document: Document) -> TableExtraction:
    """Find the three statistical tables in `document` and map them onto canonical cells."""
    text = drop_page_numbers(labels.normalize(document_text(document)))
    regions = find_regions(text)
    spans = [r for r in (regions.active, regions.applications, regions.review) if r]
    layout = layout_of("\n".join(text[a:b] for a, b in spans) or text)  # the tables' own conventions
    ad = _read_active(text, regions.active, layout) if regions.active else None
    app = _read_applications(text, regions.applications, layout) if regions.applications else None
    review = review_cells(text, regions.review, layout) if regions.review else None
    if review is not None and not any(p.kind == "num" for p in review) and not _review_header(text, regions.review):
        review = None  # «…行政复议、行政诉讼情况» followed by a sentence: no table, not a blank one
    drops = _drops_seen(ad, app, review)
    out = TableExtraction()
    version = None
    if ad:
        version = _active(ad, text[slice(*regions.active)], drops, out)
    if app:
        version = _applications(app, drops, version, out) or version
    if review is not None:
        _review(review, version or "v2021", drops, out)
    header = labels.PRE2019_HINTS.search(text) if not out.cells else None
    if header:  # a pre-2019 statistics table: read from its header on (the narrative before it is no table)
        out.indicators = indicators(text[header.start() :])
    out.checks.extend(narrative_checks(text, out.cells))  # soft: numbers quoted in the text vs table 三
    return out


@dataclass
class Read:
    """A table as found in the text: its template version, row specs and rows."""

    version: str
    specs: list[RowSpec]
    found: FoundTable


def _drops_seen(ad: Read | None, app: Read | None, review: list[Piece] | None) -> bool:
    """Does the document drop blank cells? Evidence: a row with fewer cells/digits than columns.

    Then every glued run may hide blanks anywhere (010, 020); without evidence, runs split into
    exactly the row's cells (008–012, 021), since a layout that keeps blanks keeps them everywhere.
    """
    for table in (ad, app):
        widths = {s.key: len(s.cols) for s in table.specs} if table else {}
        if table and any(_width(r.cells) < widths[r.key] for r in table.found.rows):
            return True
    return review is not None and any(p.kind == "num" for p in review) and _width(review) < 15


def _ad_version(region_text: str) -> str:
    v2019 = len(labels.AD_V2019_HINTS.findall(region_text))
    v2021 = len(labels.AD_V2021_HINTS.findall(region_text))
    return "v2019" if v2019 > v2021 else "v2021"


def _read_active(text: str, region: tuple[int, int], layout: Layout) -> Read | None:
    version = _ad_version(text[region[0] : region[1]])
    specs = ad_rows(version)
    found = read_table(text, region, specs, layout, any_order=True)
    return Read(version, specs, found) if len(found.rows) * 2 >= len(specs) else None


def _read_applications(text: str, region: tuple[int, int], layout: Layout) -> Read | None:
    sub_rows = ("other_no_correction", "other_fee_unpaid")
    collapsed = not any(labels.row_pattern(k).search(text, *region) for k in sub_rows)
    specs = app_rows(collapsed)
    found = read_table(text, region, specs, layout)
    return Read("collapsed" if collapsed else "v2021", specs, found) if len(found.rows) >= 5 else None


def _active(ad: Read, region_text: str, drops: bool, out: TableExtraction) -> str:
    results = _row_results(ad.found, ad.specs, None, drops)
    solved = solve(results, [])
    table = _assemble("active_disclosure", ad.specs, results, solved)
    out.alternatives += table_alternatives("active_disclosure", ad.specs, results, solved)
    table.checks.extend(_empty_rows("active_disclosure", ad.found))
    _apply_units(table.cells, results, region_text, ad.version)
    _commit(out, "active_disclosure", ad.version, ad.found, table)
    return ad.version


def _applications(app: Read, drops: bool, ad_version: str | None, out: TableExtraction) -> str | None:
    results = _row_results(app.found, app.specs, sum_rule(6), drops)
    keys = [r.key for r in app.found.rows]
    solved = solve(results, app_equations(keys, [r for r in RESULT_ROWS if r in keys], 7))
    table = _assemble("applications", app.specs, results, solved)
    out.alternatives += table_alternatives("applications", app.specs, results, solved)
    table.checks.extend(_empty_rows("applications", app.found))
    table.checks.extend(rules.application_checks(_index(table.cells), table.unsure))
    collapsed = app.version == "collapsed"
    name = "v2021" if not collapsed else ("other_total" if ad_version == "v2021" else "v2019")
    _commit(out, "applications", name, app.found, table)
    return "v2019" if name == "v2019" else None


def _review(cells: list[Piece], version: str, drops: bool, out: TableExtraction) -> None:
    cells = cells or [BLANK]  # the header is there but no cell printed: a blank table (glued layouts drop blanks)
    result = row_candidates(cells, REVIEW_FLAT.kinds, drops, blocks_rule(5), leading_first=True)
    solved = solve({REVIEW_FLAT.key: result}, [])
    out.alternatives += table_alternatives("review_litigation", [REVIEW_FLAT], {REVIEW_FLAT.key: result}, solved)
    table = TableOut()
    _fill(table, "review_litigation", REVIEW_FLAT, result, solved.rows[REVIEW_FLAT.key])
    for cell in table.cells:
        cell.row_key, cell.col_key = cell.col_key.split(".")
    table.unsure = {tuple(k.split(".")) for _, k in table.unsure}  # type: ignore[misc]
    table.checks.extend(rules.review_checks(_index(table.cells), table.unsure))
    _commit(out, "review_litigation", version, FoundTable(), table)


def _width(cells: list[Piece]) -> int:
    return sum(digit_count(p.raw) if p.kind == "num" else 1 for p in cells)


def _row_results(found: FoundTable, specs: list[RowSpec], rule, drops: bool) -> dict[str, RowResult]:
    by_key = {s.key: s for s in specs}
    return {r.key: row_candidates(r.cells, by_key[r.key].kinds, drops or r.separated, rule) for r in found.rows}


_REVIEW_HEADER_WORDS = re.compile(r"结\s*果\s*维\s*持|结\s*果\s*纠\s*正|其\s*他\s*结\s*果|尚\s*未\s*审\s*结")


def _review_header(text: str, region: tuple[int, int]) -> bool:
    """The 15-column header is printed (its column words at least three times over)."""
    return len(_REVIEW_HEADER_WORDS.findall(text, *region)) >= 6


def _empty_rows(name: str, found: FoundTable) -> list[Check]:
    """A label with nothing printed after it — not even a blank cell — is not evidence of blank cells:
    the scraper may have dropped them, or the label may be a word in the narrative. NULL, and said so."""
    detail = "row label found with no cells after it (blank cells dropped, or not a table row); cells NULL"
    return [Check("cells", f"{name}.{row.key}", False, detail) for row in found.rows if not row.cells]


def _assemble(name: str, specs: list[RowSpec], results, solved: Solved) -> TableOut:
    table = TableOut()
    for spec in specs:
        if spec.key in results:
            _fill(table, name, spec, results[spec.key], solved.rows[spec.key], _jointly(solved, spec.key))
        else:
            table.cells.extend(Cell(name, spec.key, col, None, None) for col in spec.cols)
            table.checks.append(Check("label", f"{name}.{spec.key}", False, "row label not found; cells NULL"))
    return table


def _jointly(solved: Solved, key: str) -> str:
    """How the row's readings combine with the other rows solved together (empty when it stands alone)."""
    if key not in solved.joint_rows or len(solved.joint_rows) < 2:
        return ""
    return f" (with {len(solved.joint_rows) - 1} other rows solved jointly: {solved.joint_count} joint readings)"


def _fill(table: TableOut, name: str, spec: RowSpec, result: RowResult, solution: RowSolution, joint: str = "") -> None:
    width = len(spec.cols)
    settled = settle(solution.columns) if len(solution.columns) == width else [(None, "", False)] * width
    raw_run = shown(result.glued) or None
    scope = f"{name}.{spec.key}"
    doubts = []
    for col, (value, raw, ok) in zip(spec.cols, settled, strict=True):
        if raw and (unsure := read_unsure(raw)):  # an OCR reading below its confidence threshold
            table.cells.append(Cell(name, spec.key, col, None, unsure[0] or None))
            table.unsure.add((spec.key, col))
            doubts.append(f"{col} '{unsure[0]}' ({unsure[1]:.2f})" if unsure[0] else f"{col} (marks, no text read)")
            continue
        table.cells.append(Cell(name, spec.key, col, value, raw if ok else raw_run))
        if not ok:
            table.unsure.add((spec.key, col))
    if doubts:
        table.checks.append(Check("ocr", scope, False, "OCR reading not trusted, cells NULL: " + ", ".join(doubts)))
    if not result.count and not result.bounded:
        table.checks.append(Check("cells", scope, False, f"cannot read {width} cells from '{raw_run}'"))
    elif any(not ok for _, _, ok in settled):
        table.checks.append(Check("split", scope, False, _split_detail(result, solution, joint)))
    elif result.glued:
        table.checks.append(Check("split", scope, True, f"'{result.glued}' read as {_show(solution.readings[0])}"))


def _split_detail(result: RowResult, solution: RowSolution, joint: str = "") -> str:
    if result.bounded:
        return f"'{result.glued}': over {MAX_STATES} partial sums to track; unresolved cells NULL"
    listed = "; ".join(_show(o) for o in solution.readings[:6])
    if solution.count > min(6, len(solution.readings)):
        listed += f" (+{solution.count - min(6, len(solution.readings))} more)"
    if solution.status == "inconsistent":
        kind = "no reading satisfies the rules"
    elif result.rule_failed:
        kind = f"no reading satisfies the row's sum rule: all {solution.count} readings kept"
    elif solution.status == "bounded":
        kind = f"{solution.count} readings (the column rules not applied jointly: work bound)"
    else:
        kind = f"{solution.count} consistent readings{joint}"
    return f"'{result.glued}': {kind}: {listed}; differing cells NULL"


def _show(reading: Reading) -> str:
    return "(" + ",".join(raw or "_" for _, raw in reading) + ")"


def _apply_units(cells: list[Cell], results: dict[str, RowResult], region_text: str, version: str) -> None:
    header = labels.FEE_UNIT.search(region_text) or labels.AMOUNT_UNIT.search(region_text)
    for cell in cells:
        if cell.col_key in ("fee_amount", "amount") and cell.value is not None:
            row = results.get(cell.row_key)
            unit = (row.unit if row else None) or (header.group(1) if header else None)
            cell.unit = unit or ("万元" if version == "v2021" else None)


def _index(cells: list[Cell]) -> dict[tuple[str, str], Cell]:
    return {(c.row_key, c.col_key): c for c in cells}


def _commit(out: TableExtraction, name: str, template: str, found: FoundTable, table: TableOut) -> None:
    out.table_templates[name] = template
    out.cells.extend(table.cells)
    out.unsure |= {(name, row, col) for row, col in table.unsure}
    out.checks.extend(table.checks)
    out.checks.append(rules.nonnegative_check(name, table.cells))
    for label, cells in found.extra:
        out.extra_rows.append((name, label, [p.raw for p in cells]))
        out.checks.append(Check("label", f"{name}.extra", False, f"unknown row '{label}' kept in extra_rows"))
