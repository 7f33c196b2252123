"""Section splitting against every text/HTML/Markdown answer key of the corpus."""

import re

import pytest

from pipelines.formats import to_document
from pipelines.sections import report_sections, section_checks, split_sections
from tests.conftest import answer_keys, corpus_dir, corpus_doc

KEYS = answer_keys()


def _start(body: str, markdown: bool) -> str:
    """The key's convention: whitespace removed (and Markdown markup for Markdown conversions), 12 chars."""
    body = re.sub(r"\s", "", body)
    if markdown:
        body = re.sub(r"[#|]|:?-{3,}:?", "", body)
    return body[:12]


@pytest.mark.parametrize("key", KEYS, ids=[key["doc"] for key in KEYS])
def test_sections_match_the_answer_key(key):
    path = corpus_doc(key["doc"])
    document = to_document(path.read_bytes(), filename=path.name)
    sections = split_sections(document.text)
    assert [section.number for section in sections] == key["sections_present"]
    markdown = "markdown markup" in key["notes"]  # the key's stated convention for its section_starts
    starts = {str(section.number): _start(section.body, markdown) for section in sections}
    assert starts == {number: start for number, start in key["section_starts"].items() if number in starts}


def test_headings_inline_in_one_long_line():
    text = "前言。　　一、总体情况　　2022年，本机关…二、主动公开政府信息情况第二十条　　三、收到和处理政府信息公开申请情况无。"
    sections = split_sections(text.replace("\u3000", " "))
    assert [(s.number, s.heading) for s in sections] == [
        (1, "一、总体情况"),
        (2, "二、主动公开政府信息情况"),
        (3, "三、收到和处理政府信息公开申请情况"),
    ]
    assert sections[1].body == "第二十条"


def test_heading_variants_and_typos():
    text = (
        "一.总体情况\n正文\n二、主动公开政府信息情况\n表\n三、收到和处理政府信息公开情况\n表\n"
        "四、政府信息公开行政法复议、行政诉讼情况\n表\n五、存在的主要问题及下步改进措施\n改进\n六、其它需要报告的事项\n无"
    )
    assert [s.number for s in split_sections(text)] == [1, 2, 3, 4, 5, 6]


def test_table_row_labels_are_not_section_headings():
    text = (
        "一、总体情况\n正文\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 3\n"
        "二、上年结转政府信息公开申请数量 | 0\n四、结转下年度继续办理 | 0\n四、政府信息公开行政复议、行政诉讼情况\n无"
    )
    assert [s.number for s in split_sections(text)] == [1, 3, 4]


def test_a_text_without_headings_has_no_sections():
    assert split_sections("这是一段与年报无关的文字。三、依申请公开情况 四、行政复议数量") == []


ATTACHMENT_KEYS = answer_keys((".pdf", ".docx"))


@pytest.mark.parametrize("key", ATTACHMENT_KEYS, ids=[key["doc"] for key in ATTACHMENT_KEYS])
def test_sections_of_attachment_formats(key):
    """PDF/DOCX: same sections; a body that opens with a table grid is flattened row by row (a | b), while
    the key followed pdfplumber's page reading order, so only bodies that open with text are compared."""
    path = corpus_doc(key["doc"])
    document = to_document(path.read_bytes(), filename=path.name)
    sections = split_sections(document.text)
    assert [section.number for section in sections] == key["sections_present"]
    compared = 0
    for section in sections:
        if " | " not in section.body.split("\n", 1)[0]:
            assert _start(section.body, False) == key["section_starts"][str(section.number)]
            compared += 1
    assert compared >= 3


def test_headings_glued_to_the_table_digits_before_them():
    """One-line page text: the heading follows the last cell with no break; the digits stay with the table."""
    text = (
        "一、总体情况　　本机关认真贯彻条例。二、主动公开政府信息情况第二十条第（八）项行政事业性收费1836.5"
        "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和）申请人情况…"
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼00000000"
        "五、存在的主要问题及改进情况（一）解读形式单一。六、其他需要报告的事项无。"
    )
    sections = split_sections(text)
    assert [s.number for s in sections] == [1, 2, 3, 4, 5, 6]
    assert sections[1].body.endswith("行政事业性收费1836.5")
    assert sections[2].heading == "三、收到和处理政府信息公开申请情况"
    assert sections[3].body.endswith("00000000")
    assert sections[4].heading == "五、存在的主要问题及改进情况" and sections[4].body == "（一）解读形式单一。"
    assert "".join(s.heading + s.body for s in sections) == text.replace("\u3000", "")


def test_a_heading_inside_a_paragraph_after_full_width_spaces():
    text = (
        "一、总体情况\n做好公开工作。\n二、主动公开政府信息情况\n表\n三、收到和处理政府信息公开申请情况\n表\n"
        "四、政府信息公开行政复议、行政诉讼情况\n无。继续做好工作。　　五、存在的主要问题及改进情况　　一是…"
    )
    sections = split_sections(text)
    assert [s.number for s in sections] == [1, 2, 3, 4, 5]
    assert sections[3].body == "无。继续做好工作。"


def test_older_numbering_maps_onto_the_six_topics():
    """The 2008 form: 四、收费及减免 has no place among the six, so it stays (verbatim) in section 3's body."""
    text = (
        "一、概述\n正文\n二、主动公开政府信息情况\n正文\n三、依申请公开政府信息情况\n正文\n"
        "四、政府信息公开的收费及减免情况\n未收费。\n五、因政府信息公开申请行政复议、提起行政诉讼的情况\n无。\n"
        "六、政府信息公开工作存在的主要问题及改进情况\n改进。\n七、其他需要报告的事项\n无。"
    )
    sections = split_sections(text)
    assert [(s.number, s.heading[:2]) for s in sections] == [
        (1, "一、"), (2, "二、"), (3, "三、"), (4, "五、"), (5, "六、"), (6, "七、"),
    ]  # fmt: skip
    assert sections[2].body == "正文\n四、政府信息公开的收费及减免情况\n未收费。"


@pytest.mark.parametrize(
    ("name", "headings"),
    [
        ("101_hebei-hrss-dept-2018-pre2019.txt", ["一、围绕建设法治人社", "二、加大就业社保人才", "三、围绕社会重大关切",
                                                  "四、依法实施政府信息", "五、全面深化“放管服", "六、落实制度要求加强"]),
        ("102_hebei-industry-it-dept-2018-pre2019.txt", ["一、基本情况", "二、公开政府信息情况", "三、回应解读情况",
                                                         "四、主要问题和改进措施"]),
    ],
)  # fmt: skip
def test_older_reports_keep_their_printed_parts(name, headings):
    """Not the template's six parts: the printed parts, numbered as printed, bodies verbatim, and a check says so."""
    text = (corpus_dir() / "extra" / name).read_text(encoding="utf-8")
    sections = report_sections(text)
    assert [s.number for s in sections] == list(range(1, len(headings) + 1))
    assert [s.heading[: len(h)] for s, h in zip(sections, headings, strict=True)] == headings
    assert all(section.body and section.body in text for section in sections)  # verbatim
    checks = section_checks(sections)
    assert [(c.rule, c.scope, c.passed) for c in checks] == [("sections", "numbering", True)]
    assert split_sections(text) == []  # the template's headings alone would find no report


def test_numbered_parts_in_a_text_that_names_no_report_are_not_sections():
    text = "通知\n一、会议时间\n下午三点。\n二、参会人员\n全体。\n三、有关要求\n准时。"
    assert report_sections(text) == []
    assert [s.number for s in report_sections(text, title="某局2018年政府信息公开工作年度报告")] == [1, 2, 3]


def test_the_template_numbering_needs_no_check():
    text = "一、总体情况\n正文\n二、主动公开政府信息情况\n表\n三、收到和处理政府信息公开申请情况\n表"
    assert section_checks(report_sections(text)) == []
