"""Result types of the statistical-table extractor (the contract with the store pipeline)."""

from __future__ import annotations

from dataclasses import dataclass, field

TABLE_NAMES = ("active_disclosure", "applications", "review_litigation")


@dataclass
class Cell:
    """One canonical cell (`cells` table row). `value` is None for blank/-/—/无/ambiguous cells."""

    table_name: str
    row_key: str
    col_key: str
    value: int | float | None
    raw: str | None = None
    unit: str | None = None


@dataclass
class Check:
    """One evaluated consistency rule (`checks` table row)."""

    rule: str  # R3.1, R3.2, R3.3, R4.1, R0 (non-negative), split, label, carryover, narrative, input, …
    scope: str  # column / row / cell it was evaluated on
    passed: bool
    detail: str
    hard: bool = True  # hard failures keep quality off "ok"; soft ones (warnings) too, but are labelled


@dataclass
class Indicator:
    """A pre-2019 indicator-table row, stored generically (`indicators` table)."""

    label: str
    unit: str | None
    period: str | None
    value: int | float | None
    raw: str | None
    path: str | None = None  # parent labels joined with " / " (e.g. "三、依申请公开情况 / (一)收到申请数")


@dataclass
class TableExtraction:
    """What the extractor found in one document."""

    # per-table template: "v2021", "v2019", "other_total" (v2021 table with a collapsed （六）其他处理)
    table_templates: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # rows the template does not know, kept as found: (table_name, label, [raw cells])
    extra_rows: list[tuple[str, str, list[str]]] = field(default_factory=list)
    # groups of unsure cells with the readings the rules admit (pipelines/tables/alternatives.py)
    alternatives: list = field(default_factory=list)
    # (table_name, row_key, col_key) of the cells left NULL because the rules did not decide them
    unsure: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def template(self) -> str:
        """Report-level template: v2021 / v2019 / pre2019 / none."""
        if self.indicators and not self.cells:
            return "pre2019"
        versions = set(self.table_templates.values())
        if not versions:
            return "none"
        if self.table_templates.get("active_disclosure") in ("v2021", "v2019"):
            return self.table_templates["active_disclosure"]
        if "v2019" in versions:
            return "v2019"
        return "v2021"

    @property
    def tables_found(self) -> set[str]:
        return set(self.table_templates)
