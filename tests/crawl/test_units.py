"""Pure helpers on hand-made inputs: file names, magic bytes, attachment links, encodings, block
detection, paging scripts, titles and dates of listing rows."""

from urllib.parse import quote

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.families import attachments as att
from crawler.families.static import script_next_page
from crawler.middlewares import EncodingFixMiddleware, block_reason
from pipelines.dates import parse_date
from pipelines.titles import is_report_title, title_year

NAME = "示例县2023年年报.pdf"


@pytest.mark.parametrize(
    "header",
    [
        f"attachment; filename*=UTF-8''{quote(NAME)}",
        'attachment;filename="' + NAME.encode("gbk").decode("latin-1") + '"',  # Java getBytes("gbk") idiom
        "attachment;filename=" + NAME.encode("utf-8").decode("latin-1"),
        f"attachment; filename={quote(NAME, encoding='gbk')}",
        f'attachment; filename="{quote(NAME)}"',
    ],
)
def test_content_disposition_names(header):
    assert att.disposition_filename(header.encode("latin-1")) == NAME


def test_file_name_fallbacks():
    assert att.file_name(None, "附件：年报全文", "http://x/downfile.jsp?classid=0&filename=ab12.pdf") == "年报全文.pdf"
    assert att.file_name(None, "", "http://x/P020240126512.pdf") == "P020240126512.pdf"
    assert att.file_name(b"attachment; filename=plain.docx", "年报", "http://x/a.pdf") == "plain.docx"


def test_magic_bytes():
    assert att.check_body(b"%PDF-1.4 ...", "a.pdf", "http://x/a.pdf") is None
    assert att.check_body(b"PK\x03\x04....", "a.docx", "http://x/a") is None
    assert (
        att.check_body(b"<!DOCTYPE html><html>error</html>", "a.pdf", "http://x/a.pdf")
        == "html page served instead of a file"
    )
    assert att.check_body(b"PK\x03\x04", "a.doc", "http://x/a.doc") == "expected doc (ole) but got zip"


def test_attachment_links_in_all_their_hiding_places():
    html = """<div>
      <a href="/module/download/downfile.jsp?classid=0&filename=8f3a.pdf">示例局2023年年报</a>
      <a href="javascript:void(0)" onclick="window.open('/files/b.docx')">b.docx</a>
      <a href="./P020240101.wps">文字版</a><a href="/show/2.html">下一篇</a>
      <iframe src="/pdfjs/web/viewer.html?file=%2Fdocs%2Fc.pdf"></iframe><embed src="/docs/d.ofd">
      <a href="/attach/get?id=5">年报（图片版）.xls</a></div>"""
    found = att.attachment_links(Selector(text=html), "http://x.gov.cn/nb/t1.html")
    assert [u for u, _ in found] == [
        "http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=8f3a.pdf",
        "http://x.gov.cn/files/b.docx",
        "http://x.gov.cn/nb/P020240101.wps",
        "http://x.gov.cn/attach/get?id=5",
        "http://x.gov.cn/docs/c.pdf",
        "http://x.gov.cn/docs/d.ofd",
    ]
    assert found[0][1] == "示例局2023年年报"


def gbk_page(title: str) -> bytes:
    return f'<html><head><meta charset="gbk"><title>{title}</title></head><body><p>{title}</p></body></html>'.encode(
        "gbk"
    )


@pytest.mark.parametrize("header", ["text/html; charset=utf-8", "text/html; charset=ISO-8859-1"])
def test_wrong_header_charset_is_redecoded(header):
    title = "示例县2023年政府信息公开工作年度报告"
    response = HtmlResponse("http://x/a.html", body=gbk_page(title), headers={"Content-Type": header})
    assert title not in response.text
    fixed = EncodingFixMiddleware().process_response(None, response)
    assert fixed.encoding == "gb18030" and fixed.css("title::text").get() == title


def test_right_header_is_left_alone():
    body = '<html><head><meta charset="gbk"></head><body><p>年度报告</p></body></html>'.encode()
    response = HtmlResponse("http://x/a.html", body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    assert EncodingFixMiddleware().process_response(None, response) is response


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (412, b"<script>var $_ts=window['$_ts']</script>", "http 412: ruishu js challenge ($_ts)"),
        (521, b"<script>document.cookie='__jsl_clearance=1'</script>", "http 521: jiasule cookie challenge (__jsl)"),
        (403, b"Forbidden", "http 403 forbidden"),
        (429, b"", "http 429 rate limited"),
        (200, "<p>请输入验证码</p>".encode(), "captcha/rate-limit page (请输入验证码)"),
        (200, "<p>页面不存在</p>".encode(), "soft 404 (页面不存在)"),
        (200, ("<p>页面不存在</p>" + "正文" * 3000).encode(), None),  # a long real page may say it in passing
        (200, "<p>年度报告</p>".encode(), None),
        (500, b"error", None),  # left to RetryMiddleware
    ],
)
def test_block_reasons(status, body, reason):
    assert block_reason(status, body, body.decode()) == reason


def test_paging_scripts():
    four = 'createPageHTML(3, 0, "index", "html");'
    assert script_next_page(four, "http://x/nb/index.html", 1) == "http://x/nb/index_1.html"
    assert script_next_page('createPageHTML(3, 2, "index", "html");', "http://x/nb/index_2.html", 3) is None
    six = "createPageHTML('page_div', 4, 1, 'xxgk_list', 'shtml', 37);"
    assert script_next_page(six, "http://x/nb/xxgk_list.shtml", 1) == "http://x/nb/xxgk_list_2.shtml"
    assert script_next_page(six.replace(" 1,", " 4,"), "http://x/nb/xxgk_list_4.shtml", 4) is None
    assert script_next_page("nsetpage(1, 37, 15)", "http://x/col/1_2/index.html", 1) == "http://x/col/1_2/index_2.html"
    assert script_next_page("nsetpage(3, 37, 15)", "http://x/col/1_2/index_3.html", 3) is None
    assert script_next_page("var countPage = 2//共多少页", "http://x/a/index.html", 1) == "http://x/a/index_1.html"


@pytest.mark.parametrize(
    ("title", "is_report", "year"),
    [
        ("示例县人民政府2023年政府信息公开工作年度报告", True, 2023),
        ("宿迁市 2025 年政府信息公开工作年度报告", True, 2025),
        ("２０２３年度示例局政府信息公开年报", True, 2023),
        ("关于示例县2019年政府信息公开工作年度报告", True, 2019),
        ("示例县2023年政府信息公开工作年度报告解读", False, 2023),
        ("示例县2024年政务公开工作要点", False, 2024),
        ("示例县2023年财政决算报告", False, 2023),
        ("政府信息公开指南", False, None),
    ],
)
def test_titles(title, is_report, year):
    assert is_report_title(title) is is_report
    assert title_year(title) == year


@pytest.mark.parametrize(
    "text",
    ["2024-01-26", "2024/1/26", "2024.01.26", "2024年1月26日", "[2024-01-26]", "2024-01-26  16:43", "2024-\n01-\n26"],
)
def test_dates(text):
    assert parse_date(text) == "2024-01-26"


def test_configured_page_url_template():
    from scrapy.http import Request

    from crawler.families.static import TrsSpider

    class Nanjing(TrsSpider):
        name = "t"
        page_urls, page_offset = "index_17431_{n}.html", -1  # index_17431.html, then _1, _2 … (0-based suffix)

    spider = Nanjing()
    column = "http://x/col/index_17431.html"
    meta = {"column": column, "page": 1}
    response = HtmlResponse(column, body=b"<html></html>", request=Request(column, meta=meta))
    assert spider.next_page(response) == "http://x/col/index_17431_1.html"
