"""Check converter grids against a corpus answer key.

For each row of the key, find (in order) the grid row whose own label cells contain the row's label
fragment (from the national template, `../shared/spec/template.md`), then compare that row's value cells
with the key's numbers in column order. A key `null` must come back as a blank cell "", never "0".
"""

from __future__ import annotations

import json

from pipelines.document import Grid
from tests.conftest import corpus_dir


def load_key(name: str) -> dict:
    return json.loads((corpus_dir() / "answers" / f"{name}.json").read_text(encoding="utf-8"))


# Row key → a label fragment that occurs in that row's own label cells and in no row before it.
APPLICATION_LABELS = {
    "new_received": "本年新收",
    "carried_over": "上年结转",
    "granted": "予以公开",
    "partially_granted": "部分公开",
    "denied_state_secret": "国家秘密",
    "denied_law_prohibited": "其他法律行政法规",
    "denied_security_stability": "三安全一稳定",
    "denied_third_party": "第三方合法权益",
    "denied_internal_affairs": "三类内部事务",
    "denied_process_info": "四类过程性",
    "denied_enforcement_file": "行政执法案卷",
    "denied_admin_inquiry": "行政查询事项",
    "unable_not_held": "不掌握",
    "unable_need_creation": "另行制作",
    "unable_unclear": "仍不明确",
    "not_processed_complaint": "信访举报投诉",
    "not_processed_duplicate": "重复申请",
    "not_processed_publication": "公开出版物",
    "not_processed_excessive": "大量反复",
    "not_processed_reconfirm": "重新出具",
    "other_no_correction": "逾期不补正",
    "other_fee_unpaid": "缴纳费用",
    "other_misc": "其他",
    "other_total": "其他处理",
    "results_total": "总计",
    "carried_forward": "结转下年度",
}
APPLICATION_COLUMNS = [
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_service",
    "other_org",
    "total",
]
ACTIVE_LABELS = {
    "regulations": "规章",
    "normative_docs": "规范性文件",
    "admin_licensing": "行政许可",
    "other_admin_services": "其他对外管理服务",
    "admin_penalty": "行政处罚",
    "admin_coercion": "行政强制",
    "admin_fees": "行政事业性收费",
    "gov_central_procurement": "政府集中采购",
}
REVIEW_ROWS = ["review", "lit_direct", "lit_after_review"]
REVIEW_COLUMNS = ["upheld", "corrected", "other", "pending", "total"]


def number(cell: str | None) -> int | float | None:
    """A value cell as a number; "" (blank) → None. Anything else is a failure."""
    assert cell is not None, "a value position is covered by a merged cell"
    text = cell.strip()
    if text == "":
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def expected(value: object) -> int | float | None:
    return value["value"] if isinstance(value, dict) else value  # money cells carry their unit


def _is_value(cell: str | None) -> bool:
    if cell is None or cell == "":
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _label(row: list[str | None]) -> str:
    return "".join(cell for cell in row if cell and not _is_value(cell))


def find_grid(grids: list[Grid], fragment: str) -> Grid:
    matches = [grid for grid in grids if any(fragment in _label(row) for row in grid)]
    assert matches, f"no grid contains {fragment!r}"
    return matches[0]


def _rows_in_order(grid: Grid, labels: dict[str, str], wanted: list[str]) -> dict[str, list[str | None]]:
    found, start = {}, 0
    for key in wanted:
        for index in range(start, len(grid)):
            if labels[key] in _label(grid[index]):
                found[key], start = grid[index], index + 1
                break
        else:
            raise AssertionError(f"row {key} ({labels[key]}) not found after grid row {start}")
    return found


def check_applications(grids: list[Grid], table: dict) -> int:
    grid = find_grid(grids, "本年新收")
    rows = _rows_in_order(grid, APPLICATION_LABELS, list(table))
    for key, values in table.items():
        got = [number(cell) for cell in rows[key][-7:]]
        assert got == [values[column] for column in APPLICATION_COLUMNS], f"applications.{key}"
    return len(table) * 7


def check_active(grids: list[Grid], table: dict) -> int:
    grid = find_grid(grids, "规章")
    rows = _rows_in_order(grid, ACTIVE_LABELS, list(table))
    for key, values in table.items():
        row = rows[key]
        label_end = max(i for i, cell in enumerate(row) if cell and not _is_value(cell))
        cells = [cell for cell in row[label_end + 1 :] if cell is not None]
        want = [expected(value) for value in values.values()]
        assert [number(cell) for cell in cells[: len(want)]] == want, f"active_disclosure.{key}: {row}"
    return sum(len(values) for values in table.values())


def check_review(grids: list[Grid], table: dict) -> int:
    grid = find_grid(grids, "行政复议")
    want = [table[row][column] for row in REVIEW_ROWS for column in REVIEW_COLUMNS]
    values = [row for row in grid if sum(_is_value(cell) or cell == "" for cell in row) == 15]
    assert len(values) == 1, f"expected one row of 15 values in {grid}"
    assert [number(cell) for cell in values[0]] == want
    return 15


def check_key(grids: list[Grid], key: dict) -> int:
    """Assert every number of the key's tables; return how many cells were compared."""
    checks = {"active_disclosure": check_active, "applications": check_applications, "review_litigation": check_review}
    compared = 0
    for name, check in checks.items():
        table = key["tables"].get(name)
        if table is not None:
            compared += check(grids, {k: v for k, v in table.items() if k != "extra_rows"})
    return compared
