"""The mock portal: one loopback server, one virtual host per family/behaviour (portals.md §10 checklist).

Every host is reached through `LoopbackRouteMiddleware` (the server acts as the HTTP proxy), so URLs
look like `http://trs.mock/...` while all traffic stays on 127.0.0.1. `MockPortal.expected[host]` is
the set of report URLs a crawl of that host must store — and nothing else.

Hosts: trs.mock (the demo layout + a wrong-charset page, a byte-identical cross-post, an image-only
report, a document.write row, attachment variants, an HTML page served as .pdf), hanweb.mock (jpage
datastore, dataproxy POST and GET, downfile.jsp → 302 with a GBK Content-Disposition), gkmlpt.mock,
json.mock (Huai'an-style lists.do POST), jsonp.mock (TrueCMS-style JSONP with records), generic.mock
(下一页 links, text-density bodies, a summary page of direct PDFs), and the protection hosts
ruishu.mock (412 $_ts), jsl.mock (521 __jsl), forbid.mock (403), captcha.mock (访问频繁), soft404.mock,
repeat.mock (page 2 == page 1), flaky.mock (500 twice, then fine) and slow.mock.
"""

from __future__ import annotations

import json
import random
from typing import ClassVar
from urllib.parse import parse_qs, quote

from demo import synthetic
from demo.portal import build_portal
from demo.server import PortalServer, Reply, Request

HOSTS = [
    "trs.mock", "hanweb.mock", "jpaas.mock", "gkmlpt.mock", "json.mock", "jsonp.mock", "generic.mock", "ruishu.mock", "jsl.mock",
    "forbid.mock", "captcha.mock", "soft404.mock", "repeat.mock", "flaky.mock", "slow.mock",
    # the registered portals' own host names, served here so `-a region=` runs offline (tests only)
    "www.huaian.gov.cn", "www.suqian.gov.cn", "www.shuyang.gov.cn",
]  # fmt: skip
TRS_ROOT = "/zfxxgk/zfxxgknb/"


def page(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{head}</head>'
        f"<body><div class='top'>示例门户</div>{body}<div class='foot'>版权所有</div></body></html>"
    )


class MockPortal:
    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.files: dict[str, bytes] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.expected: dict[str, set[str]] = {h: set() for h in HOSTS}
        self.titles: dict[str, str] = {}  # report URL → title
        self.flaky_hits: dict[str, int] = {}
        self.delays: dict[str, float] = {"slow.mock": 0.3}  # host → seconds before each answer
        self.api: dict[str, list[dict]] = {}
        self.server = PortalServer({}, self.headers, self.dynamic)
        for build in (
            self._trs,
            self._hanweb,
            self._jpaas,
            self._gkmlpt,
            self._json,
            self._generic,
            self._protected,
            self._registered,
        ):
            build()
        for path, body in self.files.items():
            self.server.set(path, body)

    def start(self) -> dict[str, str]:
        """Start the server; returns the routes for a spider's `loopback_routes`."""
        port = self.server.start()
        return {host: f"127.0.0.1:{port}" for host in HOSTS}

    def report(self, unit: str, year: int) -> synthetic.Report:
        return synthetic.make_report(self.rng, unit, year)

    def add_report(self, host: str, path: str, report, container: str) -> str:
        """A report detail page whose body sits in `container` (e.g. 'class="view"'), expected to be stored."""
        body = f"<div {container}>{synthetic.report_body_html(report)}</div>"
        return self.add(host, path, page(report.title, body), report.title)

    def add(self, host: str, path: str, body: bytes | str, expect_title: str | None = None, **headers: str) -> str:
        self.files[host + path] = body.encode("utf-8") if isinstance(body, str) else body
        if headers:
            self.headers[host + path] = {k.replace("_", "-"): v for k, v in headers.items()}
        url = f"http://{host}{path}"
        if expect_title:
            self.expected[host].add(url)
            self.titles[url] = expect_title
        return url

    # -- TRS ---------------------------------------------------------------------------------------
    def _trs(self) -> None:
        portal = build_portal(seed=11)
        for path, body in portal.files.items():
            self.files["trs.mock" + path] = body
        self.headers.update({"trs.mock" + p: h for p, h in portal.headers.items()})
        for path, report in portal.reports.items():
            self.expected["trs.mock"].add(f"http://trs.mock{path}")
            self.titles[f"http://trs.mock{path}"] = report.title
        self._trs_extras()

    def _trs_extras(self) -> None:
        h, base = "trs.mock", TRS_ROOT + "202404/"
        wrong = self.report("示例县水利局", 2023)  # GBK bytes, but the server claims UTF-8
        wrong_page = synthetic.detail_page(wrong, site="示例县", charset="gbk").encode("gb18030")
        self.add(h, base + "t20240401_5000001.html", wrong_page, wrong.title, Content_Type="text/html; charset=utf-8")
        image = self.report("示例县档案馆", 2023)
        body = '<p><img src="./W020240402.png" alt="年报第1页"></p><p><img src="./W020240402_2.png"></p>'
        self.add(
            h, base + "t20240402_5000002.html", synthetic.detail_page(image, site="示例县", body_html=body), image.title
        )
        atts = self.report("示例县统计局", 2023)
        links = (
            '<a href="javascript:void(0)" onclick="window.open(\'./P020240403000001.pdf\')">统计局年报.pdf</a>'
            '<iframe src="/pdfjs/web/viewer.html?file=/zfxxgk/zfxxgknb/202404/P020240403000002.pdf"></iframe>'
            '<a href="./P020240403000003.pdf">附件：损坏的文件.pdf</a>'
        )
        body = synthetic.report_body_html(atts) + links
        self.add(
            h, base + "t20240403_5000003.html", synthetic.detail_page(atts, site="示例县", body_html=body), atts.title
        )
        pdf = synthetic.tiny_pdf(["test"])
        self.add(h, base + "P020240403000001.pdf", pdf)
        self.add(h, base + "P020240403000002.pdf", pdf + b"%2")
        self.add(
            h, base + "P020240403000003.pdf", page("出错了", "<p>系统繁忙，请稍后再试。</p>" * 300)
        )  # HTML as .pdf
        self._trs_list_rows(wrong, image, atts)

    def _trs_list_rows(self, wrong, image, atts) -> None:
        key = "trs.mock" + TRS_ROOT + "index.html"
        row = '<li><a href="./202404/t2024040{n}_500000{n}.html" title="{t}">{t}</a><span>2024-04-0{n}</span></li>'
        rows = [row.format(n=n, t=r.title) for n, r in ((1, wrong), (2, image))]
        write = (
            '<li><script>document.write(\'<a href="./202404/t20240403_5000003.html" '
            f'title="{atts.title}">{atts.title}</a>\');</script><span>2024-04-03</span></li>'
        )
        # the cross-post: a 部门 report copied byte for byte into the 本级 column under another URL
        bm = sorted(p for p in self.expected["trs.mock"] if "/bm/" in p)[0]
        copy = TRS_ROOT + "202404/t20240404_5000004.html"
        self.files["trs.mock" + copy] = self.files[bm.removeprefix("http://")]
        rows.append(
            f'<li><a href=".{copy[len(TRS_ROOT) - 1 :]}" title="{self.titles[bm]}">x</a><span>2024-04-04</span></li>'
        )
        # robots.txt of this host (the demo layout's) disallows /admin/: listed, served, never to be fetched
        hidden = self.report("示例县机关事务管理局", 2023)
        self.add("trs.mock", "/admin/202404/t20240405_5000005.html", synthetic.detail_page(hidden, site="示例县"))
        rows.append(f'<li><a href="/admin/202404/t20240405_5000005.html" title="{hidden.title}">x</a></li>')
        # a year folder (Beijing-style gknb2018/) linked from the column's navigation, with its own list
        old = self.report("示例县民政局", 2018)
        detail = TRS_ROOT + "gknb2018/201902/t20190215_3000001.html"
        self.add("trs.mock", detail, synthetic.detail_page(old, site="示例县"), old.title)
        row = f'<li><a href="./201902/t20190215_3000001.html" title="{old.title}">{old.title}</a><span>2019-02-15</span></li>'
        self.add("trs.mock", TRS_ROOT + "gknb2018/index.html", page("2018年度", f'<ul class="list">{row}</ul>'))
        nav = '<div class="navLeft"><ul><li><a href="./gknb2018/">2018年度</a></li>'
        key = "trs.mock" + TRS_ROOT + "index.html"
        self.files[key] = self.files[key].replace(b'<div class="navLeft"><ul>', nav.encode(), 1)
        self.crosspost = (bm, f"http://trs.mock{copy}")
        self.titles[self.crosspost[1]] = self.titles[bm]
        html = (
            self.files[key].decode("utf-8").replace('<ul class="list">', '<ul class="list">' + "".join(rows) + write, 1)
        )
        self.files[key] = html.encode("utf-8")

    # -- Hanweb ------------------------------------------------------------------------------------
    def _hanweb_detail(self, col: int, art: int, report: synthetic.Report, attach: bool) -> str:
        y, m, d = (int(x) for x in report.published.split("-"))
        path = f"/art/{y}/{m}/{d}/art_{col}_{art}.html"
        # the visible text says only 下载; the real name comes in a GBK Content-Disposition
        link = f'<a href="/module/download/downfile.jsp?classid=0&filename={art:x}.pdf">下载附件</a>'
        body = f'<div id="zoom">{synthetic.report_body_html(report)}</div>' + (link if attach else "")
        head = f'<meta name="ArticleTitle" content="{report.title}"><meta name="PubDate" content="{report.published}">'
        block = synthetic.meta_block(report, report.unit).replace("xxgk_table", "xxgk")
        url = self.add("hanweb.mock", path, page(report.title, block + body, head=head), report.title)
        if attach:
            self.add("hanweb.mock", f"/attach/0/{art:x}.pdf", synthetic.tiny_pdf([report.title]))
            name = f"{report.title}.pdf".encode("gbk").decode("latin-1")  # raw GBK bytes, the Java way
            self.headers[f"hanweb.mock/attach/0/{art:x}.pdf"] = {"Content-Disposition": f'attachment;filename="{name}"'}
        return url

    def _hanweb(self) -> None:
        for col, mode, n in ((1230001, "post", 12), (1230002, "get", 9)):
            records = []
            for i in range(n):
                report = self.report(f"示例市第{i + 1}局" if mode == "post" else f"示例镇{i + 1}", 2022 + i % 2)
                url = self._hanweb_detail(col, 9120000 + col % 10 * 1000 + i, report, attach=i == 0)
                path = url.removeprefix("http://hanweb.mock")
                a = f'<li><a href="{path}" title="{report.title}">{report.title[:10]}…</a>'
                a += f"<span>{report.published}</span></li>"
                records.append(a)
            self.api[f"hanweb:{col}"] = records
            self.add("hanweb.mock", f"/col/col{col}/index.html", self._hanweb_column(col, mode, records))
        self._hanweb_xxgk()

    def _hanweb_xxgk(self) -> None:
        rows = []
        for i in range(7):
            report = self.report(f"示例市第{i + 1}街道办事处", 2023)
            url = self._hanweb_detail(1230003, 9130000 + i, report, attach=False)
            a = f'<a href="{url.removeprefix("http://hanweb.mock")}" title="{report.title}">{report.title[:12]}…</a>'
            cls = "tr_main_value_odd" if i % 2 else "tr_main_value_even"
            rows.append(f'<tr class="{cls}"><td>01400065/2024-{i:05d}</td><td>{a}</td><td>{report.published}</td></tr>')
        self.api["xxgk"] = rows
        shell = "<script>loadDynamic('/module/xxgk/search.jsp','A0203','014000650');</script>"
        self.add("hanweb.mock", "/col/col1230003/index.html", page("信息公开年报", shell))

    def xxgk_search(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if req.method != "POST" or form.get("infotypeId") != "A0203" or form.get("area") != "014000650":
            return Reply(
                200, page("信息公开", "<table></table>").encode(), {"Content-Type": "text/html; charset=utf-8"}
            )
        n = int(parse_qs(req.query).get("currpage", ["1"])[0])
        rows = self.api["xxgk"][(n - 1) * 3 : n * 3]
        pages = "".join(f"<a href=\"javascript:funGoPage('/module/xxgk/search.jsp', {k})\">{k}</a>" for k in (1, 2, 3))
        body = f'<table class="tb_title"><tr><td>第{n}页</td></tr></table><table>{"".join(rows)}</table>{pages}'
        return Reply(200, page("信息公开", body).encode(), {"Content-Type": "text/html; charset=utf-8"})

    @staticmethod
    def _records(records: list[str]) -> str:
        return "".join(f"<record><![CDATA[{r}]]></record>" for r in records)

    def _hanweb_column(self, col: int, mode: str, records: list[str]) -> str:
        per = 5
        params = f"appid=1&webid=88&path=/&columnid={col}&unitid=4001&permissiontype=0"
        nextgroup = f"/module/web/jpage/dataproxy.jsp?page=2&{params}"
        store = (
            f'<div id="4001"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{nextgroup}"></a>]]>'
            f"</nextgroup><recordset>{self._records(records[:per])}</recordset></datastore></script></div>"
        )
        jpage = (
            f"<script>$('#4001').jpage({{dataStore: dataStore, totalRecord: {len(records)}, perPage: {per},"
            " groupSize: 1,"
            " proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col:1, appid:1, webid:88, path:'/',"
            f" columnid:{col}, sourceContentType:1, unitid:'4001', webname:'示例市人民政府',"
            " permissiontype:0}});</script>"
        )
        return page("政府信息公开年报", store + (jpage if mode == "post" else ""))

    def dataproxy(self, req: Request) -> Reply:
        q = {k: v[0] for k, v in parse_qs(req.query).items()} | {
            k: v[0] for k, v in parse_qs(req.body.decode()).items()
        }
        records = self.api.get(f"hanweb:{q.get('columnid')}", [])
        if req.method == "POST":
            start, end = int(q.get("startrecord", 1)), int(q.get("endrecord", 5))
            group, nxt = records[start - 1 : end], ""
        else:  # GET page=g: group g of 5 records, with a nextgroup link while more remain
            g = int(q.get("page", 1))
            group = records[(g - 1) * 5 : g * 5]
            more = g * 5 < len(records)
            nxt = req.query.replace(f"page={g}", f"page={g + 1}") if more else ""
            nxt = (
                f'<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?{nxt}"></a>]]></nextgroup>'
                if nxt
                else ""
            )
        xml = f"<datastore><totalrecord>{len(records)}</totalrecord>{nxt}"
        xml += f"<recordset>{self._records(group)}</recordset></datastore>"
        return Reply(200, xml.encode(), {"Content-Type": "text/xml;charset=UTF-8"})

    # -- jpaas --------------------------------------------------------------------------------------------
    def _jpaas(self) -> None:
        rows = []
        for i in range(7):
            report = self.report(f"示例市第{i + 1}中心", 2023)
            path = f"/col/col3185/art/2024/art_{i:032x}.html"
            self.add_report("jpaas.mock", path, report, 'class="wzzw-article"')
            rows.append(
                f'<li class="clearfix"><a href="{path}" title="{report.title}">{report.title}</a><span>{report.published}</span></li>'
            )
        self.api["jpaas"] = rows
        query = "{'webId':'3185','pageId':'77','tagId':'信息列表','tplSetId':'5','rows':'3'}"
        shell = f'<script parsetype="bulidstatic" url="/api-gateway/jpaas-publish-server/front/page/build/unit" querydata="{query}"></script>'
        self.add("jpaas.mock", "/col/col3185/index.html", page("政府信息公开年报", shell))

    def jpaas_api(self, req: Request) -> Reply:
        q = {k: v[0] for k, v in parse_qs(req.query).items()}
        if q.get("webId") != "3185" or q.get("parseType") != "bulidstatic":
            return Reply(400, b"{}", {"Content-Type": "application/json"})
        page_no = json.loads(q.get("paramJson", '{"pageNo": 1}'))["pageNo"]
        rows = self.api["jpaas"]
        html = "<ul>" + "".join(rows[(page_no - 1) * 3 : page_no * 3]) + "</ul>"
        html += f'<div class="pagination" rows="3" count="{len(rows)}"></div>'
        body = json.dumps({"success": True, "data": {"html": html}}, ensure_ascii=False)
        return Reply(200, body.encode(), {"Content-Type": "application/json;charset=UTF-8"})

    # -- gkmlpt ------------------------------------------------------------------------------------
    def _gkmlpt(self) -> None:
        articles = []
        for i in range(7):
            report = self.report(f"示例区第{i + 1}局", 2023)
            pid = 11200345 + i
            path = f"/gkmlpt/content/{pid // 1_000_000}/{pid // 1000}/post_{pid}.html"
            content = synthetic.report_body_html(report)
            detail = f"<script>window._CONFIG = {{DETAIL: {json.dumps({'content': content})}}};</script>"
            head = f'<meta name="ArticleTitle" content="{report.title}">'
            self.add(
                "gkmlpt.mock",
                path,
                page(report.title, detail + f'<div class="article-content">{content}</div>', head=head),
                report.title,
            )
            att = []
            if i == 1:
                aid = 9300012
                apath = f"/attachment/{aid // 1_000_000}/{aid // 1000}/{aid}/{pid}.pdf"
                self.add("gkmlpt.mock", apath, synthetic.tiny_pdf([report.title]))
                att = [{"id": aid, "name": "2023年年报.pdf", "url": f"http://gkmlpt.mock{apath}"}]
            articles.append(
                {
                    "id": pid,
                    "title": report.title,
                    "url": f"http://gkmlpt.mock{path}",
                    "display_publish_time": 1706235120 + i,
                    "attachment": att,
                }
            )
        articles.append(
            {
                "id": 1,
                "title": "示例区2023年政务公开工作要点",
                "url": "http://gkmlpt.mock/gkmlpt/content/0/0/post_1.html",
                "display_publish_time": 1706235120,
            }
        )
        self.api["gkmlpt"] = articles
        tree = [
            {"id": 2811, "name": "政府信息公开年报", "post_count": len(articles), "children": []},
            {"id": 2812, "name": "规划计划", "post_count": 3},
        ]
        config = f"<script>window._CONFIG = {{SID: '755001', TREE: {json.dumps(tree, ensure_ascii=False)}}};</script>"
        self.add("gkmlpt.mock", "/gkmlpt/index", page("政府信息公开目录", config))

    def gkmlpt_api(self, req: Request) -> Reply:
        page_no = max(1, int(parse_qs(req.query).get("page", ["1"])[0]))  # page 0 == page 1, as the real API
        articles = self.api["gkmlpt"]
        batch = articles[(page_no - 1) * 3 : page_no * 3]
        body = {
            "classify": {"id": 2811, "name": "政府信息公开年报", "post_count": len(articles)},
            "total": len(articles),
            "articles": batch,
        }
        return Reply(200, json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"})

    # -- JSON APIs ---------------------------------------------------------------------------------
    def _json(self) -> None:
        rows = []
        for i in range(7):
            report = self.report(f"淮示区第{i + 1}局", 2023)
            path = f"/col/18073_668815/art/{17356608 + i}/17364738729029ffO7DU{i}.html"
            self.add_report("json.mock", path, report, 'class="nr-zw"')
            rows.append(
                {
                    "title": report.title,
                    "domain": "http://json.mock",
                    "path": path,
                    "releaseTime": f"{report.published} 10:00:00",
                }
            )
        self.api["json"] = rows
        self.add("json.mock", "/cmsweb/zwgk/sj/index.html", page("信息公开", "<div id='app'></div>"))
        records = []
        for i in range(4):
            report = self.report(f"南示县第{i + 1}局", 2022)
            path = f"/art/2023/2/{i + 1}/art_77_{i}.html"
            self.add_report("jsonp.mock", path, report, 'class="view"')
            records.append(
                f'<li><a href="{path}" title="{report.title}">{report.title}</a><span>[{report.published}]</span></li>'
            )
        self.api["jsonp"] = records

    def lists_do(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        p, size = int(form.get("page", 1)), int(form.get("pagesize", 3))
        rows = self.api["json"]
        body = {"value": {"total": len(rows), "list": rows[(p - 1) * size : p * size]}}
        return Reply(
            200, json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json;charset=UTF-8"}
        )

    def jsonp(self, req: Request) -> Reply:
        q = {k: v[0] for k, v in parse_qs(req.query).items()}
        start, end = int(q["startrecord"]), int(q["endrecord"])
        result = self._records(self.api["jsonp"][start - 1 : end])
        payload = json.dumps({"result": result, "total": len(self.api["jsonp"])}, ensure_ascii=False)
        body = f"{q.get('callback', 'cb')}({payload})"
        return Reply(200, body.encode(), {"Content-Type": "application/javascript"})

    # -- generic -----------------------------------------------------------------------------------
    def _generic(self) -> None:
        items = []
        for i in range(9):
            report = self.report(f"某某委员会{i + 1}", 2021 + i % 3)
            path = f"/show/{8800 + i}.html"
            body = "".join(f"<p>{p}</p>" for p in synthetic.report_text(report)) * 3
            body += synthetic.applications_table(report)
            self.add(
                "generic.mock",
                path,
                page(report.title, f"<div class='c1'><div class='x'>{body}</div></div>"),
                report.title,
            )
            items.append(f'<div class="row"><a href="{path}">{report.title}</a> ({report.published})</div>')
        items.insert(2, '<div class="row"><a href="/show/1.html">2023年政府信息公开工作年度报告解读</a></div>')
        pages = [items[:4], items[4:8], items[8:]]
        for n, chunk in enumerate(pages, 1):
            nav = f'<a href="/xxgk/nb/list.html?page={n + 1}">下一页</a>' if n < len(pages) else ""
            self.add(
                "generic.mock",
                "/xxgk/nb/list.html" + (f"?page={n}" if n > 1 else ""),
                page("年报", "".join(chunk) + nav),
            )
        summary = []
        for code in ("qjp", "ha"):
            title = f"{code}区2024年政府信息公开工作年度报告"
            self.add(
                "generic.mock",
                f"/wzxxgknb/2025/{code}.pdf",
                synthetic.tiny_pdf([title]),
                title,
                Content_Type="application/pdf",
            )
            summary.append(f'<p><a href="/wzxxgknb/2025/{code}.pdf">{title}</a></p>')
        self.add("generic.mock", "/wzxxgknb/index.html", page("年报汇总", "".join(summary)))

    # -- registered portals (crawler/spiders/jiangsu), with made-up content at their real column paths ------
    def _registered_rows(self, host: str, n: int, year: int, unit: str) -> list[str]:
        rows = []
        for i in range(n):
            report = self.report(f"{unit}第{i + 1}单位", year)
            path = f"/art/{report.published.replace('-', '/')}/art_{i}.html"
            self.add(
                host,
                path,
                page(report.title, f'<div id="zoom">{synthetic.report_body_html(report)}</div>'),
                report.title,
            )
            rows.append(
                f'<li><a href="{path}" title="{report.title}">{report.title}</a><span>{report.published}</span></li>'
            )
        return rows

    def _registered(self) -> None:
        rows = self._registered_rows(
            "www.huaian.gov.cn", 5, 2023, "淮安市"
        )  # nsetpage(cur, total, size), index_N 1-based
        for k, chunk in ((1, rows[:3]), (2, rows[3:])):
            name = "index.html" if k == 1 else f"index_{k}.html"
            script = f"<script>nsetpage({k}, 5, 3, 'index', 'html');</script>"
            self.add(
                "www.huaian.gov.cn", f"/col/18073_668815/{name}", page("年报", f"<ul>{''.join(chunk)}</ul>{script}")
            )
        rows = self._registered_rows("www.suqian.gov.cn", 4, 2022, "宿迁市")  # 6-arg createPageHTML, own stem
        for k, chunk in ((1, rows[:2]), (2, rows[2:])):
            name = "xxgknb2019_list.shtml" if k == 1 else f"xxgknb2019_list_{k}.shtml"
            script = f"<script>createPageHTML('page_div', 2, {k}, 'xxgknb2019_list', 'shtml', 4);</script>"
            self.add("www.suqian.gov.cn", f"/cnsq/gknb/{name}", page("年报", f"<ul>{''.join(chunk)}</ul>{script}"))
        rows = self._registered_rows("www.shuyang.gov.cn", 3, 2023, "沭阳县")  # unknown make: numbered page links
        nav = '<div class="pages"><span>1</span><a href="list_2.shtml">2</a></div>'
        self.add("www.shuyang.gov.cn", "/shuyang/xxgknb/list.shtml", page("年报", f"<ul>{''.join(rows[:2])}</ul>{nav}"))
        self.add("www.shuyang.gov.cn", "/shuyang/xxgknb/list_2.shtml", page("年报", f"<ul>{rows[2]}</ul>"))

    # -- protection hosts --------------------------------------------------------------------------
    def _protected(self) -> None:
        for host in ("repeat.mock", "flaky.mock", "slow.mock", "soft404.mock"):
            reports = [self.report(f"{host[:3]}单位{i}", 2023) for i in range(3)]
            rows = []
            for i, r in enumerate(reports):
                path = f"/nb/202401/t2024010{i + 1}_{700 + i}.html"
                expect = None if host == "soft404.mock" else r.title
                self.add(
                    host, path, page(r.title, f'<div class="TRS_Editor">{synthetic.report_body_html(r)}</div>'), expect
                )
                rows.append(
                    f'<li><a href=".{path[3:]}" title="{r.title}">{r.title}</a><span>2024-01-0{i + 1}</span></li>'
                )
            nav = "<a href='index_1.html'>下一页</a>" if host == "repeat.mock" else ""
            self.add(host, "/nb/index.html", page("年报", f"<ul>{''.join(rows)}</ul>{nav}"))
            self.add(host, "/nb/index_1.html", self.files[host + "/nb/index.html"])  # repeat.mock: page 2 == page 1
        for host in ("ruishu.mock", "jsl.mock", "forbid.mock", "captcha.mock"):
            self.add(host, "/nb/index.html", page("年报", "<ul></ul>"))

    RUISHU = b"<html><head><meta content='r' r='m'><script>var $_ts=window['$_ts'];</script></head></html>"
    JSL = b"<script>document.cookie='__jsl_clearance=1.2|0|x';location.href=location.pathname</script>"
    CAPTCHA = page("提示", "<p>您的访问过于频繁，请稍后再试（访问频繁）</p>").encode()
    CHALLENGES: ClassVar[dict[str, Reply]] = {
        "ruishu.mock": Reply(412, RUISHU, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; path=/"}),
        "jsl.mock": Reply(521, JSL, {"Set-Cookie": "__jsluid_h=abc"}),
        "forbid.mock": Reply(403, b"<html><body>403 Forbidden</body></html>"),
        "captcha.mock": Reply(200, CAPTCHA, {"Content-Type": "text/html; charset=utf-8"}),
    }

    def dynamic(self, req: Request) -> Reply | None:
        host = req.headers.get("host", "").split(":")[0]
        if host in self.CHALLENGES and not req.path.endswith("robots.txt"):
            return self.CHALLENGES[host]
        if host == "soft404.mock" and "/202401/" in req.path:
            return Reply(
                200,
                page("提示", "<p>对不起，您访问的页面不存在或已删除！</p>").encode(),
                {"Content-Type": "text/html; charset=utf-8"},
            )
        if host == "flaky.mock" and req.path.endswith(".html"):
            self.flaky_hits[req.path] = n = self.flaky_hits.get(req.path, 0) + 1
            if n <= 2:
                return Reply(500, b"<html>Internal Server Error</html>")
        reply = self._api_routes(host, req)
        if host in self.delays:
            reply = reply or self.server.static(req)
            reply.delay = self.delays[host]
        return reply

    def _api_routes(self, host: str, req: Request) -> Reply | None:
        if host == "hanweb.mock" and req.path == "/module/download/downfile.jsp":
            name = parse_qs(req.query)["filename"][0]
            return Reply(302, b"", {"Location": f"/attach/0/{quote(name)}"})
        if host == "hanweb.mock" and req.path == "/module/xxgk/search.jsp":
            return self.xxgk_search(req)
        if host == "hanweb.mock" and req.path.endswith("dataproxy.jsp"):
            return self.dataproxy(req)
        if host == "jpaas.mock" and req.path.startswith("/api-gateway/jpaas-publish-server/"):
            return self.jpaas_api(req)
        if host == "gkmlpt.mock" and req.path.startswith("/gkmlpt/api/all/"):
            return self.gkmlpt_api(req)
        if host == "json.mock" and req.path == "/articleCommonController/lists.do":
            return self.lists_do(req)
        if host == "jsonp.mock" and req.path == "/truecms/messageController/getMessage.do":
            return self.jsonp(req)
        return None
