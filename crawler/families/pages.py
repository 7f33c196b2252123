"""Pure helpers shared by the families: report-link finding, titles, dates, detail-page hints.

Nothing here fetches; every function takes a parsel `Selector` (or text) and a base URL, so each can
be tested on saved bytes. Rules come from portals.md §1.3–1.4 (meta tags, metadata block), §2/§3
(body containers), §8 (titles, years, dates).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector
from w3lib.url import canonicalize_url

REPORT_WORDS = re.compile(r"年度报告|年报|信息公开.{0,12}报告")
EXCLUDE_WORDS = re.compile(r"解读|图解|工作要点|预算|决算|统计公报|审计")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")
SITE_SUFFIX = re.compile(r"\s*[-_|]+\s*[^-_|]*(?:政府|网站|门户|人民政府)[^-_|]*$")

BODY_CONTAINERS = [
    ".TRS_Editor", ".trs_editor_view", ".TRS_UEDITOR", ".TRS_PreAppend", "#zoom", "#Zoom", "#UCAP-CONTENT",
    "UCAPCONTENT", ".bt-content", ".artile_zw", ".wzzw-article", ".main-txt", ".news_cont_d_wrap", "#artical",
    ".nr-zw", ".article-con", ".pages_content", ".view",
]  # fmt: skip
META_LABELS = ["索引号", "信息分类", "主题分类", "发布机构", "发文机关", "公开主体", "生成日期", "成文日期", "发文日期"]
META_LABELS += ["发布日期", "文号", "发文字号", "标题", "名称", "主题词", "关键词", "公开方式", "有效性"]


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    date: str | None = None  # YYYY-MM-DD from the list row


def norm(text: str) -> str:
    """NFKC (full-width digits and colons), ideographic spaces removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").replace("\u3000", " ")).strip()


def is_report_title(title: str) -> bool:
    """A 年报 title: a year plus 年度报告/年报/信息公开…报告, and not 解读/工作要点/预决算 (portals.md §8.2)."""
    t = norm(title)
    return (
        bool(YEAR.search(t) or re.search(r"(?:19|20)\d{2}", t))
        and bool(REPORT_WORDS.search(t))
        and not EXCLUDE_WORDS.search(t)
    )


def title_year(title: str) -> int | None:
    m = YEAR.search(norm(title))
    return int(m.group(1)) if m else None


def parse_date(text: str | None) -> str | None:
    m = DATE.search(norm(text or ""))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else None


def url_date(url: str) -> str | None:
    m = URL_DATE.search(url)
    if not m:
        return None
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    return f"{y:04d}-{mo:02d}-{d:02d}"


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


def meta(sel: Selector, name: str) -> str | None:
    value = sel.xpath(
        f"//meta[translate(@name,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')='{name.lower()}']/@content"
    ).get()
    return norm(value) if value else None


def page_title(sel: Selector) -> str | None:
    for candidate in (meta(sel, "ArticleTitle"), sel.css("h1 ::text").get(), sel.css(".title ::text").get()):
        if candidate and norm(candidate):
            return norm(candidate)
    raw = norm(sel.css("title::text").get() or "")
    return SITE_SUFFIX.sub("", raw) or None


FIRST_CHARS = {label[0] for label in META_LABELS}


def _label_nodes(root) -> list:
    """Short text nodes that start with a label; a Python pass over lxml's text nodes is ~20× faster than
    one XPath per cell or an XPath `translate()` filter (report pages hold hundreds of table cells)."""
    found = []
    for node in root.xpath("//text()"):
        head = node.lstrip(" \u3000\u00a0\t\r\n")
        if head[:1] in FIRST_CHARS and len(head) < 80:
            found.append(node)
    return found


def _next_value(element) -> str:
    """Text of the element after the label's cell (th→td, dt→dd, <td><b>label</b></td>→td)."""
    for _ in range(3):
        if element is None:
            return ""
        if (following := element.getnext()) is not None:
            return norm(following.text_content())
        element = element.getparent()
    return ""


def metadata_block(sel: Selector) -> dict[str, str]:
    """索引号/发布机构/成文日期/文号… from th/td pairs, dl/dd, or 'label：value' lines (portals.md §1.4)."""
    out: dict[str, str] = {}
    for node in _label_nodes(sel.root) if hasattr(sel.root, "xpath") else []:
        text = norm(str(node)).replace(" ", "").rstrip(":")
        label, _, inline = text.partition(":")
        if label not in META_LABELS or label in out or node.is_tail:
            continue
        value = inline or _next_value(node.getparent())
        out[label] = value.lstrip(": ")
    return out


def body_container(sel: Selector) -> str | None:
    """A locator for the article body: a known container (CSS), else the densest <div> (XPath)."""
    for css in BODY_CONTAINERS:
        if sel.css(css):
            return css
    best, best_len = None, 200  # below this a page has no real body
    for div in sel.xpath("//div[p or table]"):
        length = len("".join(div.xpath("./p//text()|./table//text()").getall()).strip())
        if length > best_len:
            best, best_len = div, length
    return best.root.getroottree().getpath(best.root) if best is not None else None


def detail_hints(sel: Selector, url: str, link: Link | None) -> dict:
    """Everything the pipelines may want from a detail page without parsing the report itself."""
    block = metadata_block(sel)
    published = (
        parse_date(meta(sel, "PubDate")) or parse_date(block.get("发布日期")) or (link and link.date) or url_date(url)
    )
    return {
        "title": page_title(sel) or (link.title if link else None),
        "list_title": link.title if link else None,
        "published": published,
        "column": meta(sel, "ColumnName"),
        "agency": block.get("发布机构") or block.get("发文机关") or meta(sel, "ContentSource"),
        "metadata": block,
        "container": body_container(sel),
    }
