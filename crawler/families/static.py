"""Static HTML listings: TRS WCM style (`index.html`, `index_N.html`) and the generic fallback.

`TrsSpider` (family "trs", portals.md §2) — set on a portal:
    column_urls     the 年报 column page(s)
    link_css = "a"  anchors to consider (narrow it when a template has noisy side lists)
    page_urls       optional page-URL template for schemes the page script does not reveal, e.g.
                    "index_{n}.shtml" (Wuxi), "index_17431_{n}.html" with page_offset = -1 (Nanjing),
                    "column-index-{n}.shtml" (Chengdu), "?page={n}"; {n} = page number + page_offset
    page_offset = 0
Paging, first rule that applies: `page_urls`; `createPageHTML(count, current, "index", "html")` (4 args,
0-based: page k is index_{k-1}); `createPageHTML('page_div', count, current, 'xxgk_list', 'shtml', n)`
(6 args, 1-based: page k is xxgk_list_k); `var countPage`/`currentPage`; Huai'an `nsetpage(cur, total,
size)` (index_k, 1-based); then links by text (下一页/下页/后页) and by shape (an anchor numbered k+1).
Report links are anchors whose title (attribute, else text) reads as a 年报 (pages.is_report_title),
resolved against the list page (`./`, `../`, root-relative, absolute). Sub-columns (本级/部门/乡镇街道/
year folders) are short-titled links under the column's own directory; they are crawled as columns.

`GenericSpider` (family "generic") is the same machinery for sites of unknown make: the page script
rarely exists there, so the text/shape rules do the paging.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response

from crawler.families.base import ReportSpider
from crawler.families.pages import anchor_title, anchor_url, report_links
from pipelines.titles import is_report_title

CREATE4 = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']\s*\)""")
CREATE6 = re.compile(
    r"""createPageHTML\(\s*["'][\w-]*["']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w-]+)["']\s*,\s*["'](\w+)["']"""
)
COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
NSETPAGE = re.compile(r"nsetpage\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")
NEXT_WORDS = ("下一页", "下页", "后一页", "后页", "下一頁", "›", ">")
PAGING_WORDS = ("上一页", "首页", "尾页", "末页", *NEXT_WORDS)
COLUMN_SHAPE = re.compile(r"(/|/index\.s?html?|/list\.s?html?|_list\.s?html?|/index_\d{3,}\.s?html?)$")
DETAIL_SHAPE = re.compile(r"/t\d{8}_\d+\.|/art/\d{4}/|/content/post_\d+|\.(pdf|docx?|xlsx?|wps|ofd)$", re.I)


def _stem_ext(url: str) -> tuple[str, str]:
    name = urlsplit(url).path.rsplit("/", 1)[-1] or "index.html"
    stem, _, ext = name.partition(".")
    return re.sub(r"_\d+$", "", stem), ext or "html"


def script_next_page(text: str, url: str, page: int) -> str | None:
    """The next page's URL from the listing's paging script, or None (last page / no script)."""
    if m := CREATE6.search(text):
        count, current, stem, ext = int(m[1]), int(m[2]), m[3], m[4]
        return urljoin(url, f"{stem}_{current + 1}.{ext}") if current < count else None
    if m := CREATE4.search(text):
        count, current, stem, ext = int(m[1]), int(m[2]), m[3], m[4]
        return urljoin(url, f"{stem}_{current + 1}.{ext}") if current + 1 < count else None
    stem, ext = _stem_ext(url)
    if m := COUNT_PAGE.search(text):
        return urljoin(url, f"{stem}_{page}.{ext}") if page < int(m[1]) else None
    if m := NSETPAGE.search(text):
        pages = -(-int(m[2]) // max(1, int(m[3])))
        return urljoin(url, f"{stem}_{page + 1}.{ext}") if page < pages else None
    return None


class TrsSpider(ReportSpider):
    family: ClassVar[str] = "trs"
    link_css: str = "a"
    page_urls: str | None = None
    page_offset: int = 0

    def parse_trs(self, response: Response):
        links = report_links(response.selector, response.url, css=self.link_css)
        yield from self.follow_reports(response, links)
        yield from self.subcolumns(response, self.parse_trs)
        listed = len(links) + len(self.other_entries(response, links))
        if self.keep_paging(response, links, listed) and (url := self.next_page(response)):
            meta = self.carry(response) | {"root": response.meta.get("root", response.meta["column"])}
            page, column, depth = response.meta["page"] + 1, response.meta["column"], response.meta["depth"]
            yield self.listing(url, self.parse_trs, column=column, page=page, depth=depth, meta=meta)

    def next_page(self, response: Response) -> str | None:
        page = response.meta["page"]
        template = self.page_urls
        if template:
            return urljoin(response.meta["column"], template.format(n=page + 1 + self.page_offset))
        if url := script_next_page(response.text, response.url, page):
            return url
        return self.next_link(response, page)

    def other_entries(self, response: Response, links: list) -> set[str]:
        """Detail-page links of the list that are not reports (news in a mixed column): the page is not empty."""
        reports = {link.url for link in links}
        found = (anchor_url(a, response.url) for a in response.css(self.link_css))
        return {url for url in found if url and url not in reports and DETAIL_SHAPE.search(url)}

    @staticmethod
    def next_link(response: Response, page: int) -> str | None:
        """下一页-style anchors, else an anchor whose text is the next page number."""
        numbered = None
        for a in response.css("a"):
            text, url = anchor_title(a), anchor_url(a, response.url)
            if not url or url == response.url:
                continue
            if text in NEXT_WORDS or text.startswith(("下一页", "下页")):
                return url
            if text == str(page + 1):
                numbered = numbered or url
        return numbered

    def subcolumns(self, response: Response, callback):
        """Follow sub-columns: short non-report links under the column's own directory (portals.md §1.1)."""
        depth = response.meta["depth"]
        if not self.follow_subcolumns or depth >= self.max_depth:
            return
        root = response.meta.get("root", response.meta["column"])
        root_dir = urljoin(root, ".")
        for a in response.css("a"):
            text, url = anchor_title(a), anchor_url(a, response.url)
            if not url or not url.startswith(root_dir) or not text or len(text) > 16 or text.isdigit():
                continue
            if (
                text in PAGING_WORDS
                or is_report_title(text)
                or DETAIL_SHAPE.search(url)
                or not COLUMN_SHAPE.search(urlsplit(url).path)
            ):
                continue
            meta = self.carry(response) | {"root": root, "column_name": text}
            yield self.listing(url, callback, column=url, depth=depth + 1, meta=meta)


class GenericSpider(TrsSpider):
    family: ClassVar[str] = "generic"

    def parse_generic(self, response: Response):
        yield from self.parse_trs(response)
