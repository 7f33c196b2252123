"""Soft checks (hard=False): numbers quoted in the narrative, and cross-year carry-over."""

from __future__ import annotations

import re

from pipelines.tables.model import Cell, Check
from pipelines.tables.template import APP_COLS

_NUM = r"(\d[\d,]*)\s*件"
# (pattern, what it is compared with): 收到/受理 … 申请 N件 → new_received.total (or + carried_over);
# 办结/答复 N件 → results_total.total
_RECEIVED = re.compile(r"(?:收到|受理|接收)[^。；;，,\d]{0,16}?申请[^。；;\d]{0,8}?" + _NUM)
_RECEIVED_ALT = re.compile(r"(?:收到|受理|接收)[^。；;\d]{0,6}?" + _NUM + r"[^。；;\d]{0,4}?申请")
_ANSWERED = re.compile(r"(?:办结|办理完毕)[^。；;，,\d]{0,10}?" + _NUM)


def _value(cells: list[Cell], row: str, col: str) -> int | float | None:
    for cell in cells:
        if cell.table_name == "applications" and cell.row_key == row and cell.col_key == col:
            return cell.value
    return None


def narrative_checks(text: str, cells: list[Cell]) -> list[Check]:
    """Compare 收到申请N件 / 受理…申请N件 / 办结N件 in the text with table 三's totals."""
    new = _value(cells, "new_received", "total")
    carried = _value(cells, "carried_over", "total") or 0
    done = _value(cells, "results_total", "total")
    out = []
    seen: set[int] = set()
    for pattern in (_RECEIVED, _RECEIVED_ALT):
        for match in pattern.finditer(text):
            quoted = int(match.group(1).replace(",", ""))
            if new is not None and match.start(1) not in seen:
                seen.add(match.start(1))
                ok = quoted in (new, new + carried)
                detail = f"text '{match.group(0)}' = {quoted} vs new_received.total {new} (+carried_over {carried})"
                out.append(Check("narrative", "new_received.total", ok, detail, hard=False))
    for match in _ANSWERED.finditer(text):
        quoted = int(match.group(1).replace(",", ""))
        if done is not None:
            detail = f"text '{match.group(0)}' = {quoted} vs results_total.total {done}"
            out.append(Check("narrative", "results_total.total", quoted == done, detail, hard=False))
    return out


def _index(cells: list[Cell]) -> dict[tuple[str, str, str], Cell]:
    return {(c.table_name, c.row_key, c.col_key): c for c in cells}


# The only rows carryover_checks reads (crossyear.py fetches just these from the database).
CARRYOVER_ROWS = ("carried_forward", "carried_over", "regulations", "normative_docs")


def carryover_checks(prev_cells: list[Cell], cells: list[Cell]) -> list[Check]:
    """carried_over(N) == carried_forward(N-1) per column; v2021 in_force(N) == in_force(N-1)+issued-repealed."""
    prev, cur = _index(prev_cells), _index(cells)
    out = []
    for col in APP_COLS:
        before = prev.get(("applications", "carried_forward", col))
        now = cur.get(("applications", "carried_over", col))
        if before is None or now is None or before.value is None or now.value is None:
            continue
        detail = f"carried_over {now.value} vs previous year's carried_forward {before.value}"
        out.append(Check("carryover", col, now.value == before.value, detail, hard=False))
    for row in ("regulations", "normative_docs"):
        keys = [("active_disclosure", row, c) for c in ("in_force", "issued", "repealed")]
        was, now_c = prev.get(keys[0]), [cur.get(k) for k in keys]
        if was is None or was.value is None or any(c is None or c.value is None for c in now_c):
            continue
        in_force, issued, repealed = (c.value for c in now_c)  # type: ignore[union-attr]
        expected = was.value + issued - repealed
        detail = f"in_force {in_force} vs previous {was.value} + issued {issued} - repealed {repealed} = {expected}"
        out.append(Check("carryover", f"{row}.in_force", in_force == expected, detail, hard=False))
    return out
