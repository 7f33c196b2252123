"""A configurable JSON / JSONP list API (portals.md §5: Huai'an lists.do, Epoint, TrueCMS, IGS, Suzhou…).

`JsonApiSpider` (family "json_api") — set on a portal:
    column_urls       the column page people see (sent as Referer; also the `-a url=` entry point)
    api_url           list endpoint; may contain {page}, {offset}, {start}, {end}, {size}
    api_method = "GET" or "POST"
    api_form = {}     POST form fields, same placeholders (e.g. {"page": "{page}", "pagesize": "{size}"})
    page_base = 1     number of the first page (0 for Epoint's pageIndex)
    page_size = 15    records per call
    list_path         dotted path to the record list ("value.list", "custom.data", "page.content")
    total_path        dotted path to the record count (optional; else stop on an empty page)
    html_path         dotted path to an HTML fragment holding the records instead (TrueCMS `result`,
                      jpaas `data.html`); the records are read as anchors like a static list
    title_field = "title", date_field = "", url_field = "url" — or url_template, e.g. "{domain}{path}"
JSONP answers (`callback({...})`) are unwrapped automatically. Stops on an empty page, past the total,
or on a page of known reports; `{start}`/`{end}` are 1-based record windows (Hanweb/TrueCMS style).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar
from urllib.parse import urljoin

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response

from crawler.families.base import ReportSpider
from crawler.families.hanweb import RECORD
from crawler.families.pages import Link, report_links
from pipelines.dates import parse_date
from pipelines.titles import is_report_title, norm

JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)


def unwrap(text: str) -> Any:
    m = JSONP.match(text)
    return json.loads(m.group(1) if m and not text.lstrip().startswith(("{", "[")) else text)


def dig(data: Any, path: str) -> Any:
    for key in filter(None, path.split(".")):
        data = data.get(key) if isinstance(data, dict) else None
    return data


class JsonApiSpider(ReportSpider):
    family: ClassVar[str] = "json_api"
    api_url: str = ""
    api_method: str = "GET"
    api_form: ClassVar[dict[str, str]] = {}
    page_base: int = 1
    page_size: int = 15
    list_path: str = ""
    total_path: str = ""
    html_path: str = ""
    title_field: str = "title"
    date_field: str = ""
    url_field: str = "url"
    url_template: str = ""

    def parse_json_api(self, response: Response):
        """Entry from the column page (or the generic spider): start the API at the first page."""
        self.keep_paging(response, [])
        yield self.api_request(response, 1)

    def api_request(self, response: Response, page: int) -> Request:
        size, number = self.page_size, page - 1 + self.page_base
        values = {"page": number, "offset": (page - 1) * size, "start": (page - 1) * size + 1, "end": page * size}
        values = {k: str(v) for k, v in (values | {"size": size}).items()}
        url = urljoin(response.url, self.api_url.format(**values))
        meta = self.carry(response) | {"nianbao_kind": "listing", "column": response.meta["column"], "page": page}
        meta |= {"depth": response.meta["depth"]}
        headers = {"Referer": response.meta["column"], "X-Requested-With": "XMLHttpRequest"}
        kwargs = dict(url=url, meta=meta, headers=headers, callback=self.parse_api_page, errback=self.failed)
        if self.api_method.upper() == "POST":
            form = {k: v.format(**values) for k, v in self.api_form.items()}
            return FormRequest(formdata=form, **kwargs)
        return Request(**kwargs)

    def api_links(self, response: Response, data: Any) -> list[Link]:
        if html_path := self.html_path:
            html = dig(data, html_path) or ""
            html = "".join(RECORD.findall(html)) or html  # Hanweb-style <record> blocks inside JSON
            return report_links(Selector(text=f"<div>{html}</div>"), response.url)
        links = []
        for row in dig(data, self.list_path) or []:
            template = self.url_template
            url = template.format(**row) if template else row.get(self.url_field)
            title = norm(str(row.get(self.title_field, "")))
            date_field = self.date_field
            if url and title:
                links.append(Link(urljoin(response.url, url), title, parse_date(str(row.get(date_field, "")))))
        return links

    def parse_api_page(self, response: Response):
        data = unwrap(response.text)
        listed = self.api_links(response, data)
        yield from self.follow_reports(response, [link for link in listed if is_report_title(link.title)])
        total = dig(data, self.total_path) if self.total_path else None
        page = response.meta["page"]
        more = total is None or page * self.page_size < int(total)
        if self.keep_paging(response, listed) and more:
            yield self.api_request(response, page + 1)
