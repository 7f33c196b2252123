"""Section splitting against every text/HTML/Markdown answer key of the corpus."""

import re

import pytest

from pipelines.formats import to_document
from pipelines.sections import split_sections
from tests.conftest import answer_keys, corpus_doc

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
