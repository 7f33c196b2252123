"""The national template: canonical row/column keys and the kind of value each column holds.

Keys and order follow `/work/shared/spec/template.md`. A column kind is one of:
`count` (non-negative int), `signed` (int with optional +/-, 本年增/减) or `money` (float, 万元/元).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

APP_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
REVIEW_ROWS = ("review", "lit_direct", "lit_after_review")
REVIEW_COLS = ("upheld", "corrected", "other", "pending", "total")

APP_HEAD = ("new_received", "carried_over", "granted", "partially_granted")
APP_DENIED = tuple(
    "denied_" + k
    for k in (
        "state_secret",
        "law_prohibited",
        "security_stability",
        "third_party",
        "internal_affairs",
        "process_info",
        "enforcement_file",
        "admin_inquiry",
    )
)
APP_UNABLE = ("unable_not_held", "unable_need_creation", "unable_unclear")
APP_NOT_PROCESSED = tuple(
    "not_processed_" + k for k in ("complaint", "duplicate", "publication", "excessive", "reconfirm")
)
APP_OTHER_V2021 = ("other_no_correction", "other_fee_unpaid", "other_misc")
APP_TAIL = ("results_total", "carried_forward")

APP_ROWS_V2021 = APP_HEAD + APP_DENIED + APP_UNABLE + APP_NOT_PROCESSED + APP_OTHER_V2021 + APP_TAIL
APP_ROWS_COLLAPSED = APP_HEAD + APP_DENIED + APP_UNABLE + APP_NOT_PROCESSED + ("other_total",) + APP_TAIL
# rows whose sum is `results_total` (R3.3), for either layout of （六）其他处理
RESULT_ROWS = (
    "granted",
    "partially_granted",
    *APP_DENIED,
    *APP_UNABLE,
    *APP_NOT_PROCESSED,
    *APP_OTHER_V2021,
    "other_total",
)

AD_V2021: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("regulations", ("issued", "repealed", "in_force")),
    ("normative_docs", ("issued", "repealed", "in_force")),
    ("admin_licensing", ("decisions",)),
    ("admin_penalty", ("decisions",)),
    ("admin_coercion", ("decisions",)),
    ("admin_fees", ("fee_amount",)),
)
_V2019_ITEMS = ("prev_year_items", "items_change", "decisions")
AD_V2019: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("regulations", ("newly_made", "newly_published", "total_published")),
    ("normative_docs", ("newly_made", "newly_published", "total_published")),
    ("admin_licensing", _V2019_ITEMS),
    ("other_admin_services", _V2019_ITEMS),
    ("admin_penalty", _V2019_ITEMS),
    ("admin_coercion", _V2019_ITEMS),
    ("admin_fees", ("prev_year_items", "items_change")),
    ("gov_central_procurement", ("projects", "amount")),
)

MONEY_COLS = frozenset({"fee_amount", "amount"})
SIGNED_COLS = frozenset({"items_change"})


def col_kind(col: str) -> str:
    """`money`, `signed` or `count`."""
    if col in MONEY_COLS:
        return "money"
    return "signed" if col in SIGNED_COLS else "count"


@dataclass(frozen=True)
class RowSpec:
    """One template row: its key and the columns it holds, in printed order."""

    key: str
    cols: tuple[str, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return _kinds(self.cols)


@cache
def _kinds(cols: tuple[str, ...]) -> tuple[str, ...]:
    """Column kinds of a row (asked once per row read; the rows are the template's few dozen)."""
    return tuple(col_kind(c) for c in cols)


def ad_rows(version: str) -> list[RowSpec]:
    layout = AD_V2019 if version == "v2019" else AD_V2021
    return [RowSpec(key, cols) for key, cols in layout]


def app_rows(collapsed: bool) -> list[RowSpec]:
    rows = APP_ROWS_COLLAPSED if collapsed else APP_ROWS_V2021
    return [RowSpec(key, APP_COLS) for key in rows]


REVIEW_FLAT = RowSpec("review_litigation", tuple(f"{r}.{c}" for r in REVIEW_ROWS for c in REVIEW_COLS))
