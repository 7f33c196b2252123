"""大汉 Hanweb JCMS columns: inline `<datastore>` first page, then `dataproxy.jsp` (portals.md §3).

`HanwebSpider` (family "hanweb") — set on a portal:
    column_urls        `/col/col{columnid}/index.html` page(s)
    hanweb_method      "auto" (default): POST windows when the page has a jpage(...) call with
                       `ajaxParam`, else GET through `<nextgroup>` links; or force "post" / "get"
    hanweb_window = 0  records per POST window; 0 = perPage × groupSize read from the jpage call
Mechanics: the column page embeds the first records in `<script type="text/xml"><datastore>` (records
are CDATA-wrapped HTML `<li>`s). POST form: `dataproxy.jsp?startrecord=s&endrecord=e&perpage=p` with the
`ajaxParam` fields as the body and `X-Requested-With`/`Referer` headers; stop past `totalRecord`, on an
empty window or on a window of known reports. GET form: follow the `<nextgroup>` URL
(`dataproxy.jsp?page=g&…`) found in each response. `webid`/`unitid`/`columnid` are read from each
column page, never assumed site-wide.
    xxgk_form = {}     信息公开 module columns (`/module/xxgk/search.jsp`): the POST form, e.g.
                       {"infotypeId": "A0203", "jdid": "1", "area": "014000650", "divid": "div1230003"}
                       (values from the column page's loadDynamic(...) call); rows `tr.tr_main_value_*`,
                       pages `currpage=N` while `funGoPage('/module/xxgk/search.jsp', N)` links exist.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar
from urllib.parse import urlencode, urljoin

from parsel import Selector
from scrapy import FormRequest
from scrapy.http import Response

from crawler.families.base import ReportSpider
from crawler.families.pages import report_links

XXGK_QUERY = "standardXxgk=0&isAllList=1&texttype=&fbtime=&vc_all=&vc_filenumber=&vc_title=&vc_number="
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"'].*?\]\]>\s*</nextgroup>", re.S)
JPAGE = re.compile(r"\.jpage\(\s*\{(.*?)\}\s*\)\s*;", re.S)
AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{(.*?)\}", re.S)
PAIR = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))""")


def records(text: str, base: str) -> list:
    """Report links of every CDATA record in a datastore/dataproxy answer."""
    html = "".join(RECORD.findall(text))
    return report_links(Selector(text=f"<ul>{html}</ul>"), base) if html else []


def jpage_config(text: str) -> dict[str, str] | None:
    """The jpage({...}) options: totalRecord, perPage, groupSize, proxyUrl and the ajaxParam form."""
    m = JPAGE.search(text)
    if not m:
        return None
    body = m.group(1)
    params = AJAX_PARAM.search(body)
    outer = AJAX_PARAM.sub("", body)
    config = {k: a or b or c for k, a, b, c in PAIR.findall(outer)}
    config["form"] = {k: a or b or c for k, a, b, c in PAIR.findall(params.group(1))} if params else {}
    return config


class HanwebSpider(ReportSpider):
    family: ClassVar[str] = "hanweb"
    hanweb_method: str = "auto"
    hanweb_window: int = 0
    xxgk_form: ClassVar[dict[str, str]] = {}

    def parse_hanweb(self, response: Response):
        if self.xxgk_form and "/module/xxgk/" in response.text:
            self.keep_paging(response, [])  # the column shell; search.jsp does the listing
            yield self._xxgk(response, 1)
            return
        links = records(response.text, response.url)
        yield from self.follow_reports(response, links)
        if not self.keep_paging(response, links, len(RECORD.findall(response.text))):
            return
        config = jpage_config(response.text)
        method = self.hanweb_method
        if config and method in ("auto", "post"):
            yield from self._window(response, config, start=len(links) + 1)
        elif m := NEXTGROUP.search(response.text):
            yield self._next_get(response, m.group(1))

    def _window(self, response: Response, config: dict, start: int):
        total = int(config.get("totalRecord", 0) or 0)
        size = self.hanweb_window or int(config.get("perPage", 15)) * int(config.get("groupSize", 3))
        if start > total:
            return
        url = urljoin(response.url, config.get("proxyUrl", "/module/web/jpage/dataproxy.jsp"))
        url += f"?startrecord={start}&endrecord={start + size - 1}&perpage={config.get('perPage', 15)}"
        meta = self.carry(response) | {
            "nianbao_kind": "listing", "column": response.meta["column"], "page": response.meta["page"] + 1,
            "depth": response.meta["depth"], "jpage": config, "start": start + size,
        }  # fmt: skip
        headers = {"X-Requested-With": "XMLHttpRequest", "Referer": response.meta["column"]}
        yield FormRequest(
            url, formdata=config["form"], headers=headers, meta=meta, callback=self.parse_dataproxy, errback=self.failed
        )

    def parse_dataproxy(self, response: Response):
        links = records(response.text, response.url)
        yield from self.follow_reports(response, links)
        if self.keep_paging(response, links, len(RECORD.findall(response.text))):
            yield from self._window(response, response.meta["jpage"], response.meta["start"])

    def _xxgk(self, response: Response, page: int) -> FormRequest:
        url = urljoin(response.url, f"/module/xxgk/search.jsp?{XXGK_QUERY}&currpage={page}")
        meta = self.carry(response) | {"nianbao_kind": "listing", "column": response.meta["column"], "page": page}
        meta |= {"depth": response.meta["depth"]}
        form = self.xxgk_form
        return FormRequest(url, formdata=form, meta=meta, callback=self.parse_xxgk, errback=self.failed)

    def parse_xxgk(self, response: Response):
        """search.jsp answers table rows `tr.tr_main_value_odd/even`; more pages while funGoPage(…, N+1) exists."""
        links = report_links(response.selector, response.url, css="tr[class^='tr_main_value'] a")
        yield from self.follow_reports(response, links)
        page = response.meta["page"]
        more = re.search(rf"funGoPage\([^,)]*,\s*{page + 1}\s*\)", response.text)
        if self.keep_paging(response, links, len(response.css("tr[class^='tr_main_value']"))) and more:
            yield self._xxgk(response, page + 1)

    def _next_get(self, response: Response, href: str):
        meta = self.carry(response)
        page, column, depth = response.meta["page"] + 1, response.meta["column"], response.meta["depth"]
        return self.listing(
            urljoin(response.url, href), self.parse_get_group, column=column, page=page, depth=depth, meta=meta
        )

    def parse_get_group(self, response: Response):
        links = records(response.text, response.url)
        yield from self.follow_reports(response, links)
        listed = len(RECORD.findall(response.text))
        if self.keep_paging(response, links, listed) and (m := NEXTGROUP.search(response.text)):
            yield self._next_get(response, m.group(1))


JPAAS_SCRIPT = re.compile(r"<script[^>]*parsetype=[\"']bulidstatic[\"'][^>]*>", re.I)
ATTR = re.compile(r"""(\w+)\s*=\s*("([^"]*)"|'([^']*)')""")
COUNT = re.compile(
    r"""class=["']pagination["'][^>]*\bcount=["'](\d+)["']|\bcount=["'](\d+)["'][^>]*class=["']pagination"""
)


def jpaas_params(text: str) -> tuple[str, dict[str, str]] | None:
    """(API url, query) from `<script parsetype="bulidstatic" url="…" querydata="{'webId':'…',…}">`."""
    tag = JPAAS_SCRIPT.search(text)
    if not tag:
        return None
    attrs = {m[1].lower(): m[3] if m[3] is not None else m[4] for m in ATTR.finditer(tag.group(0))}
    query = dict(re.findall(r"""['"](\w+)['"]\s*:\s*['"]([^'"]*)['"]""", attrs.get("querydata", "")))
    return attrs.get("url", ""), query


class JpaasSpider(ReportSpider):
    """Hanweb jpaas (集约化 platform: Jiangsu cities, Zhejiang; portals.md §3 "jpaas") — family "jpaas".

    Set `column_urls` only. The column page carries `<script parsetype="bulidstatic" url=… querydata=…>`;
    the list is `GET {url}?parseType=bulidstatic&pageType=column&…querydata…` (+ `paramJson=
    {"pageNo":N,"pageSize":rows}` from page 2), answering JSON whose `data.html` holds the `<li>` rows and
    a `<div class="pagination" count="…">`; pages = ceil(count / rows). A page identical to page 1 (seen
    from overseas IPs) is reported as a block by `keep_paging`.
    """

    family: ClassVar[str] = "jpaas"

    def parse_jpaas(self, response: Response):
        self.keep_paging(response, [])  # the column shell; the API does the listing
        found = jpaas_params(response.text)
        if not found:
            self.logger.error("%s: no jpaas bulidstatic script", response.url)
            return
        url, query = found
        yield self._jpaas_request(response, urljoin(response.url, url), query, 1)

    def _jpaas_request(self, response: Response, api: str, query: dict[str, str], page: int):
        rows = query.get("rows", "15")
        params = {"parseType": "bulidstatic", "pageType": "column"} | query
        if page > 1:
            params["paramJson"] = json.dumps({"pageNo": page, "pageSize": int(rows)}, separators=(",", ":"))
        meta = self.carry(response) | {"jpaas": (api, query)}
        url = f"{api}?{urlencode(params)}"
        return self.listing(url, self.parse_jpaas_page, column=response.meta["column"], page=page, depth=0, meta=meta)

    def parse_jpaas_page(self, response: Response):
        html = (json.loads(response.text).get("data") or {}).get("html") or ""
        rows = Selector(text=f"<div>{html}</div>")
        links = report_links(rows, response.url)
        yield from self.follow_reports(response, links)
        api, query = response.meta["jpaas"]
        count = COUNT.search(html)
        total = int(count.group(1) or count.group(2)) if count else 0
        page = response.meta["page"]
        if self.keep_paging(response, links, len(rows.css("li"))) and page * int(query.get("rows", "15")) < total:
            yield self._jpaas_request(response, api, query, page + 1)
