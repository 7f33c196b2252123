"""Unit tests of the extractor's pieces: values, labels, glued runs, bounds, grids, checks, quality."""

from __future__ import annotations

import time

import pytest

from pipelines.document import Block, Document, table_block
from pipelines.formats.html import html_to_document
from pipelines.tables import carryover_checks, extract_tables, narrative_checks, quality
from pipelines.tables.flatten import Piece
from pipelines.tables.glued import row_candidates, sum_rule
from pipelines.tables.model import Cell
from pipelines.tables.solver import agree, app_equations, solve
from pipelines.tables.template import APP_COLS, REVIEW_COLS, REVIEW_ROWS, ad_rows, app_rows
from pipelines.tables.values import parse_value, split_unit

from .conftest import corpus_dir
from .render import APP_LABELS, GROUPS, TableSet, grid_document, text_document

COUNTS = ("count",) * 7


def cells_of(extraction, table: str) -> dict[tuple[str, str], Cell]:
    return {(c.row_key, c.col_key): c for c in extraction.cells if c.table_name == table}


def doc(text: str) -> Document:
    return Document(blocks=[Block(text=text)])


# ---- values ----


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("-15", "signed", -15),
        ("+82", "signed", 82),
        ("739.0766", "money", 739.0766),
        ("670.376375", "money", 670.376375),
        ("24252.311082万元", "money", 24252.311082),
        ("0", "money", 0.0),
        ("12", "count", 12),
        ("", "count", None),
        ("-", "count", None),
        ("—", "count", None),
        ("/", "count", None),
        ("无", "count", None),
    ],
)
def test_parse_value(raw: str, kind: str, value) -> None:
    got = parse_value(raw, kind)
    assert got == value and type(got) is type(value)


def test_unit_is_split_from_the_number() -> None:
    assert split_unit("102339.45万元") == ("102339.45", "万元")
    assert split_unit("5000元") == ("5000", "元")
    assert split_unit("12") == ("12", None)


# ---- glued runs: solved, not guessed ----


def test_011_new_received_has_three_r32_readings() -> None:
    result = row_candidates([Piece("num", "121010014")], COUNTS, rule=sum_rule(6))
    readings = {tuple(v for v, _ in r) for r in result.candidates}
    assert readings == {(12, 1, 0, 1, 0, 0, 14), (1, 2, 1, 0, 10, 0, 14), (1, 2, 10, 1, 0, 0, 14)}


def test_cross_row_rules_pick_the_one_consistent_reading() -> None:
    """R3.3 on results_total fixes the split, then R3.1 fixes 新收 (corpus 011)."""
    rows = {
        "new_received": row_candidates([Piece("num", "121010014")], COUNTS, rule=sum_rule(6)),
        "carried_over": row_candidates([Piece("num", "0000000")], COUNTS, rule=sum_rule(6)),
        "granted": row_candidates([Piece("num", "3101005")], COUNTS, rule=sum_rule(6)),
        "partially_granted": row_candidates([Piece("num", "1000001")], COUNTS, rule=sum_rule(6)),
        "unable_not_held": row_candidates([Piece("num", "8000008")], COUNTS, rule=sum_rule(6)),
        "results_total": row_candidates([Piece("num", "121010014")], COUNTS, rule=sum_rule(6)),
        "carried_forward": row_candidates([Piece("num", "0000000")], COUNTS, rule=sum_rule(6)),
    }
    keys = list(rows)
    solved = solve(rows, app_equations(keys, ["granted", "partially_granted", "unable_not_held"], 7))
    assert solved.status["results_total"] == solved.status["new_received"] == "unique"
    values = [v for v, _, _ in agree(solved.options["new_received"], 7)]
    assert values == [12, 1, 0, 1, 0, 0, 14]


def test_several_consistent_readings_leave_only_the_agreed_cells() -> None:
    """'22' with blanks dropped (corpus 010): the 2 can sit in any applicant column; only 总计 is certain."""
    result = row_candidates([Piece("num", "22")], COUNTS, allow_drops=True, rule=sum_rule(6))
    assert len(result.candidates) == 6
    settled = agree(result.candidates, 7)
    assert settled[6][:2] == (2, "2") and settled[6][2]
    assert all(not ok and value is None for value, _, ok in settled[:6])


def test_no_consistent_reading_is_reported_not_guessed() -> None:
    """'20000011' (corpus 008 results_total) has two 7-cell readings, neither satisfying R3.2."""
    result = row_candidates([Piece("num", "20000011")], COUNTS, rule=sum_rule(6))
    assert result.rule_failed and len(result.candidates) == 2


def test_a_57_digit_run_with_one_reading_is_read() -> None:
    """Six 8-digit cells and their 9-digit total: the length of the run costs no bound (it used to)."""
    digits = "99999999" * 6 + "599999994"
    start = time.perf_counter()
    result = row_candidates([Piece("num", digits)], COUNTS, allow_drops=True, rule=sum_rule(6))
    assert time.perf_counter() - start < 0.5
    assert result.count == 1 and not result.bounded and not result.rule_failed
    assert [v for v, _ in result.candidates[0]] == [99999999] * 6 + [599999994]


@pytest.mark.parametrize("digits", ["9" * 200, "1" * 64])
def test_a_run_too_long_for_the_row_has_no_reading(digits: str) -> None:
    """More digits than seven 9-digit cells can hold: no reading, so the row is reported unreadable."""
    start = time.perf_counter()
    result = row_candidates([Piece("num", digits)], COUNTS, allow_drops=True, rule=sum_rule(6))
    assert time.perf_counter() - start < 0.5
    assert result.count == 0 and not result.candidates


def test_rule_failing_long_run_keeps_every_reading_counted() -> None:
    """No reading of this 60-digit run satisfies R3.2: all readings are kept (rule_failed), counted exactly."""
    result = row_candidates([Piece("num", "1234567890" * 6)], COUNTS, rule=sum_rule(6))
    assert result.rule_failed and result.count == len(result.candidates) > 1
    assert all("".join(raw for _, raw in r) == "1234567890" * 6 for r in result.candidates)


def test_review_run_from_the_issue_is_ambiguous_only_where_r41_allows() -> None:
    """'21003110101200000' (15 cells, no blanks dropped): R4.1 fixes 复议 (2,1,0,0,3), 复议后起诉 (0,0,0,0,0)
    and the 直接起诉 total 12, but 1+1+0+10, 1+10+1+0 and 11+0+1+0 all make 12: those four cells stay NULL."""
    from pipelines.tables.glued import blocks_rule

    result = row_candidates([Piece("num", "21003110101200000")], ("count",) * 15, rule=blocks_rule(5))
    assert result.count == 3
    settled = agree(result.candidates, 15)
    assert [v for v, _, ok in settled if ok] == [2, 1, 0, 0, 3, 12, 0, 0, 0, 0, 0]
    assert [i for i, (_, _, ok) in enumerate(settled) if not ok] == [5, 6, 7, 8]


def test_unresolved_glued_row_gives_null_raw_and_failed_split_check() -> None:
    text = (
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
        "规章000行政规范性文件5426第二十条第（五）项信息内容本年处理决定数量行政许可194"
        "第二十条第（六）项信息内容本年处理决定数量行政处罚46行政强制0"
        "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费650.6三、收到和处理政府信息公开申请情况"
    )
    extraction = extract_tables(doc(text))
    ad = cells_of(extraction, "active_disclosure")
    assert [ad[("normative_docs", c)].value for c in ("issued", "repealed", "in_force")] == [None, None, None]
    assert ad[("normative_docs", "issued")].raw == "5426"
    assert ad[("admin_licensing", "decisions")].value == 194
    assert ad[("admin_fees", "fee_amount")].value == 650.6 and ad[("admin_fees", "fee_amount")].unit == "万元"
    split = [c for c in extraction.checks if c.rule == "split" and not c.passed]
    assert [c.scope for c in split] == ["active_disclosure.normative_docs"]
    assert "(5,4,26)" in split[0].detail and "(54,2,6)" in split[0].detail
    assert quality(extraction)[0] == "warning"


# ---- labels ----


def _zero_table(ts_version: str = "v2021") -> TableSet:
    ts = TableSet(ts_version, ts_version == "v2019")
    for spec in ad_rows(ts_version):
        ts.active[spec.key] = {c: "0" for c in spec.cols}
    for spec in app_rows(ts.collapsed):
        ts.applications[spec.key] = {c: "0" for c in APP_COLS}
    ts.review = {r: {c: "0" for c in REVIEW_COLS} for r in REVIEW_ROWS}
    return ts


def test_label_typos_and_traditional_characters() -> None:
    ts = _zero_table()
    ts.applications["denied_law_prohibited"] = {
        c: "3" if c in ("natural_person", "total") else "0" for c in ts.applications["new_received"]
    }
    ts.applications["results_total"] = dict(ts.applications["denied_law_prohibited"])
    ts.applications["new_received"] = dict(ts.applications["denied_law_prohibited"])
    text = text_document(ts, "pipes").text.replace("其他法律行政法规禁止公开", "其他法律行政止公开")
    text = text.replace("本年废止件数", "本年度止件数")
    traditional = text.translate(str.maketrans("开请数规处书关诉讼议结转计总", "開請數規處書關訴訟議結轉計總"))
    for variant in (text, traditional):
        extraction = extract_tables(doc(variant))
        app = cells_of(extraction, "applications")
        assert app[("denied_law_prohibited", "natural_person")].value == 3
        assert extraction.table_templates == {
            "active_disclosure": "v2021",
            "applications": "v2021",
            "review_litigation": "v2021",
        }
        assert quality(extraction)[0] == "ok", quality(extraction)[1]


def test_label_split_by_spaces_and_line_breaks() -> None:
    text = text_document(_zero_table(), "pipes").text.replace("本机关不掌握相关政府信息", "本机关不 掌\n握相关政府信息")
    extraction = extract_tables(doc(text))
    assert all(c.value == 0 for c in extraction.cells)
    assert not [c for c in extraction.checks if not c.passed]


def test_unknown_row_is_kept_not_assigned() -> None:
    text = text_document(_zero_table(), "pipes").text.replace(
        "3.其他 |", "（省级增设）其他渠道申请 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n3.其他 |", 1
    )
    extraction = extract_tables(doc(text))
    assert ("applications", "（省级增设）其他渠道申请", ["5", "0", "0", "0", "0", "0", "5"]) in extraction.extra_rows
    assert any(c.rule == "label" and not c.passed for c in extraction.checks)
    assert all(c.value == 0 for c in extraction.cells)
    assert quality(extraction)[0] == "warning"


# ---- grids ----

HTML = """<html><body><div class="article">
<p>二、主动公开政府信息情况</p>
<table>
<tr><td colspan="4"><span>第二十条第（一）项</span></td></tr>
<tr><td>信息内容</td><td>本年<br>制发件数</td><td>本年<br>废止件数</td><td>现行<br>有效件数</td></tr>
<tr><td><span>规</span><span>章</span></td><td>1</td><td>&nbsp;</td><td>3</td></tr>
<tr><td>行政规范性文件</td><td>2</td><td>0</td><td>—</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">517645</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3">693957</td></tr>
<tr><td>行政强制</td><td colspan="3"></td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">4068.208</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p><p>本年度未收到政府信息公开申请。</p>
<p>四、政府信息公开行政复议、行政诉讼情况</p><p>本年度未发生行政复议、行政诉讼案件。</p>
<p>五、存在的主要问题及改进情况</p></div></body></html>"""


def test_html_grid_with_merged_cells_blanks_and_breaks() -> None:
    extraction = extract_tables(html_to_document(HTML))
    ad = cells_of(extraction, "active_disclosure")
    assert (ad[("regulations", "issued")].value, ad[("regulations", "repealed")].value) == (1, None)
    assert ad[("regulations", "in_force")].value == 3
    assert (ad[("normative_docs", "in_force")].value, ad[("normative_docs", "in_force")].raw) == (None, "—")
    assert ad[("admin_licensing", "decisions")].value == 517645
    assert ad[("admin_coercion", "decisions")].value is None
    fee = ad[("admin_fees", "fee_amount")]
    assert (fee.value, fee.unit) == (4068.208, "万元")
    # tables replaced by sentences are absent, not zeros
    assert extraction.tables_found == {"active_disclosure"}
    assert extraction.template == "v2021"


def test_blank_template_grid_is_all_null_v2021() -> None:
    """Corpus 028 (DOCX blank template): every cell NULL, never 0; merged text repeated by the converter."""
    ts = _zero_table()
    for table in (ts.active, ts.applications, ts.review):
        for row in table.values():
            for col in row:
                row[col] = ""
    document = grid_document(ts, style=2)  # blank cells as full-width spaces
    for block in document.blocks:
        if block.grid is not None:
            for row in block.grid:
                for i, cell in enumerate(row):
                    if cell is None and i > 0 and row[i - 1]:
                        row[i] = row[i - 1]  # python-docx repeats merged text across the span
    extraction = extract_tables(Document(blocks=[table_block(b.grid) if b.grid else b for b in document.blocks]))
    assert len(extraction.cells) == 10 + 175 + 15
    assert all(c.value is None for c in extraction.cells)
    assert extraction.template == "v2021"


# ---- pre-2019 ----


def test_pre2019_indicator_table_is_not_forced_into_cells() -> None:
    text = (corpus_dir() / "docs" / "027_hebei-education-dept-2018-stats-table.txt").read_text(encoding="utf-8")
    extraction = extract_tables(doc(text))
    assert extraction.template == "pre2019" and not extraction.cells
    by_label = {i.label: i for i in extraction.indicators}
    assert by_label["（一）收到申请数"].value == 1 and by_label["（一）收到申请数"].unit == "件"
    assert by_label["（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条)"].value == 1683
    assert any(i.path and i.path.startswith("三、依申请公开情况") for i in extraction.indicators)


# ---- soft checks ----


def test_narrative_checks_compare_quoted_numbers() -> None:
    cells = [
        Cell("applications", "new_received", "total", 28),
        Cell("applications", "carried_over", "total", 2),
        Cell("applications", "results_total", "total", 30),
    ]
    checks = narrative_checks("本年度共收到政府信息公开申请28件，办结30件。另受理申请31件。", cells)
    assert [(c.scope, c.passed, c.hard) for c in checks] == [
        ("new_received.total", True, False),
        ("new_received.total", False, False),
        ("results_total.total", True, False),
    ]


def test_carryover_checks_across_years() -> None:
    prev = [
        Cell("applications", "carried_forward", "natural_person", 3),
        Cell("applications", "carried_forward", "total", 3),
        Cell("active_disclosure", "normative_docs", "in_force", 49),
    ]
    cur = [
        Cell("applications", "carried_over", "natural_person", 3),
        Cell("applications", "carried_over", "total", 4),
        Cell("active_disclosure", "normative_docs", "in_force", 53),
        Cell("active_disclosure", "normative_docs", "issued", 1),
        Cell("active_disclosure", "normative_docs", "repealed", 1),
    ]
    checks = {c.scope: c for c in carryover_checks(prev, cur)}
    assert checks["natural_person"].passed and not checks["total"].passed
    assert not checks["normative_docs.in_force"].passed and not checks["normative_docs.in_force"].hard


# ---- rules and quality ----


def test_published_rule_violation_is_kept_and_reported() -> None:
    ts = _zero_table()
    ts.applications["granted"]["natural_person"] = "5"  # total stays 0: R3.2 and R3.3 break
    extraction = extract_tables(text_document(ts, "tabs"))
    app = cells_of(extraction, "applications")
    assert app[("granted", "natural_person")].value == 5
    failed = {(c.rule, c.scope) for c in extraction.checks if not c.passed}
    assert {("R3.2", "granted"), ("R3.3", "natural_person")} <= failed
    assert quality(extraction)[0] == "warning"


def test_all_blank_rule_is_vacuous_and_says_so() -> None:
    ts = _zero_table()
    ts.applications["denied_state_secret"] = {c: "" for c in ts.applications["denied_state_secret"]}
    extraction = extract_tables(text_document(ts, "pipes"))
    r32 = next(c for c in extraction.checks if c.rule == "R3.2" and c.scope == "denied_state_secret")
    assert r32.passed and r32.detail.startswith("vacuous")


def test_zero_table_report_is_ok() -> None:
    extraction = extract_tables(text_document(_zero_table("v2019"), "blank_lines"))
    assert quality(extraction) == ("ok", [])
    assert extraction.template == "v2019"


def test_extraction_carries_soft_narrative_checks() -> None:
    text = (corpus_dir() / "docs" / "002_a940ca4a84d42417.txt").read_text(encoding="utf-8")
    extraction = extract_tables(doc(text))
    soft = [c for c in extraction.checks if c.rule == "narrative"]
    assert soft and all(c.passed and not c.hard for c in soft)
    assert quality(extraction)[0] == "ok"


def test_cells_with_thousands_separators_and_count_units() -> None:
    ts = _zero_table()
    ts.applications["new_received"] = {c: "0" for c in APP_COLS}
    text = (
        text_document(ts, "tabs").text.replace("行政许可\t0", "行政许可\t1,234").replace("行政处罚\t0", "行政处罚\t5件")
    )
    ad = cells_of(extract_tables(doc(text)), "active_disclosure")
    assert ad[("admin_licensing", "decisions")].value == 1234
    assert ad[("admin_penalty", "decisions")].value == 5


def _application_html(ts: TableSet) -> str:
    """The official table 三 as HTML: rowspan group labels, colspan headers, values in <span> runs."""
    spans = {"granted": 22, "denied_state_secret": 8, "unable_not_held": 3, "not_processed_complaint": 5}
    spans["other_no_correction"] = 3
    rows = [
        '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，<br>等于第三项加第四项之和）</td>'
        '<td colspan="7">申请人情况</td></tr>',
        '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
        "<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会公益<br>组织</td><td>法律服务<br>机构</td><td>其他</td></tr>",
    ]
    for spec in app_rows(False):
        values = "".join(f"<td><span>{ts.applications[spec.key][c] or '&nbsp;'}</span></td>" for c in APP_COLS)
        label = APP_LABELS[spec.key]
        if spec.key in ("new_received", "carried_over", "carried_forward"):
            head = f'<td colspan="3">{label}</td>'
        elif spec.key in ("granted", "partially_granted", "results_total"):
            group = '<td rowspan="22">三、本年度办理结果</td>' if spec.key == "granted" else ""
            head = f'{group}<td colspan="2">{label}</td>'
        else:
            group = f'<td rowspan="{spans[spec.key]}">{GROUPS[spec.key]}</td>' if spec.key in spans else ""
            head = f"{group}<td>{label}</td>"
        rows.append(f"<tr>{head}{values}</tr>")
    table = "<table>" + "".join(rows) + "</table>"
    return (
        "<html><body><div class='main'><p>三、收到和处理政府信息公开申请情况</p>"
        f"{table}<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p></div></body></html>"
    )


def test_html_application_table_through_the_html_converter() -> None:
    ts = _zero_table()
    ts.applications["new_received"].update(natural_person="27", commercial="1", total="28")
    ts.applications["granted"].update(natural_person="16", total="16")
    ts.applications["unable_not_held"].update(natural_person="11", commercial="1", total="12")
    ts.applications["results_total"].update(natural_person="27", commercial="1", total="28")
    ts.applications["carried_over"]["research"] = ""
    extraction = extract_tables(html_to_document(_application_html(ts)))
    app = cells_of(extraction, "applications")
    for (row, col), cell in app.items():
        assert cell.value == parse_value(ts.applications[row][col], "count"), (row, col)
    assert app[("carried_over", "research")].value is None
    assert not [c for c in extraction.checks if not c.passed and c.rule != "narrative"]


def test_pre2019_table_with_year_and_cumulative_columns() -> None:
    text = "指标名称\n计量单位\n年度\n历年累计\n一、主动公开情况\n（一）主动公开政府信息数\n条\n120\n3400\n（二）其中规范性文件\n件\n4\n56\n"
    extraction = extract_tables(doc(text))
    got = [(i.label, i.unit, i.period, i.value) for i in extraction.indicators]
    assert got == [
        ("（一）主动公开政府信息数", "条", "年度", 120),
        ("（一）主动公开政府信息数", "条", "历年累计", 3400),
        ("（二）其中规范性文件", "件", "年度", 4),
        ("（二）其中规范性文件", "件", "历年累计", 56),
    ]
    assert extraction.template == "pre2019"


def test_padding_position_is_a_reading_not_a_guess() -> None:
    """'label⇥⇥0…0⇥' with one surplus blank: padding at the front or a blank 总计 at the end — both obey R3.2."""
    row = [Piece("blank", ""), *[Piece("num", "0")] * 6, Piece("blank", "")]
    result = row_candidates(row, COUNTS, rule=sum_rule(6))
    assert len(result.candidates) == 2
    settled = agree(result.candidates, 7)
    assert [ok for _, _, ok in settled] == [False, True, True, True, True, True, False]
    unique = row_candidates(
        [Piece("blank", ""), *[Piece("num", "1")] * 6, Piece("num", "6"), Piece("blank", "")], COUNTS
    )
    assert [v for v, _ in unique.candidates[0]] == [1, 1, 1, 1, 1, 1, 6]


def test_ordinal_with_dunhao_is_not_a_value() -> None:
    from pipelines.tables.values import split_piece

    assert split_piece("2、申请人逾期未按") == [("text", "2、申请人逾期未按")]
    assert split_piece("00000002、其他") == [("num", "0000000"), ("text", "2、其他")]


def test_blank_template_is_not_ok() -> None:
    ts = _zero_table()
    for table in (ts.active, ts.applications, ts.review):
        for row in table.values():
            for col in row:
                row[col] = ""
    level, reasons = quality(extract_tables(grid_document(ts)))
    assert level == "warning" and any("every cell blank" in r for r in reasons)


@pytest.mark.parametrize(
    "text",
    [
        "2017年政府信息公开工作年度报告\n一、概述\n本机关公开信息120条。\n附表\n指标 | 单位 | 数量\n"
        "一、主动公开情况 | | \n（一）主动公开政府信息数 | 条 | 120\n二、依申请公开情况 | | \n（一）收到申请数 | 件 | 3\n",
        "项目\t单位\t数量\n一、主动公开情况\t\t\n（一）主动公开政府信息数\t条\t120\n二、依申请公开情况\t\t\n（一）收到申请数\t件\t3\n",
    ],
)
def test_pre2019_tables_with_other_header_words_are_indicators(text: str) -> None:
    """«指标 | 单位 | 数量» and «项目 | 单位 | 数量» headers (not only 统计指标 / 指标名称): template pre2019."""
    extraction = extract_tables(doc(text))
    got = [(i.path, i.label, i.unit, i.value) for i in extraction.indicators]
    assert got == [
        ("一、主动公开情况", "（一）主动公开政府信息数", "条", 120),
        ("二、依申请公开情况", "（一）收到申请数", "件", 3),
    ]
    assert extraction.template == "pre2019" and not extraction.cells


def test_a_row_with_too_many_readings_to_list_is_narrowed_by_the_column_rules() -> None:
    """'21212121212' (its printed total breaks R3.2, so all 12,327 readings are kept — too many to list):
    R3.1 against the separately printed 总计 row pins every column, and the row is re-read under those values."""
    new = row_candidates([Piece("num", "21212121212")], COUNTS, allow_drops=True, rule=sum_rule(6))
    assert new.rule_failed and new.count == 12327 and not new.listed
    printed = [Piece("num", v) for v in ("2", "12", "12", "12", "12", "1", "2")]
    zeros = [Piece("num", "0")] * 7
    rows = {
        "new_received": new,
        "carried_over": row_candidates(zeros, COUNTS),
        "granted": row_candidates(printed, COUNTS),
        "results_total": row_candidates(printed, COUNTS),
        "carried_forward": row_candidates(zeros, COUNTS),
    }
    solved = solve(rows, app_equations(list(rows), ["granted"], 7))
    assert solved.rows["new_received"].status == "unique"
    assert [v for v, _, _ in agree(solved.rows["new_received"].readings, 7)] == [2, 12, 12, 12, 12, 1, 2]
