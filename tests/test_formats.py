"""Format detection from content, encodings, and HTML → Document."""

import codecs

import pytest

from pipelines.document import DocumentError
from pipelines.formats import detect_format, to_document
from pipelines.formats.html import html_to_document
from pipelines.formats.text import decode_bytes, normalize_text

REPORT = "示例县人民政府2023年政府信息公开工作年度报告\n一、总体情况\n本年度收到申请３件。\n"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.7\n...", "report.txt", "pdf"),  # the extension lies: content wins
        (b"PK\x03\x04" + b"\0" * 26 + b"word/document.xml", "a.zip", "docx"),
        (b"PK\x03\x04" + b"\0" * 26 + b"xl/workbook.xml", None, "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "x.bin", "doc"),
        (b"\x89PNG\r\n\x1a\n....", "report.pdf", "image"),
        (b"  <!DOCTYPE html><html><body>x</body></html>", "report.txt", "html"),
        ("<p>一、总体情况</p>".encode(), None, "html"),
        (REPORT.encode(), "r.md", "markdown"),
        (REPORT.encode(), "r.txt", "text"),
    ],
)
def test_detect_format_from_content(data, filename, expected):
    assert detect_format(data, filename) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_decodes_every_encoding_of_chinese_text(encoding):
    data = REPORT.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text, _, _ = decode_bytes(data)
    assert text.lstrip("\ufeff") == REPORT


def test_a_few_invalid_utf8_bytes_are_replaced_with_a_warning():
    data = (REPORT * 50).encode() + b"\xff\xfe" + REPORT.encode()
    text, encoding, warnings = decode_bytes(data)
    assert encoding == "utf-8" and "invalid UTF-8" in warnings[0] and text.count("\ufffd") >= 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty document"), (b" \n\t ", "empty document"), (bytes(range(256)) * 40, "not text")],
)
def test_unreadable_bytes_raise_a_clear_reason(data, reason):
    with pytest.raises(DocumentError, match=reason):
        to_document(data, filename="x.txt")


def test_random_bytes_are_not_mistaken_for_gbk():
    import random

    rng = random.Random(7)
    data = bytes(rng.randrange(0x81, 0xFF) for _ in range(4000))
    with pytest.raises(DocumentError, match="not text"):
        decode_bytes(data)


def test_unsupported_formats_are_reported_not_crashed():
    with pytest.raises(DocumentError, match="corrupt image"):  # pictures are OCR'd (tests/formats/test_ocr.py)
        to_document(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(DocumentError, match="archive"):
        to_document(b"Rar!\x1a\x07\x00" + b"\0" * 100)


def test_normalize_full_width_digits_and_spaces():
    assert normalize_text("收到申请３件\u3000，共\xa0１０件\r\n") == "收到申请3件 ，共 10件\n"


def test_html_tables_become_grids_with_spans_and_blank_cells():
    html = (
        """<html><head><title>年报_示例县人民政府</title></head><body>
      <div class="nav">首页 > 政府信息公开</div>
      <div id="zoom"><p>一、总体情况</p><p>"""
        + "本机关全年主动公开信息。" * 30
        + """</p>
      <table><tr><td rowspan="2">申请人情况</td><td colspan="2">法人或其他<br>组织</td></tr>
             <tr><td><span>商业</span><span>企业</span></td><td>&nbsp;</td></tr>
             <tr><td>一、本年新收</td><td>３</td><td>-</td></tr></table>
      <p>二、主动公开</p></div><div class="footer">版权所有</div></body></html>"""
    )
    document = html_to_document(html)
    grid = document.grids[0]
    assert grid == [["申请人情况", "法人或其他\n组织", None], [None, "商业企业", ""], ["一、本年新收", "3", "-"]]
    assert "首页" not in document.text and "版权所有" not in document.text
    assert document.meta["title"] == "年报_示例县人民政府"


def test_layout_tables_are_read_as_text_not_as_data():
    body = "一、总体情况 " + "正文很长。" * 100
    html = f"<table><tr><td>导航</td><td><p>{body}</p><table><tr><td>规章</td><td>0</td></tr></table></td></tr></table>"
    document = html_to_document(html)
    assert document.grids == [[["规章", "0"]]]
    assert "正文很长" in document.text


def test_malformed_html_still_yields_text():
    document = html_to_document("<div><p>一、总体情况<table><tr><td>规章<td>3</table><p>二、主动公开")
    assert document.grids[0] == [["规章", "3"]]
