"""crawler/discovery.py: the pure rules that lead from a home page to the 年报 column (no fetching)."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.discovery import (
    Fetch,
    Step,
    Walk,
    candidates,
    classify,
    column_check,
    column_score,
    convention_urls,
    gkmlpt_column,
    identity,
    is_javascript_only,
    redirect_target,
    report_parent,
    same_site,
    section_score,
    site_id_code,
    site_key,
)

HOME = "http://www.example.gov.cn/"


def sel(html: str) -> Selector:
    return Selector(text=html)


@pytest.mark.parametrize(
    "text",
    ["政府信息公开年报", "政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开年报", "政府信息公开报告",
     "公开年报", "年度报告", "年报", "政府 信息公开 年报", "政府信息公开年报（部门）", "» 年度报告 >", "年报(12)",
     "【政府信息公开年报】"],
)  # fmt: skip
def test_column_labels_are_recognised(text):
    assert column_score(text) > 0


@pytest.mark.parametrize(
    "text",
    ["政府网站年度报表", "网站工作年度报表", "部门决算报告", "2023年部门预算报告", "履行教育职责自查自评报告",
     "示例县2023年政府信息公开工作年度报告", "政府工作报告", "年报解读", "统计公报", "新闻动态", ""],
)  # fmt: skip
def test_false_friends_and_single_reports_are_not_the_column(text):
    assert column_score(text) == 0


def test_section_labels():
    assert section_score("政务公开") > 0 and section_score("政府信息公开") > section_score("主动公开") > 0
    assert section_score("政府信息公开年报") == 0  # that is the column itself
    assert section_score("政务服务") == 0 and section_score("政务公开工作要点") == 0
    assert section_score("【政务公开】") == section_score("政务公开")  # menu decoration is not part of the label


def test_navigation_blocks_rank_first_and_footers_last():
    page = sel(
        """<div class="main"><a href="/news/nb/">年度报告</a></div>
        <div class="navLeft"><a href="/zfxxgk/nb/">年度报告</a></div>
        <div class="footer"><a href="/foot/nb/">政府信息公开年报</a></div>"""
    )
    found = candidates(page, HOME, site_key(HOME))
    assert [c.url.removeprefix(HOME) for c in found] == ["zfxxgk/nb/", "news/nb/", "foot/nb/"]
    assert found[0].in_nav and not found[1].in_nav  # a strong label in the footer still comes last


def test_candidates_read_titles_onclick_and_image_alt_and_keep_to_the_site():
    page = sel(
        """<a href="javascript:void(0)" onclick="window.open('/xxgk/')">政务公开</a>
        <a href="/col/col123/index.html" title="政府信息公开年报"><img src="x.png"></a>
        <a href="//xxgk.example.gov.cn/nb/"><img alt="信息公开年报" src="y.png"></a>
        <a href="http://www.gov.cn/zhengce/xxgk/">政府信息公开</a>
        <a href="/news/">新闻动态</a>"""
    )
    found = {c.url: c.kind for c in candidates(page, HOME, site_key(HOME))}
    assert found == {
        "http://www.example.gov.cn/col/col123/index.html": "column",
        "http://xxgk.example.gov.cn/nb/": "column",  # a sibling subdomain is the same site
        "http://www.example.gov.cn/xxgk/": "section",
    }


def test_a_listed_report_points_at_its_column():
    page = sel('<a href="/zfxxgk/zfxxgknb/202401/t20240126_1.html">示例县2023年政府信息公开工作年度报告</a>')
    [c] = candidates(page, HOME, site_key(HOME))
    assert (c.kind, c.url) == ("report-parent", "http://www.example.gov.cn/zfxxgk/zfxxgknb/")
    assert report_parent("http://h.gov.cn/art/2024/1/26/art_12_34.html") is None
    assert report_parent("http://h.gov.cn/col/col12/art/2024/art_ab.html") == "http://h.gov.cn/col/col12/"


def test_same_site():
    assert site_key("http://xxgk.huaian.gov.cn/x") == site_key("https://www.huaian.gov.cn/") == "huaian.gov.cn"
    assert not same_site("http://www.gov.cn/", site_key("http://www.huaian.gov.cn/"))
    assert site_key("http://www.p01.mock/") == "p01.mock"


def test_column_check_reads_the_evidence_a_column_page_shows():
    listing = column_check(
        sel('<ul><li><a href="./202401/t1.html">示例县2023年政府信息公开工作年度报告</a></li></ul>'), "", HOME
    )
    assert listing.ok and listing.reports == 1
    hub = column_check(sel('<a href="bj/">本级</a><a href="bm/">部门</a><a href="xz/">乡镇街道</a>'), "", HOME)
    assert hub.ok and hub.subcolumns == 3
    hanweb = '<div id="1"><script type="text/xml"><datastore><recordset></recordset></datastore></script></div>'
    assert column_check(sel(hanweb), hanweb, HOME).script_list
    named = '<meta name="ColumnName" content="政府信息公开年报">'
    assert column_check(sel(named), named, HOME).ok
    assert not column_check(sel('<a href="/n/">新闻动态</a><p>2023年统计公报</p>'), "", HOME).ok


def test_gkmlpt_category_found_by_name_in_the_tree():
    text = """<script>window._CONFIG = {SID: '756001', TREE: [{"id": 1, "name": "政府信息公开目录", "children":
      [{"id": 2810, "name": "政府网站年度报表"}, {"id": 2811, "name": "政府信息公开年报"}]}], SERVICE_AREA_ID: 3};</script>"""
    assert gkmlpt_column(text, "http://www.zhuhai.gov.cn/gkmlpt/index") == (
        "http://www.zhuhai.gov.cn/gkmlpt/index#2811",
        "政府信息公开年报",
    )
    assert gkmlpt_column("<html>no tree</html>", HOME) is None


def test_conventions_per_province():
    guangdong = convention_urls("http://www.zhuhai.gov.cn/", "440400")
    assert guangdong[0] == "http://www.zhuhai.gov.cn/gkmlpt/index"
    hebei = convention_urls("http://www.x.gov.cn/", "130284")
    assert hebei[0] == "http://www.x.gov.cn/zfxxgk/zfxxgknb/" and not any("gkmlpt" in u for u in hebei)


def test_redirect_shells_and_javascript_pages():
    assert (
        redirect_target("<script>location.replace('./jbxx/')</script>", "http://h.gov.cn/a/")
        == "http://h.gov.cn/a/jbxx/"
    )
    assert redirect_target('<meta http-equiv="refresh" content="0;url=/index.shtml">', HOME) == HOME + "index.shtml"
    assert redirect_target("<p>" + "正文" * 2000 + "</p><script>location.href='/x'</script>", HOME) is None
    spa = '<html><body><div id="app"></div><script src="/static/app.js"></script></body></html>'
    assert is_javascript_only(sel(spa), spa)
    normal = "<body>" + '<a href="/a">a</a>' * 5 + "<p>" + "内容" * 200 + "</p><script></script></body>"
    assert not is_javascript_only(sel(normal), normal)


def test_site_identity():
    meta = '<meta name="SiteIDCode" content="1302840001">'
    assert site_id_code(sel(meta), meta) == "1302840001"
    footer = '<div class="foot">网站标识码：1302230001 冀ICP备12345678号</div>'
    assert site_id_code(sel(footer), footer) == "1302230001"
    assert site_id_code(sel("<p>无</p>"), "") is None
    assert identity("1302840001", "130284") == "match"
    assert identity("1302230001", "130284", {"130223": "130284"}) == "former-code"  # issued before 滦县 became 滦州市
    assert identity("3208000001", "130284") == "mismatch"
    assert identity(None, "130284") == "absent"


def test_failures_are_classified():
    def home(status, **kw):
        return Fetch(HOME, status, "home", **kw)

    assert classify([home(0, error="DNSLookupError")], False).status == "unreachable"
    assert classify([home(502)], False).status == "unreachable"
    assert classify([home(412, blocked="http 412 challenge")], False).status == "blocked"
    js = classify([home(200, javascript_only=True), Fetch(HOME + "zfxxgk/zfxxgknb/", 404, "convention")], False)
    assert js.status == "javascript-only"
    assert classify([home(200), Fetch(HOME + "xxgk/", 200, "section")], False).status == "not-found"
    assert classify([home(200)], True).status == "found"


def test_walk_order_budget_and_no_repeats():
    walk = Walk(HOME, "130284", budget=4)
    walk.add(Step(HOME, "home"))
    assert walk.next().role == "home"
    page = sel(
        '<a href="/xxgk/">政务公开</a><a href="/nb/">年度报告</a><a href="/nb/index.html">年度报告</a>'
        '<a href="/zfxxgk/nb/">政府信息公开年报</a>'
    )
    walk.see(page, "", HOME)
    assert [walk.next().url for _ in range(3)] == [HOME + "zfxxgk/nb/", HOME + "nb/", HOME + "xxgk/"]
    assert walk.next() is None  # budget of 4 spent
    empty = Walk(HOME, "440400", budget=3)
    empty.add(Step(HOME, "home"))
    empty.next()
    assert empty.next().url == HOME + "gkmlpt/index"  # links ran out: conventions, Guangdong's first
