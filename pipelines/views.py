"""The researchers' views and the template's labels, as SQL the migrations run (`pipelines/schema.py`).

Views answer the common questions without pivoting `cells` by hand:

- `report_summary`: one row per report, its place (region names), and the headline figures;
- `<table>_wide` (`active_disclosure_wide`, `applications_wide`, `review_litigation_wide`): one row
  per report and template row, one column per canonical column;
- `year_over_year`: per agency and figure, a year beside the year before, with the change and the
  cross-year carry-over check;
- `report_compliance`: per report, which parts of the mandated form are missing, out of order or
  misnumbered (the `form.*` checks of `pipelines/compliance.py`).

A number is NULL whenever a cell it depends on is NULL: a blank cell is unknown, never 0. A view
that has shipped is changed by a new migration that drops and recreates it (see `create_views`).
"""

from __future__ import annotations

from pipelines.tables.template import (
    AD_V2019,
    AD_V2021,
    APP_COLS,
    APP_DENIED,
    APP_NOT_PROCESSED,
    APP_OTHER_V2021,
    APP_ROWS_V2021,
    APP_UNABLE,
    REVIEW_COLS,
    REVIEW_ROWS,
)

# The official wording of every template row and column (../shared/spec/template.md), for the
# `template_rows` / `template_columns` lookup tables, the wide views and the site.
ROW_LABELS: dict[str, dict[str, str]] = {
    "active_disclosure": {
        "regulations": "规章",
        "normative_docs": "规范性文件",
        "admin_licensing": "行政许可",
        "other_admin_services": "其他对外管理服务事项",
        "admin_penalty": "行政处罚",
        "admin_coercion": "行政强制",
        "admin_fees": "行政事业性收费",
        "gov_central_procurement": "政府集中采购",
    },
    "applications": {
        "new_received": "一、本年新收政府信息公开申请数量",
        "carried_over": "二、上年结转政府信息公开申请数量",
        "granted": "（一）予以公开",
        "partially_granted": "（二）部分公开",
        "denied_state_secret": "（三）不予公开 1.属于国家秘密",
        "denied_law_prohibited": "（三）不予公开 2.其他法律行政法规禁止公开",
        "denied_security_stability": "（三）不予公开 3.危及“三安全一稳定”",
        "denied_third_party": "（三）不予公开 4.保护第三方合法权益",
        "denied_internal_affairs": "（三）不予公开 5.属于三类内部事务信息",
        "denied_process_info": "（三）不予公开 6.属于四类过程性信息",
        "denied_enforcement_file": "（三）不予公开 7.属于行政执法案卷",
        "denied_admin_inquiry": "（三）不予公开 8.属于行政查询事项",
        "unable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
        "unable_need_creation": "（四）无法提供 2.没有现成信息需要另行制作",
        "unable_unclear": "（四）无法提供 3.补正后申请内容仍不明确",
        "not_processed_complaint": "（五）不予处理 1.信访举报投诉类申请",
        "not_processed_duplicate": "（五）不予处理 2.重复申请",
        "not_processed_publication": "（五）不予处理 3.要求提供公开出版物",
        "not_processed_excessive": "（五）不予处理 4.无正当理由大量反复申请",
        "not_processed_reconfirm": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other_fee_unpaid": "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other_misc": "（六）其他处理 3.其他",
        "other_total": "（六）其他处理",
        "results_total": "（七）总计",
        "carried_forward": "四、结转下年度继续办理",
    },
    "review_litigation": {
        "review": "行政复议",
        "lit_direct": "行政诉讼 未经复议直接起诉",
        "lit_after_review": "行政诉讼 复议后起诉",
    },
}
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "active_disclosure": {
        "issued": "本年制发件数",
        "repealed": "本年废止件数",
        "in_force": "现行有效件数",
        "newly_made": "本年新制作数量",
        "newly_published": "本年新公开数量",
        "total_published": "对外公开总数量",
        "prev_year_items": "上一年项目数量",
        "items_change": "本年增/减",
        "decisions": "处理决定数量",
        "fee_amount": "本年收费金额（万元）",
        "projects": "采购项目数量",
        "amount": "采购总金额",
    },
    "applications": {
        "natural_person": "自然人",
        "commercial": "商业企业",
        "research": "科研机构",
        "social_welfare": "社会公益组织",
        "legal_service": "法律服务机构",
        "other_org": "其他",
        "total": "总计",
    },
    "review_litigation": {
        "upheld": "结果维持",
        "corrected": "结果纠正",
        "other": "其他结果",
        "pending": "尚未审结",
        "total": "总计",
    },
}


def _ordered_unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def template_rows() -> list[tuple[str, str, int, str]]:
    """(table_name, row_key, position, label): every row either template version has, in printed order."""
    ad = _ordered_unique(key for layout in (AD_V2021, AD_V2019) for key, _ in layout)
    app = _ordered_unique([*APP_ROWS_V2021[:-2], "other_total", *APP_ROWS_V2021[-2:]])
    keys = {"active_disclosure": ad, "applications": app, "review_litigation": REVIEW_ROWS}
    return [(table, key, i, ROW_LABELS[table][key]) for table, rows in keys.items() for i, key in enumerate(rows)]


def table_columns() -> dict[str, tuple[str, ...]]:
    """Canonical columns of each table, both template versions, in printed order."""
    ad = _ordered_unique(col for layout in (AD_V2021, AD_V2019) for _, cols in layout for col in cols)
    return {"active_disclosure": ad, "applications": APP_COLS, "review_litigation": REVIEW_COLS}


def template_columns() -> list[tuple[str, str, int, str]]:
    """(table_name, col_key, position, label)."""
    return [
        (table, col, i, COLUMN_LABELS[table][col])
        for table, cols in table_columns().items()
        for i, col in enumerate(cols)
    ]


# --- report_summary ---------------------------------------------------------------------------


def _cell(table: str, row: str, col: str) -> str:
    """One cell of the report `r` (a primary-key lookup)."""
    return (
        f"(SELECT value FROM cells WHERE report_id = r.id AND table_name = '{table}' "
        f"AND row_key = '{row}' AND col_key = '{col}')"
    )


def _group_total(rows: tuple[str, ...]) -> str:
    """Sum of the `total` column over `rows` of table 三 that the report has; NULL if any is blank or none exist."""
    keys = ", ".join(f"'{row}'" for row in rows)
    return (
        "(SELECT CASE WHEN COUNT(*) > 0 AND COUNT(value) = COUNT(*) THEN SUM(value) END FROM cells "
        f"WHERE report_id = r.id AND table_name = 'applications' AND col_key = 'total' AND row_key IN ({keys}))"
    )


# (column, SQL expression, description) — the descriptions go to data/metadata.yml by hand; a test
# checks that every column of every view is described there.
SUMMARY_FIGURES: tuple[tuple[str, str], ...] = (
    ("new_received", _cell("applications", "new_received", "total")),
    ("carried_over", _cell("applications", "carried_over", "total")),
    ("granted", _cell("applications", "granted", "total")),
    ("partially_granted", _cell("applications", "partially_granted", "total")),
    ("denied", _group_total(APP_DENIED)),
    ("unable", _group_total(APP_UNABLE)),
    ("not_processed", _group_total(APP_NOT_PROCESSED)),
    ("other_processed", _group_total((*APP_OTHER_V2021, "other_total"))),
    ("results_total", _cell("applications", "results_total", "total")),
    ("carried_forward", _cell("applications", "carried_forward", "total")),
    ("review_total", _cell("review_litigation", "review", "total")),
    ("review_corrected", _cell("review_litigation", "review", "corrected")),
    ("lit_direct_total", _cell("review_litigation", "lit_direct", "total")),
    ("lit_direct_corrected", _cell("review_litigation", "lit_direct", "corrected")),
    ("lit_after_review_total", _cell("review_litigation", "lit_after_review", "total")),
    ("lit_after_review_corrected", _cell("review_litigation", "lit_after_review", "corrected")),
    ("normative_docs_in_force", _cell("active_disclosure", "normative_docs", "in_force")),
    ("licensing_decisions", _cell("active_disclosure", "admin_licensing", "decisions")),
    ("penalty_decisions", _cell("active_disclosure", "admin_penalty", "decisions")),
    ("coercion_decisions", _cell("active_disclosure", "admin_coercion", "decisions")),
    # printed in 元 by some filers: converted, so the column is always 万元
    (
        "fee_amount_wan",
        "(SELECT CASE WHEN unit = '元' THEN value / 10000.0 ELSE value END FROM cells WHERE report_id = r.id "
        "AND table_name = 'active_disclosure' AND row_key = 'admin_fees' AND col_key = 'fee_amount')",
    ),
)
FIGURE_NAMES = tuple(name for name, _ in SUMMARY_FIGURES)


def report_summary_sql() -> str:
    figures = ",\n  ".join(f"{sql} AS {name}" for name, sql in SUMMARY_FIGURES)
    return f"""CREATE VIEW report_summary AS
SELECT r.id, r.agency, r.region_code,
  json_extract(r.field_sources, '$.region_code') AS region_source,
  p.province, p.city, p.county, r.year, r.template, r.quality, r.source, r.title, r.published,
  {figures}
FROM reports r LEFT JOIN region_paths p ON p.code = r.region_code"""


# --- wide views ----------------------------------------------------------------------------------


def wide_view_sql(table: str) -> str:
    """Cells pivoted per report and row first, then joined to their report and label: joining each of the
    ~160 cells of a report before grouping them made the view ~5x slower. «+table_name» and grouping by
    the primary key's own prefix let SQLite read cells in key order instead of sorting them (2x)."""
    pivots = ",\n    ".join(
        f"MAX(CASE WHEN col_key = '{col}' THEN value END) AS {col}" for col in table_columns()[table]
    )
    columns = ", ".join(f"w.{col}" for col in table_columns()[table])
    unit = ""
    if table == "active_disclosure":  # money cells carry the unit as printed
        pivots += ",\n    MAX(unit) AS unit"
        unit = ", w.unit"
    return f"""CREATE VIEW {table}_wide AS
SELECT w.report_id, r.agency, r.year, r.region_code, w.row_key, t.position AS row_position, t.label AS row_label,
  {columns}{unit}
FROM (
  SELECT report_id, row_key,
    {pivots}
  FROM cells WHERE +table_name = '{table}' GROUP BY report_id, table_name, row_key
) w JOIN reports r ON r.id = w.report_id
LEFT JOIN template_rows t ON t.table_name = '{table}' AND t.row_key = w.row_key"""


# --- year over year ------------------------------------------------------------------------------

# figure → the carry-over check (`checks.rule = 'carryover'`) scope that compares it across years
CARRYOVER_SCOPES = {"carried_over": "total", "normative_docs_in_force": "normative_docs.in_force"}


def year_over_year_sql() -> str:
    """Per agency and figure: the report of a year beside the agency's report of the year before.

    The year before is the lowest-id report of the agency that year, as for the carry-over checks
    (`pipelines/crossyear.py`), so the two agree on which report is compared with which.
    """
    unpivot = " UNION ALL ".join(f"SELECT '{name}' AS figure" for name in FIGURE_NAMES)
    value = "CASE f.figure " + " ".join(f"WHEN '{name}' THEN {{side}}.{name}" for name in FIGURE_NAMES) + " END"
    scopes = " ".join(f"WHEN '{figure}' THEN '{scope}'" for figure, scope in CARRYOVER_SCOPES.items())
    return f"""CREATE VIEW year_over_year AS
WITH s AS MATERIALIZED (SELECT * FROM report_summary WHERE agency IS NOT NULL AND year IS NOT NULL),
pairs AS (
  SELECT cur.id AS cur_id, MIN(prev.id) AS prev_id FROM s cur
  JOIN s prev ON prev.agency = cur.agency AND prev.year = cur.year - 1 GROUP BY cur.id
),
figures AS ({unpivot}),
carry AS MATERIALIZED (SELECT report_id, scope, passed, detail FROM checks WHERE rule = 'carryover'),
carry_failed AS MATERIALIZED (SELECT report_id, COUNT(*) AS failed FROM carry WHERE passed = 0 GROUP BY report_id),
y AS (
  SELECT cur.agency, cur.region_code, f.figure, prev.year AS previous_year, cur.year,
    {value.format(side="prev")} AS previous_value, {value.format(side="cur")} AS value,
    CASE f.figure {scopes} END AS carryover_scope, prev.id AS previous_report_id, cur.id AS report_id
  FROM pairs JOIN s cur ON cur.id = pairs.cur_id JOIN s prev ON prev.id = pairs.prev_id CROSS JOIN figures f
)
SELECT y.agency, y.region_code, y.figure, y.previous_year, y.year, y.previous_value, y.value,
  y.value - y.previous_value AS change,
  ROUND(100.0 * (y.value - y.previous_value) / NULLIF(y.previous_value, 0), 1) AS change_pct,
  c.passed AS carryover_passed, c.detail AS carryover_detail, COALESCE(cf.failed, 0) AS carryover_failed,
  y.previous_report_id, y.report_id
FROM y LEFT JOIN carry c ON c.report_id = y.report_id AND c.scope = y.carryover_scope
LEFT JOIN carry_failed cf ON cf.report_id = y.report_id"""


# --- compliance ---------------------------------------------------------------------------------


def report_compliance_sql() -> str:
    return """CREATE VIEW report_compliance AS
SELECT r.id AS report_id, r.agency, r.year, r.region_code, r.template,
  COUNT(c.rule) AS form_checks,
  SUM(c.passed = 0) AS form_failed,
  ROUND(100.0 * SUM(c.passed) / COUNT(c.rule), 1) AS form_passed_pct,
  SUM(c.passed = 0 AND c.rule = 'form.section') AS sections_missing,
  SUM(c.passed = 0 AND c.rule = 'form.order') AS out_of_order,
  SUM(c.passed = 0 AND c.rule = 'form.numbering') AS misnumbered,
  SUM(c.passed = 0 AND c.rule = 'form.heading') AS headings_differing,
  SUM(c.passed = 0 AND c.rule = 'form.table') AS tables_missing_or_misplaced,
  MAX(CASE WHEN c.rule = 'form.fee_statement' THEN c.passed END) AS fee_statement,
  group_concat(CASE WHEN c.passed = 0 THEN c.rule || ' ' || c.scope || ': ' || c.detail END, '; ') AS failures
FROM reports r JOIN checks c ON c.report_id = r.id AND c.rule LIKE 'form.%'
GROUP BY r.id"""


VIEW_NAMES = (
    "report_summary",
    "active_disclosure_wide",
    "applications_wide",
    "review_litigation_wide",
    "year_over_year",
    "report_compliance",
)


def create_views(db) -> None:
    """(Re)create every view: dropped first, so that a later migration can call this again after a change."""
    for name in reversed(VIEW_NAMES):
        db.execute(f"DROP VIEW IF EXISTS {name}")
    db.execute(report_summary_sql())
    for table in ("active_disclosure", "applications", "review_litigation"):
        db.execute(wide_view_sql(table))
    db.execute(year_over_year_sql())
    db.execute(report_compliance_sql())
