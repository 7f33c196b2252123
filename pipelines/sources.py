"""Two sources, one truth: the report's tables against the same tables in its other copy.

Portals often publish a report twice — as the page's text and as an attached PDF/DOCX copy. The
report is read from the better of the two (`parse.choose_document`); when the other copy carries
the statistical tables too, `compare_sources` reads them and compares them with the chosen copy's,
cell by cell:

- a cell both copies settle, with different values (or units): a failed hard `sources` check naming
  both copies — the report cannot be `ok` while its two copies disagree;
- a cell the chosen copy left open (a glued run with several readings, `TableExtraction.alternatives`)
  that the other copy settles to one of those readings: decided, with a failed soft `split` check
  naming the other copy (as for cross-year evidence: the rules alone did not decide it); if the other
  copy's value is none of the readings, that is a disagreement like any other;
- a table found in one copy only: a failed soft `sources` check;
- one `sources` check per other copy summing up: how many cells were compared and agree (passed when
  none disagrees — agreement is recorded, it raises confidence in the numbers).

Pure: no I/O; the other copies arrive as `Document`s (their tables are extracted here).
"""

from __future__ import annotations

import re

from pipelines.document import Document
from pipelines.tables import extract_tables
from pipelines.tables.alternatives import Alternatives
from pipelines.tables.model import Cell, Check, TableExtraction

Key = tuple[str, str, str]
# Read the attachments of a page that holds the whole report too (to compare them), though the page
# alone would do: their conversion costs time (a PDF copy ~50–200 ms). False: read them only when the
# page may not be the report (parse.py's earlier behaviour); no comparison then.
COMPARE_SOURCES = True
# The statistical tables' own words: a copy without them has no tables to compare (saves its extraction).
_TABLE_WORDS = re.compile(r"本年新收|本年制发件数|本年新制作数量|结果维持|申请人情况")


def other_copies(page: Document | None, chosen: Document, page_name: str, attachments) -> list[tuple[str, Document]]:
    """The copies of the report besides the chosen one that may carry tables: the page, if an attachment was
    chosen, and the other readable attachments. `attachments`: (url, Document | None, error) as parse.py reads them."""
    copies = [(page_name, page)] + [(url, document) for url, document, _ in attachments]
    return [
        (name, doc) for name, doc in copies if doc is not None and doc is not chosen and _TABLE_WORDS.search(doc.text)
    ]


def compare_sources(chosen: TableExtraction, chosen_name: str, others: list[tuple[str, Document]]) -> list[Check]:
    """Checks comparing `chosen` with each other copy that has tables; decides open cells of `chosen` in place."""
    out: list[Check] = []
    for name, document in others:
        other = extract_tables(document)
        if other.cells:
            out += compare_tables(chosen, chosen_name, other, name)
    return out


def compare_tables(chosen: TableExtraction, chosen_name: str, other: TableExtraction, other_name: str) -> list[Check]:
    names = f"{chosen_name} vs {other_name}"
    out = [
        Check("sources", table, False, f"table only in {where}", hard=False)
        for table, where in _one_sided(chosen, chosen_name, other, other_name)
    ]
    for table in sorted(chosen.tables_found & other.tables_found):
        if chosen.table_templates[table] != other.table_templates[table]:
            detail = f"template {chosen.table_templates[table]} vs {other.table_templates[table]} ({names})"
            out.append(Check("sources", table, False, detail))
    mine = {_key(c): c for c in chosen.cells}
    theirs = {_key(c): c for c in other.cells if _key(c) not in other.unsure}
    out += _decide_open(chosen, mine, theirs, other_name)
    compared = agree = 0
    for key, cell in mine.items():
        if key in chosen.unsure or key not in theirs:
            continue
        compared += 1
        if _same(cell, theirs[key]):
            agree += 1
        else:
            detail = f"{chosen_name}: {_show(cell)} vs {other_name}: {_show(theirs[key])}"
            out.append(Check("sources", ".".join(key), False, detail))
    summary = f"{agree} of {compared} cells compared agree ({names})"
    open_cells = sum(1 for key in chosen.unsure if key in theirs)
    if open_cells:
        summary += f"; {open_cells} cells open in {chosen_name} not compared"
    out.append(Check("sources", "cells", compared > 0 and agree == compared, summary, hard=compared > agree))
    return out


def _key(cell: Cell) -> Key:
    return (cell.table_name, cell.row_key, cell.col_key)


def _one_sided(chosen: TableExtraction, chosen_name: str, other: TableExtraction, other_name: str):
    for table in sorted(chosen.tables_found ^ other.tables_found):
        yield table, chosen_name if table in chosen.tables_found else other_name


def _same(a: Cell, b: Cell) -> bool:
    if a.value is None or b.value is None:
        return a.value is None and b.value is None
    return a.value == b.value and (a.unit is None or b.unit is None or a.unit == b.unit)


def _show(cell: Cell) -> str:
    if cell.value is None:
        return f"blank ({cell.raw!r})" if cell.raw else "blank"
    return f"{cell.value}{cell.unit or ''}"


def _decide_open(chosen: TableExtraction, mine: dict[Key, Cell], theirs: dict[Key, Cell], other_name: str):
    """Open groups of `chosen` narrowed to the readings the other copy's settled cells agree with."""
    out: list[Check] = []
    kept: list[Alternatives] = []
    for group in chosen.alternatives:
        keys = [(group.table_name, row, col) for row, col in group.cells]
        known = [(i, theirs[k]) for i, k in enumerate(keys) if k in theirs]
        readings = [r for r in group.readings if all(_matches(r[i], cell) for i, cell in known)]
        if not known or len(readings) == len(group.readings):
            kept.append(group)
            continue
        if not readings:  # the other copy's values are none of the readings: a disagreement
            shown = ", ".join(f"{keys[i][2]}={_show(cell)}" for i, cell in known)
            detail = f"{other_name} has {shown}, none of the {len(group.readings)} readings of {group.printed}"
            out.append(Check("sources", f"{group.table_name}.{'/'.join(group.printed)}", False, detail))
            kept.append(group)
            continue
        out += _settle(chosen, mine, theirs, group, keys, readings, other_name)
        rest = [i for i, k in enumerate(keys) if k in chosen.unsure]
        if len({tuple(r[i] for i in rest) for r in readings}) > 1:
            kept.append(Alternatives(group.table_name, tuple(group.cells[i] for i in rest),
                                     list(dict.fromkeys(tuple(r[i] for i in rest) for r in readings)), group.printed))  # fmt: skip
    chosen.alternatives = kept
    return out


def _matches(label, cell: Cell) -> bool:
    value = label[0]
    if value is None or cell.value is None:
        return value is None and cell.value is None
    return value == cell.value


def _settle(chosen, mine, theirs, group: Alternatives, keys, readings, other_name: str) -> list[Check]:
    out = []
    decided: dict[str, list[str]] = {}
    for i, key in enumerate(keys):
        labels = {r[i] for r in readings}
        if len(labels) == 1:
            value, raw = labels.pop()
            mine[key].value, mine[key].raw = value, raw
            if value is not None and key in theirs:
                mine[key].unit = mine[key].unit or theirs[key].unit
            chosen.unsure.discard(key)
            decided.setdefault(key[1], []).append(f"{key[2]}={raw or '_'}")
    agree = "only this one agrees" if len(readings) == 1 else f"{len(readings)} agree"
    for row, cells in decided.items():
        detail = (
            f"other source: '{group.printed.get(row, '')}' read as {', '.join(cells)}: of the {len(group.readings)} "
            f"readings the rules admit, {agree} with {other_name}"
        )
        out.append(Check("split", f"{group.table_name}.{row}", False, detail, hard=False))
    return out
