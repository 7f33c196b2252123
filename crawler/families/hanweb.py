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
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin

from parsel import Selector
from scrapy import FormRequest
from scrapy.http import Response

from crawler.families.base import ReportSpider
from crawler.families.pages import report_links

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

    def parse_hanweb(self, response: Response):
        links = records(response.text, response.url)
        yield from self.follow_reports(response, links)
        if not self.keep_paging(response, links):
            return
        config = jpage_config(response.text)
        method = self.conf(response, "hanweb_method")
        if config and method in ("auto", "post"):
            yield from self._window(response, config, start=len(links) + 1)
        elif m := NEXTGROUP.search(response.text):
            yield self._next_get(response, m.group(1))

    def _window(self, response: Response, config: dict, start: int):
        total = int(config.get("totalRecord", 0) or 0)
        size = self.conf(response, "hanweb_window") or int(config.get("perPage", 15)) * int(config.get("groupSize", 3))
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
        if self.keep_paging(response, links):
            yield from self._window(response, response.meta["jpage"], response.meta["start"])

    def _next_get(self, response: Response, href: str):
        meta = self.carry(response)
        page, column, depth = response.meta["page"] + 1, response.meta["column"], response.meta["depth"]
        return self.listing(
            urljoin(response.url, href), self.parse_get_group, column=column, page=page, depth=depth, meta=meta
        )

    def parse_get_group(self, response: Response):
        links = records(response.text, response.url)
        yield from self.follow_reports(response, links)
        if self.keep_paging(response, links) and (m := NEXTGROUP.search(response.text)):
            yield self._next_get(response, m.group(1))
