"""Pure helpers shared by the families: report links on listing pages, with their row's date.

Nothing here fetches or interprets a report page (that is `pipelines/`' job); every function takes a parsel
`Selector` (or text) and a base URL, so each can be tested on saved bytes. Rules come from portals.md §2/§3
(list templates) and §8 (titles, dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector
from w3lib.url import canonicalize_url

from pipelines.dates import parse_date, url_date
from pipelines.titles import is_report_title, norm


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    date: str | None = None  # YYYY-MM-DD from the list row


def canonical(url: str) -> str:
    return canonicalize_url(url, keep_fragments=False)


def anchor_title(a: Selector) -> str:
    """title attribute beats anchor text: list text is often truncated with … (portals.md §2, §3)."""
    return norm(a.attrib.get("title") or " ".join(a.css("::text").getall()))


def row_date(a: Selector) -> str | None:
    row = a.xpath("ancestor::*[self::li or self::tr or self::dd or self::p or self::div][1]")
    text = " ".join(row.css("*::text").getall()) if row else ""
    return parse_date(text) if len(text) < 300 else None  # a big container is not the anchor's row


JS_URL = re.compile(r"""(?:window\.open|location\.href\s*=|location\.replace)\s*\(?\s*['"]([^'"]+)['"]""")


def anchor_url(a: Selector, base: str) -> str | None:
    href = (a.attrib.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        m = JS_URL.search(a.attrib.get("onclick", "") + " " + href)
        href = m.group(1) if m else ""
    return urljoin(base, href) if href else None


DOC_WRITE = re.compile(r"""document\.write\(\s*(['"])(.*?)\1\s*\)""", re.S)


def script_anchors(sel: Selector) -> list[Selector]:
    """Anchors a list writes with document.write('<a …>') (Hunan-style templates, portals.md §2)."""
    found = []
    for script in sel.xpath("//script[contains(., 'document.write')]"):
        row_date = parse_date(" ".join(script.xpath("ancestor::*[self::li or self::tr][1]//text()").getall()))
        for _, fragment in DOC_WRITE.findall(script.get()):
            for a in Selector(text=fragment).css("a"):
                found.append((a, row_date))
    return found


def report_links(sel: Selector, base: str, *, css: str = "a") -> list[Link]:
    """Anchors that look like 年报 detail links, with the date of their list row; one per canonical URL."""
    seen: dict[str, Link] = {}
    for a, date in script_anchors(sel):
        title, url = anchor_title(a), anchor_url(a, base)
        if url and is_report_title(title):
            seen.setdefault(canonical(url), Link(url, title, date or url_date(url)))
    for a in sel.css(css):
        title, url = anchor_title(a), anchor_url(a, base)
        if url and is_report_title(title) and canonical(url) not in seen:
            seen[canonical(url)] = Link(url, title, row_date(a) or url_date(url))
    return list(seen.values())
