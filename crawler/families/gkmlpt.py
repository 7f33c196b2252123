"""Guangdong 政府信息公开目录管理平台 `gkmlpt` (portals.md §4).

`GkmlptSpider` (family "gkmlpt") — set on a portal:
    column_urls        `{base}/gkmlpt/index` (optionally `#{categoryId}`)
    gkmlpt_category    category id; default: read from the URL fragment, else the first TREE node whose
                       name matches `gkmlpt_name` (default 年报|年度报告)
Mechanics: `/gkmlpt/index` holds `window._CONFIG = {SID: '…', TREE: [...]}`; the list API is
`GET {base}/gkmlpt/api/all/{category}?page={n}&sid={SID}` (JSON `articles`, `total`,
`classify.post_count`). **Page 0 and page 1 return the same batch**, so pages are requested from 1 up;
stop when the collected count reaches the total, on an empty batch, or on a batch of known reports.
Article attachments listed in the JSON are fetched with the report even when the detail page does
not link them.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response

from crawler.families.base import ReportSpider
from crawler.families.pages import Link
from pipelines.titles import is_report_title, norm

SID = re.compile(r"""SID\s*:\s*['"]?(\w+)""")
TREE = re.compile(r"TREE\s*:\s*(\[.*?\])\s*[,}]\s*(?:\w+\s*:|\}|;|$)", re.S)


def find_category(tree: list[dict], pattern: str) -> int | None:
    for node in tree:
        if re.search(pattern, node.get("name", "")):
            return node["id"]
        if found := find_category(node.get("children") or [], pattern):
            return found
    return None


class GkmlptSpider(ReportSpider):
    family: ClassVar[str] = "gkmlpt"
    gkmlpt_category: int | None = None
    gkmlpt_name: str = "年报|年度报告"

    def parse_gkmlpt(self, response: Response):
        self.keep_paging(response, [])  # records the index page; the API does the listing
        sid = SID.search(response.text)
        category = self.gkmlpt_category or urlsplit(response.url).fragment or None
        if category is None and (tree := TREE.search(response.text)):
            category = find_category(json.loads(tree.group(1)), self.gkmlpt_name)
        if not sid or category is None:
            self.logger.error("%s: no gkmlpt SID/category found", response.url)
            return
        yield self._api(response, sid.group(1), int(category), 1, seen=0)

    def _api(self, response: Response, sid: str, category: int, page: int, seen: int):
        url = urljoin(response.url, f"/gkmlpt/api/all/{category}?page={page}&sid={sid}")
        meta = self.carry(response) | {"gkmlpt": (sid, category, seen)}
        column = response.meta["column"]
        return self.listing(url, self.parse_api, column=column, page=page, depth=response.meta["depth"], meta=meta)

    def parse_api(self, response: Response):
        data = json.loads(response.text)
        articles = data.get("articles") or []
        listed, extra = [], {}
        for article in articles:
            title, url = norm(article.get("title", "")), article.get("url") or article.get("post_url")
            when = article.get("display_publish_time")
            date = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d") if when else None
            if url:
                listed.append(Link(url, title, date))
                extra[url] = [(a["url"], a.get("name", "")) for a in article.get("attachment") or [] if a.get("url")]
        for link in listed:
            if is_report_title(link.title):
                yield from self.follow_reports(response, [link], extra_attachments=extra[link.url])
        sid, category, seen = response.meta["gkmlpt"]
        seen += len(articles)
        total = data.get("total") or (data.get("classify") or {}).get("post_count") or 0
        more = articles and seen < total
        if self.keep_paging(response, listed) and more:
            yield self._api(response, sid, category, response.meta["page"] + 1, seen)
