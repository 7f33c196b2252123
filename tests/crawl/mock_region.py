"""A mock region of government portals on 127.0.0.1, served under many host names (issue 15).

`MockWeb` is a small threaded HTTP server used as the crawler's proxy (crawler.middlewares.
LoopbackRouteMiddleware sends every listed host to it), so URLs keep realistic host names while nothing
leaves the machine. `build_region(web)` lays out the portals: home pages in the styles portals really use
— left navigation, top menus with a 政务公开 landing page, deep 信息公开 trees, ~140 ordinary column links
beside the one that matters, false friends (政府网站年度报表, 部门决算, 自查自评), Guangdong gkmlpt, Hanweb
`/col/col{N}/` with a different N per site, Shandong `/gongkai/site_…/channel_…/`, Anhui `/public/column/{id}`,
JavaScript-only home pages, redirect shells, GBK, onclick/title/image-alt links, sibling subdomains, a home
page listing one report, 政府网站标识码 footers — and portals that cannot be discovered (unreachable,
WAF-blocked, closed by robots.txt, JavaScript-only with no convention path, nothing to find), each with the
outcome expected. Behind every column (and its sub-columns, Hanweb records, the gkmlpt list API) are
synthetic report pages (demo/synthetic.py), so `annual_reports -a region=` reaches and stores reports;
`MockPortal.reports` lists the report URLs a crawl of the column reaches.
Every page is made up; labels and URL shapes follow issue 15 and portals.md. Every portal carries the
synthetic county's code 990101 (data/regions.csv: made-up reports are never given a real place's code).
"""

from __future__ import annotations

import csv
import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from crawler.portals import COLUMNS, Portal
from demo.synthetic import detail_page, make_report

Reply = tuple[int, dict[str, str], bytes]


class MockWeb:
    """{(host, path[?query]): reply}; a reply is (status, headers, body) or a callable(headers) → reply."""

    def __init__(self):
        self.pages: dict[tuple[str, str], Reply | Callable[[dict[str, str]], Reply]] = {}
        self.hits: Counter[str] = Counter()  # host → requests answered
        self.log: list[tuple[str, str, int]] = []
        self.server: ThreadingHTTPServer | None = None

    def add(self, url: str, body: str | bytes, status: int = 200, charset: str = "utf-8", **headers: str) -> str:
        parts = urlsplit(url)
        data = body.encode(charset) if isinstance(body, str) else body
        headers = {"Content-Type": f"text/html; charset={charset}"} | {
            k.replace("_", "-"): v for k, v in headers.items()
        }
        self.pages[(parts.hostname, parts.path + (f"?{parts.query}" if parts.query else ""))] = (status, headers, data)
        return url

    def handle(self, host: str, path: str, headers: dict[str, str]) -> Reply:
        for key in ((host, path), (host, path + "index.html" if path.endswith("/") else path)):
            if key in self.pages:
                reply = self.pages[key]
                return reply(headers) if callable(reply) else reply
        return 404, {"Content-Type": "text/html"}, b"<html><body><h1>404 Not Found</h1></body></html>"

    def start(self) -> int:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)  # absolute when we are the proxy
                host = (parts.hostname or self.headers.get("Host", "").split(":")[0]).lower()
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                status, headers, body = web.handle(host, path, {k.lower(): v for k, v in self.headers.items()})
                web.hits[host] += 1
                web.log.append((host, path, status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


# -- page shapes -------------------------------------------------------------------------------------
NOISE_LABELS = ["新闻动态", "通知公告", "政务要闻", "部门动态", "乡镇动态", "办事服务", "互动交流", "领导之窗", "招商引资",
                "政策解读", "人事信息", "便民服务", "专题专栏", "在线访谈", "数据发布", "走进本县", "文化旅游", "应急管理",
                "民生热点", "图片新闻"]  # fmt: skip


def noise(n: int = 140) -> str:
    """Ordinary column links, the issue's ~140 beside 政务公开 (the old spider followed them all)."""
    return "<ul class='list'>" + "".join(
        f"<li><a href='/news/c{i}/index.html'>{NOISE_LABELS[i % len(NOISE_LABELS)]}</a></li>" for i in range(n)
    ) + "</ul>"  # fmt: skip


def page(title: str, body: str, head: str = "", foot: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
        f"<div class='header'><h1>{title}</h1></div>{body}<div class='footer'>{foot}版权所有 {title}</div></body></html>"
    )


YEARS = (2023, 2022, 2021)


def trs_report_path(year: int) -> str:
    return f"{year + 1}01/t{year + 1}0126_{40000 + year}.html"


def trs_list(title: str, unit: str, n: int = 3, years: tuple[int, ...] = YEARS) -> str:
    rows = "".join(
        f"<li><a href='./{trs_report_path(y)}' title='{unit}{y}年政府信息公开工作年度报告'>"
        f"{unit}{y}年政府信息公开工作年度报告</a><span>{y + 1}-01-26</span></li>"
        for y in years[:n]
    )
    script = '<script>createPageHTML(1, 0, "index", "html");</script>'
    return page(title, f"<ul class='list'>{rows}</ul>{script}", head=f"<meta name='ColumnName' content='{title}'>")


def report_page(web: MockWeb, url: str, unit: str, year: int) -> str:
    """A synthetic report (demo/synthetic.py), the same bytes for the same URL."""
    report = make_report(random.Random(url), unit, year)
    return web.add(url, detail_page(report, site=unit))


def hanweb_column(col: int, unit: str) -> str:
    records = "".join(
        f"<record><![CDATA[<li><a href='/art/{y + 1}/1/26/art_{col}_{y}.html' title='{unit}{y}年政府信息公开工作年度报告'>"
        f"{unit}{y}年…</a><span>{y + 1}-01-26</span></li>]]></record>"
        for y in (2023, 2022)
    )
    body = f"<div id='{col}9'><script type='text/xml'><datastore><recordset>{records}</recordset></datastore></script></div>"
    return page("政府信息公开年报", body + f"<script>$('#{col}9').jpage({{totalRecord: 2, perPage: 15}});</script>")


SPA = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{t}</title></head><body><div id='app'></div>"
    "<script src='/static/js/chunk-vendors.js'></script><script src='/static/js/app.js'></script></body></html>"
)


# -- the region ---------------------------------------------------------------------------------------
@dataclass
class MockPortal:
    code: str
    name: str
    host: str
    style: str
    expect: str  # found | unreachable | blocked | javascript-only | not-found
    column: str = ""  # the column URL expected
    method: str = ""  # link | convention | evidence
    identity: str = ""  # match | mismatch | absent | former-code, when the home page is read
    registry_column: str = ""  # a column from public evidence, given in the registry
    extra_hosts: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # report pages a crawl of the column reaches

    @property
    def home(self) -> str:
        return f"http://{self.host}/"


CODE = "990101"  # the synthetic county of data/regions.csv


def build_region(web: MockWeb, tag: str = "") -> list[MockPortal]:
    """Lay out the region's portals on `web`: hosts `www.countyNN{tag}.gov.cn` (a tag lays out more regions
    on one server), all with the synthetic code 990101."""
    portals: list[MockPortal] = []

    def portal(style: str, expect: str = "found", method: str = "link", **kw) -> tuple[MockPortal, str, str]:
        n = len(portals) + 1
        p = MockPortal(CODE, f"示例县{n}", f"www.county{n:02d}{tag}.gov.cn", style, expect, method=method, **kw)
        portals.append(p)
        return p, p.home, p.name

    def _column(web: MockWeb, url: str, unit: str, years: tuple[int, ...] = YEARS) -> str:
        """A TRS-style column listing `years`, with their report pages (credited to the last portal)."""
        web.add(url, trs_list("政府信息公开年报", unit, years=years))
        portals[-1].reports += [report_page(web, urljoin(url, trs_report_path(y)), unit, y) for y in years]
        return url

    # 1 left navigation straight to the column
    p, h, unit = portal("left-nav")
    nav = "<div class='navLeft'><ul><li><a href='/zfxxgk/zfxxgknb/'>政府信息公开年报</a></li></ul></div>"
    web.add(h, page(unit, nav + noise(30)))
    p.column = _column(web, h + "zfxxgk/zfxxgknb/", unit)
    # 2 top menu → 政务公开 landing page → xxgkml list
    p, h, unit = portal("top-menu-landing")
    web.add(
        h,
        page(
            unit,
            "<div class='menu'><a href='/zwgk/index.html'>政务公开</a><a href='/bsfw/'>办事服务</a></div>" + noise(40),
        ),
    )
    web.add(
        h + "zwgk/index.html",
        page(
            "政务公开",
            "<div class='xxgkml-list'><a href='../zwgk/xxgknb/'>信息公开年报</a><a href='/zwgk/zcwj/'>政策文件</a></div>",
        ),
    )
    p.column = _column(web, h + "zwgk/xxgknb/", unit)
    # 3 a deep tree: 政府信息公开 → 法定主动公开内容 → 政府信息公开年度报告
    p, h, unit = portal("deep-tree")
    web.add(h, page(unit, "<nav><a href='/xxgk/'>政府信息公开</a></nav>" + noise(20)))
    web.add(
        h + "xxgk/",
        page(
            "政府信息公开",
            "<ul class='tree'><li><a href='fdzdgknr/'>法定主动公开内容</a></li><li><a href='zn/'>政府信息公开指南</a></li></ul>",
        ),
    )
    web.add(
        h + "xxgk/fdzdgknr/",
        page(
            "法定主动公开内容",
            "<ul class='tree'><li><a href='ndbg/'>政府信息公开年度报告</a></li><li><a href='ghjh/'>规划计划</a></li></ul>",
        ),
    )
    p.column = _column(web, h + "xxgk/fdzdgknr/ndbg/", unit)
    # 4 ~140 ordinary column links beside the one 政务公开 link
    p, h, unit = portal("noise-140")
    web.add(h, page(unit, noise(140) + "<div class='nav'><a href='/zwgk/'>政务公开</a></div>" + noise(0)))
    web.add(
        h + "zwgk/", page("政务公开", noise(60) + "<div class='left'><a href='/zwgk/gknb/'>政府信息公开年报</a></div>")
    )
    p.column = _column(web, h + "zwgk/gknb/", unit)
    # 5 false friends on the home page, the real column on the landing page
    p, h, unit = portal("false-friends")
    friends = ("<div class='nav'><a href='/wzndbb/'>政府网站年度报表</a><a href='/czyjs/'>部门决算</a>"
               "<a href='/jyzc/'>履行教育职责自查自评报告</a><a href='/xxgk/'>信息公开</a></div>")  # fmt: skip
    web.add(h, page(unit, friends))
    web.add(h + "wzndbb/", page("政府网站年度报表", "<a href='/wzndbb/2024/t1.html'>示例县政府网站2023年度报表</a>"))
    web.add(
        h + "xxgk/",
        page(
            "信息公开",
            "<div class='navLeft'><a href='/xxgk/nb/'>年度报告</a><a href='/xxgk/ys/'>部门预算报告</a></div>",
        ),
    )
    p.column = _column(web, h + "xxgk/nb/", unit)
    # 6 Guangdong gkmlpt reached by a link; the category found by name in the TREE
    p, h, unit = portal("gkmlpt-link")
    web.add(h, page(unit, "<div class='nav'><a href='/gkmlpt/index'>政府信息公开</a></div>" + noise(20)))
    tree = ('[{"id": 1, "name": "政府信息公开目录", "children": [{"id": 2810, "name": "政府网站年度报表"},'
            ' {"id": 2811, "name": "政府信息公开年报"}]}]')  # fmt: skip
    web.add(
        h + "gkmlpt/index",
        page("政府信息公开目录", f"<script>window._CONFIG = {{SID: '990106', TREE: {tree}, X: 1}};</script>"),
    )
    p.column = h + "gkmlpt/index#2811"
    p.reports = [report_page(web, h + f"gkmlpt/content/0/{y}/post_{y}.html", unit, y) for y in (2023, 2022)]
    articles = [{"title": f"{unit}{y}年政府信息公开工作年度报告", "url": url, "display_publish_time": 1706227200}
                for y, url in zip((2023, 2022), p.reports, strict=True)]  # fmt: skip
    web.add(
        h + "gkmlpt/api/all/2811?page=1&sid=990106",
        json.dumps({"articles": articles, "total": 2}, ensure_ascii=False),
        Content_Type="application/json; charset=utf-8",
    )
    # 7, 8 Hanweb: /col/col{N}/ with a different N on every site
    for col_home, col_nb in ((1001, 2345), (57, 98765)):
        p, h, unit = portal("hanweb")
        web.add(
            h, page(unit, f"<div class='nav'><a href='/col/col{col_home}/index.html'>政务公开</a></div>" + noise(30))
        )
        web.add(
            h + f"col/col{col_home}/index.html",
            page("政务公开", f"<div class='navLeft'><a href='/col/col{col_nb}/index.html'>政府信息公开年报</a></div>"),
        )
        p.column = web.add(h + f"col/col{col_nb}/index.html", hanweb_column(col_nb, unit))
        p.reports = [report_page(web, h + f"art/{y + 1}/1/26/art_{col_nb}_{y}.html", unit, y) for y in (2023, 2022)]
    # 9 Shandong /gongkai/site_{slug}/channel_{id}/
    p, h, unit = portal("shandong")
    web.add(h, page(unit, "<div class='menu'><a href='/gongkai/site_county09/'>政府信息公开</a></div>"))
    web.add(
        h + "gongkai/site_county09/",
        page(
            "政府信息公开",
            "<div class='xxgkml-list'><a href='channel_6789/'>年报</a><a href='channel_1/'>机构职能</a></div>",
        ),
    )
    p.column = _column(web, h + "gongkai/site_county09/channel_6789/", unit)
    # 10 Anhui /public/column/{id}
    p, h, unit = portal("anhui")
    web.add(h, page(unit, "<div class='nav'><a href='/public/column/6596?type=4&action=list&nav=3'>信息公开</a></div>"))
    web.add(
        h + "public/column/6596?type=4&action=list&nav=3",
        page(
            "信息公开",
            "<ul class='tree'><li><a href='/public/column/6621?type=4&action=list&nav=3'>政府信息公开年报</a></li></ul>",
        ),
    )
    p.column = _column(web, h + "public/column/6621?type=4&action=list&nav=3", unit)
    # 11, 12 JavaScript-only home pages: a TRS path convention answers (first and third of the list)
    for path in ("zfxxgk/zfxxgknb/", "zwgk/xxgknb/"):
        p, h, unit = portal("javascript-only+convention", method="convention")
        web.add(h, SPA.format(t=unit))
        p.column = _column(web, h + path, unit)
    # 13 onclick links
    p, h, unit = portal("onclick")
    web.add(
        h,
        page(
            unit, "<div class='nav'><a href='javascript:void(0)' onclick=\"window.open('/zw/gk/')\">政务公开</a></div>"
        ),
    )
    web.add(
        h + "zw/gk/",
        page("政务公开", "<div class='left'><a href='#' onclick=\"location.href='/zw/gk/nb/'\">公开年报</a></div>"),
    )
    p.column = _column(web, h + "zw/gk/nb/", unit)
    # 14 image menu: the label only in title / alt
    p, h, unit = portal("image-menu")
    web.add(h, page(unit, "<div class='nav'><a href='/xxgk/' title='政府信息公开'><img src='/img/m1.png'></a>"
                          "<a href='/xxgk/nb/'><img src='/img/m2.png' alt='政府信息公开年度报告'></a></div>"))  # fmt: skip
    p.column = _column(web, h + "xxgk/nb/", unit)
    # 15 政务公开 lives on a sibling subdomain
    p, h, unit = portal("subdomain")
    sub = "xxgk." + p.host.removeprefix("www.")
    p.extra_hosts.append(sub)
    web.add(h, page(unit, f"<div class='nav'><a href='http://{sub}/'>政府信息公开</a></div>"))
    web.add(
        f"http://{sub}/",
        page("政府信息公开", "<div class='navLeft'><a href='/nb/index.html'>政府信息公开年报</a></div>"),
    )
    p.column = _column(web, f"http://{sub}/nb/index.html", unit)
    # 16, 17 redirect shells (script, meta refresh) before the real home page
    p, h, unit = portal("script-redirect")
    web.add(h, "<html><head><script>window.location.href='/site/index.shtml';</script></head><body></body></html>")
    web.add(
        h + "site/index.shtml", page(unit, "<div class='nav'><a href='/site/zfxxgk/nb/'>政府信息公开年报</a></div>")
    )
    p.column = _column(web, h + "site/zfxxgk/nb/", unit)
    p, h, unit = portal("meta-refresh")
    web.add(h, "<html><head><meta http-equiv='refresh' content='0; url=/portal/index.html'></head></html>")
    web.add(h + "portal/index.html", page(unit, "<div class='menu'><a href='/portal/gk/'>政务公开</a></div>"))
    web.add(h + "portal/gk/", page("政务公开", "<div class='left'><a href='/portal/gk/nb/'>年度报告</a></div>"))
    p.column = _column(web, h + "portal/gk/nb/", unit)
    # 18 a GBK home page
    p, h, unit = portal("gbk")
    web.add(
        h,
        page(unit, "<div class='nav'><a href='/xxgk/ndbg/'>政府信息公开年报</a></div>").replace("utf-8", "gbk"),
        charset="gbk",
    )
    p.column = _column(web, h + "xxgk/ndbg/", unit)
    # 19 the column is a hub of sub-columns (本级 / 部门 / 乡镇街道), no report on it
    p, h, unit = portal("hub")
    web.add(h, page(unit, "<div class='nav'><a href='/zwgk/nb/'>政府信息公开年报</a></div>"))
    p.column = web.add(
        h + "zwgk/nb/",
        page(
            "政府信息公开年报",
            "<ul class='sub'><li><a href='bj/'>本级</a></li><li><a href='bm/'>部门</a></li><li><a href='xzjd/'>乡镇街道</a></li></ul>",
        ),
    )
    for slug, who in (("bj", ""), ("bm", "财政局"), ("xzjd", "城关镇")):
        _column(web, h + f"zwgk/nb/{slug}/", unit + who, years=(2023, 2022))
    # 20 the column page is filled by script; its ColumnName says what it is
    p, h, unit = portal("column-meta")
    web.add(h, page(unit, "<div class='nav'><a href='/info/list_88.html'>年报</a></div>"))
    p.column = web.add(
        h + "info/list_88.html",
        "<html><head><meta name='ColumnName' content='政府信息公开年报'></head><body><div id='list'></div><script src='/list.js'></script></body></html>",
    )
    # 21 no column label anywhere: the home page lists one report, whose directory is the column
    p, h, unit = portal("report-on-home")
    web.add(
        h,
        page(
            unit,
            f"<div class='news'><a href='/xxgk/nb/202401/t20240126_40001.html'>{unit}2023年政府信息公开工作年度报告</a></div>"
            + noise(20),
        ),
    )
    p.column = _column(web, h + "xxgk/nb/", unit)
    # 22–25 the other labels, each inside a 政务公开 landing page
    for slug, label in (
        ("gknb", "政府信息公开报告"),
        ("ndbg", "政府信息公开工作年度报告"),
        ("xxnb", "信息公开年报"),
        ("zwnb", "政务公开年报"),
    ):
        p, h, unit = portal(f"label:{label}")
        web.add(h, page(unit, "<div class='menu'><a href='/zwgk/'>政务公开</a></div>"))
        web.add(h + "zwgk/", page("政务公开", f"<div class='side'><a href='/zwgk/{slug}/'>{label}</a></div>"))
        p.column = _column(web, h + f"zwgk/{slug}/", unit)
    # 26–28 政府网站标识码: meta matching, footer text matching, footer of another place
    p, h, unit = portal("site-id-meta", identity="match")
    web.add(
        h,
        page(
            unit,
            "<div class='nav'><a href='/nb/'>年报</a></div>",
            head=f"<meta name='SiteIDCode' content='{p.code}0001'>",
        ),
    )
    p.column = _column(web, h + "nb/", unit)
    p, h, unit = portal("site-id-footer", identity="match")
    web.add(h, page(unit, "<div class='nav'><a href='/gk/nb/'>年度报告</a></div>", foot=f"网站标识码：{p.code}0002 "))
    p.column = _column(web, h + "gk/nb/", unit)
    p, h, unit = portal("site-id-mismatch", identity="mismatch")
    web.add(h, page(unit, "<div class='nav'><a href='/gk/nb/'>年度报告</a></div>", foot="网站标识码：3208000001 "))
    p.column = _column(web, h + "gk/nb/", unit)
    # 29 a first candidate that is not a column (no report on it): the next one is
    p, h, unit = portal("wrong-first")
    web.add(h, page(unit, "<div class='nav'><a href='/gk/nb/'>年报</a><a href='/xxgk/'>政务公开</a></div>"))
    web.add(h + "gk/nb/", page("年报", "<a href='/gk/nb/t1.html'>关于开展2023年度工作的通知</a>"))
    web.add(h + "xxgk/", page("政务公开", "<div class='navLeft'><a href='/xxgk/ndbg/'>政府信息公开年度报告</a></div>"))
    p.column = _column(web, h + "xxgk/ndbg/", unit)
    # 30 a table-layout menu (no navigation class) and ../ links
    p, h, unit = portal("table-menu")
    web.add(
        h,
        page(
            unit,
            "<table><tr><td><a href='/a/b/index.html'>政务公开</a></td><td><a href='/c/'>互动交流</a></td></tr></table>",
        ),
    )
    web.add(
        h + "a/b/index.html",
        page("政务公开", "<table><tr><td><a href='../nb/list.html'>政府信息公开年报</a></td></tr></table>"),
    )
    p.column = _column(web, h + "a/nb/list.html", unit)
    # 31 an HTTP redirect from the home page to its real address
    p, h, unit = portal("http-redirect")
    web.add(h, "", status=302, Location="/cms/index.html")
    web.add(h + "cms/index.html", page(unit, "<div class='nav'><a href='/cms/xxgknb/'>政府信息公开年报</a></div>"))
    p.column = _column(web, h + "cms/xxgknb/", unit)
    # 32 the registry already knows the column from public evidence
    p, h, unit = portal("registry-evidence", method="evidence")
    web.add(h, page(unit, "<div class='nav'><a href='/zwgk/'>政务公开</a></div>"))
    p.column = p.registry_column = _column(web, h + "col/18073_668815/index.html", unit)
    # 33, 34 two more layouts seen on county sites: 信息公开 platform with a year-first tree, and a report list
    # whose link text is only a year range
    p, h, unit = portal("xxgk-platform")
    web.add(h, page(unit, "<div class='nav'><a href='/xxgk/index.jsp'>政府信息公开平台</a></div>"))
    web.add(
        h + "xxgk/index.jsp",
        page("政府信息公开", "<div class='xxgkml-list'><a href='/xxgk/list.jsp?cat=nb'>政府信息公开年报</a></div>"),
    )
    p.column = _column(web, h + "xxgk/list.jsp?cat=nb", unit)
    p, h, unit = portal("year-hub")
    web.add(h, page(unit, "<div class='nav'><a href='/gknb/'>政府信息公开年报</a></div>"))
    p.column = web.add(
        h + "gknb/",
        page("政府信息公开年报", "<ul><li><a href='2023/'>2023年度</a></li><li><a href='2022/'>2022年度</a></li></ul>"),
    )
    for year in (2023, 2022):
        _column(web, h + f"gknb/{year}/", unit, years=(year,))

    # -- portals whose column cannot be found: the outcome must say why ------------------------------
    p, h, unit = portal("unreachable", expect="unreachable", method="")  # routed to a closed port by the test
    p, h, unit = portal("waf-412", expect="blocked", method="")
    web.add(h, "<html><head><meta r='m'><script>var $_ts=window['$_ts'];</script></head></html>", status=412)
    p, h, unit = portal("waf-521", expect="blocked", method="")
    web.add(
        h, "<html><script>document.cookie='__jsluid_h=1';location.href=location.pathname</script></html>", status=521
    )
    p, h, unit = portal("javascript-only", expect="javascript-only", method="")
    web.add(h, SPA.format(t=unit))
    p, h, unit = portal("nothing-to-find", expect="not-found", method="")
    web.add(h, page(unit, noise(40)))
    web.add(h + "zfxxgk/zfxxgknb/", page("出错了", "<p>页面不存在</p>"))  # a soft 404 on a convention path
    p, h, unit = portal("home-404", expect="unreachable", method="")
    p, h, unit = portal("robots-disallow", expect="blocked", method="")  # a decision to respect, reported
    web.add(h, page(unit, "<div class='nav'><a href='/xxgk/nb/'>政府信息公开年报</a></div>"))
    web.add(h + "robots.txt", "User-agent: *\nDisallow: /\n", Content_Type="text/plain")
    return portals


def write_registry(portals: list[MockPortal], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for p in portals:
            row = Portal(p.code, p.name, f"示例省/示例市/{p.name}", "3", p.home, column_url=p.registry_column)
            row.column_source = "mock: public evidence" if p.registry_column else ""
            row.source = row.review_source = "tests/crawl/mock_region.py"
            writer.writerow(vars(row))
    return path
