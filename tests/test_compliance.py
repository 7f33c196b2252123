"""Compliance with the mandated form (pipelines/compliance.py) on small texts that follow or break it."""

from __future__ import annotations

import pytest

from pipelines.compliance import STATUTORY_HEADINGS, compliance_checks
from pipelines.sections import split_sections
from pipelines.tables.model import TableExtraction

BODIES = {
    1: "本年度，本机关认真贯彻落实《条例》。",
    2: "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数\n规章 | 0 | 0 | 0",
    3: "本年新收政府信息公开申请数量 | 3\n（七）总计 | 3",
    4: "行政复议 | 行政诉讼\n结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计",
    5: "一是解读不够深入。下一步将加强培训。",
    6: "本年度未收取信息处理费。无其他需要报告的事项。",
}
ALL_TABLES = {"active_disclosure": "v2021", "applications": "v2021", "review_litigation": "v2021"}


def report(headings: dict[int, str] | None = None, bodies: dict[int, str] | None = None, order=range(1, 7)) -> str:
    headings = {**STATUTORY_HEADINGS, **(headings or {})}
    bodies = {**BODIES, **(bodies or {})}
    return "示例县人民政府2023年政府信息公开工作年度报告\n" + "\n".join(
        f"{headings[n]}\n{bodies[n]}" for n in order if headings[n] is not None
    )


def failed(text: str, year: int | None = 2023, tables: dict[str, str] | None = None) -> dict[tuple[str, str], str]:
    extraction = TableExtraction(table_templates=ALL_TABLES if tables is None else tables)
    checks = compliance_checks(split_sections(text), extraction, text, year)
    assert all(c.rule.startswith("form.") and not c.hard for c in checks)
    return {(c.rule, c.scope): c.detail for c in checks if not c.passed}


def test_a_report_that_follows_the_form_passes_every_check():
    text = report()
    extraction = TableExtraction(table_templates=ALL_TABLES)
    checks = compliance_checks(split_sections(text), extraction, text, 2023)
    assert {c.rule for c in checks} == {f"form.{r}" for r in ("section", "order", "numbering", "heading", "table",
                                                              "fee_statement")}  # fmt: skip
    assert [c for c in checks if not c.passed] == []


def test_a_missing_section_is_named():
    problems = failed(report(headings={5: None}))
    assert list(problems) == [("form.section", "5")]
    assert "五、存在的主要问题及改进情况" in problems[("form.section", "5")]


def test_sections_out_of_order():
    problems = failed(report(order=(1, 2, 4, 3, 5, 6)))
    assert ("form.order", "sections") in problems
    assert ("form.section", "3") not in problems  # there, only in the wrong place
    assert "三依申请公开" in problems[("form.order", "sections")].replace(" ", "")


def test_misnumbered_section():
    problems = failed(report(headings={5: "四、存在的主要问题及改进情况"}))
    assert problems[("form.numbering", "5")].endswith("the form numbers it 五")
    assert ("form.heading", "5") not in problems  # the wording is right; only the numeral is wrong


def test_heading_in_other_words():
    problems = failed(report(headings={4: "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"}))
    assert list(problems) == [("form.heading", "4")]


@pytest.mark.parametrize("variant", ["五.存在的主要问题及改进情况", "五、 存在的主要问题及改进情况"])
def test_punctuation_and_spacing_of_the_numbering_are_not_wording(variant):
    assert ("form.heading", "5") not in failed(report(headings={5: variant}))


def test_missing_table_and_table_in_the_wrong_section():
    missing = failed(report(), tables={k: v for k, v in ALL_TABLES.items() if k != "review_litigation"})
    assert "not found" in missing[("form.table", "review_litigation")]
    moved = failed(report(bodies={4: "本年度未发生行政复议。", 5: BODIES[4] + "\n一是解读不够深入。"}))
    assert "printed in section 五" in moved[("form.table", "review_litigation")]


def test_fee_statement_from_2021_on():
    assert ("form.fee_statement", "6") not in failed(report())
    no_fee = report(bodies={6: "无其他需要报告的事项。"})
    assert "no statement" in failed(no_fee)[("form.fee_statement", "6")]
    elsewhere = report(bodies={6: "无其他需要报告的事项。", 1: "本年度未收取信息处理费。"})
    assert "section 一" in failed(elsewhere)[("form.fee_statement", "6")]
    assert not failed(no_fee, year=2020)  # the 2019 form did not ask for it


def test_reports_before_the_form_are_not_checked():
    text = report(headings={5: None})
    assert compliance_checks(split_sections(text), TableExtraction(table_templates=ALL_TABLES), text, 2018) == []
