"""HTML (fragments or whole saved pages with site chrome) → Document.

Tables become grids (rowspan/colspan expanded, covered positions None), the rest becomes
text lines in reading order. Site chrome is cut away by picking the content container:
known CMS containers first, then the element that holds the most report section headings.
"""

from __future__ import annotations

import re
from itertools import islice

import lxml.html
from lxml import etree

from pipelines.document import Block, Document, DocumentError, Grid, table_block
from pipelines.formats.text import normalize_cell, normalize_text

_DROP_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "select", "button", "svg")
_BLOCK_TAGS = {
    "p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "tr", "blockquote", "pre", "header", "footer", "nav", "form", "center", "hr", "table", "caption",
}  # fmt: skip
# Body containers of the common CMS families (portals.md §2, §3, §5), most specific first. Written as
# «attributes, then their element»: libxml2 then tests only the elements that have the attribute, ten
# times faster than `//*[contains(@class, …)]` on a whole page.
_CONTAINERS = tuple(
    etree.XPath(xpath)
    for xpath in (
        "//@class[contains(.,'TRS_Editor') or contains(.,'trs_editor_view') or contains(.,'TRS_UEDITOR')]/..",
        "//@id[.='zoom' or .='Zoom' or .='UCAP-CONTENT' or .='zoomcon' or .='ivs_content']/..",
        "//ucapcontent",
        "//@class[contains(.,'article-con') or contains(.,'pages_content') or contains(.,'news_cont_d_wrap')]/..",
    )
)
_SECTION_MARKERS = re.compile(
    r"[一二三四五六][、.．]\s*(总体情况|主动公开|收到和处理|.{0,12}行政复议|存在的主要问题|其他需要报告)"
)
# A cell longer than this, or holding a nested table, marks a layout table (site chrome), not data.
_LAYOUT_CELL_CHARS = 400
# Asked of every table in one XPath call, without a Python proxy object per cell.
_HAS_LONG_CELL = etree.XPath(f"boolean(.//td[string-length(string(.)) > {_LAYOUT_CELL_CHARS}])")


def _parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with a C-level element class lookup.

    lxml.html's default lookup is a Python method run for every element proxy created (~50,000 per
    demo page walk: ~10% of the conversion); the only classes it adds are the form-field ones
    (<form>/<input>/<select>/<textarea>/<label>), whose extra API this module does not use.
    """
    parser = lxml.html.HTMLParser()
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


_PARSER = _parser()


def html_to_document(html: str | bytes) -> Document:
    if isinstance(html, str):
        html = normalize_text(html)  # once for the page, so cells need only the cheap per-string pass
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"malformed HTML: {exc}") from exc
    meta = read_meta(root)
    page_fields = read_field_block(root)
    for element in list(root.iter(*_DROP_TAGS)):
        if element.getparent() is not None:
            element.drop_tree()
    etree.strip_elements(root, etree.Comment, with_tail=False)
    content = pick_container(root)
    blocks = _Walker().walk(content)
    doc = Document(blocks=blocks, meta={**page_fields, **meta}, format="html")
    if not doc.text.strip():
        raise DocumentError("HTML page has no text")
    return doc


def read_meta(root) -> dict[str, str]:
    """`<meta name=… content=…>` (ArticleTitle, PubDate, ContentSource, …) and `<title>`, lower-case keys."""
    meta = {}
    for element in root.iter("meta"):
        name = (element.get("name") or element.get("property") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if name and content:
            meta.setdefault(name, content)
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        meta.setdefault("title", " ".join(title.text_content().split()))
    return meta


_FIELD_LABELS = (
    "索引号",
    "发布机构",
    "发文机关",
    "公开主体",
    "发文日期",
    "成文日期",
    "生成日期",
    "发布日期",
    "文号",
    "发文字号",
)
_FIELD_PATTERN = re.compile(
    r"(索\s*引\s*号|发\s*布\s*机\s*构|发\s*文\s*机\s*关|公\s*开\s*主\s*体|发\s*文\s*日\s*期|成\s*文\s*日\s*期|"
    r"生\s*成\s*日\s*期|发\s*布\s*日\s*期|发\s*文\s*字\s*号|文\s*号)\s*[:：]?\s*$"
)


_LABEL_END = re.compile("[号构关体期]")
_FIELD_IN_TEXT = tuple((label, re.compile(rf"{label}\s*[:：]\s*([^\s:：]{{1,60}})")) for label in _FIELD_LABELS)
# «索引号：0012/2024-00012» as one text node (<li>, <p>, <span>…): the label and its value inline.
_INLINE_FIELD = re.compile(_FIELD_PATTERN.pattern.replace(r"\s*[:：]?\s*$", r"\s*[:：]\s*(\S.{0,59}?)\s*$"))
_LABEL_STARTS = frozenset(label[0] for label in _FIELD_LABELS)


def read_field_block(root) -> dict[str, str]:
    """The 索引号/发布机构/发文日期/文号 block: `<th>label</th><td>value</td>`, `<dt>`/`<dd>`, or
    `label：value` items (portals.md §1.4)."""
    fields: dict[str, str] = {}
    for cell in root.iter("th", "td", "dt", "span", "b", "strong", "label", "em"):
        raw = _raw_text(cell)
        if not _LABEL_END.search(raw):
            continue  # every label ends in one of these characters: most cells are skipped unsplit
        label = " ".join(raw.split())
        match = _FIELD_PATTERN.match(label) if len(label) < 12 else None
        if not match:
            continue
        value_element = cell.getnext()
        if value_element is None and cell.getparent() is not None and cell.getparent().tag in ("td", "th"):
            value_element = cell.getparent().getnext()
        value = " ".join(value_element.text_content().split()) if value_element is not None else ""
        if value and len(value) < 80:
            fields.setdefault(re.sub(r"\s", "", match.group(1)), value)
    for piece in root.itertext():
        head = piece.lstrip(" \u3000\u00a0\t\r\n")
        if head[:1] in _LABEL_STARTS and len(head) < 80 and (match := _INLINE_FIELD.match(head)):
            fields.setdefault(re.sub(r"\s", "", match.group(1)), match.group(2))
    text = normalize_text(root.text_content()) if not fields else ""
    for label, pattern in _FIELD_IN_TEXT:
        found = pattern.search(text)
        if found:
            fields.setdefault(label, found.group(1))
    return fields


def pick_container(root):
    body = root.find("body")
    body = body if body is not None else root
    for xpath in _CONTAINERS:
        for element in xpath(root):
            if len(element.text_content().strip()) > 200:
                return element
    best, best_score = body, 0
    for element in body.iter("div", "td", "article", "section", "main"):
        score = len(set(_SECTION_MARKERS.findall(element.text_content())))
        # Prefer the innermost element that still holds the most headings.
        if score >= best_score and score >= 3:
            best, best_score = element, score
    return best


class _Walker:
    """Walk the content element in document order, emitting text lines and table grids."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.current: list[str] = []

    def walk(self, element) -> list[Block]:
        self._visit(element)
        self._flush_text()
        return self.blocks

    def _visit(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table" and not is_layout_table(element):
            self._flush_text()
            grid = table_grid(element)
            if any(cell for row in grid for cell in row):
                self.blocks.append(table_block(grid))
        else:
            if tag in _BLOCK_TAGS or tag == "br":
                self._break()
            if element.text and tag != "br":
                self.current.append(element.text)
            for child in element:
                self._visit(child)
                if child.tail:
                    self.current.append(child.tail)
            if tag in ("td", "th"):
                self.current.append(" ")  # cells of a layout table stay on one line
            elif tag in _BLOCK_TAGS:
                self._break()

    def _break(self) -> None:
        line = normalize_text("".join(self.current)).strip()
        if line:
            self.lines.append(re.sub(r"[ \t]+", " ", line))
        self.current = []

    def _flush_text(self) -> None:
        self._break()
        if self.lines:
            self.blocks.append(Block(text="\n".join(self.lines)))
            self.lines = []


def is_layout_table(table) -> bool:
    if _has_nested_table(table):
        return True
    return _HAS_LONG_CELL(table)  # = any td whose text (all descendants) is longer than _LAYOUT_CELL_CHARS


def _has_nested_table(table) -> bool:
    # iter() walks in C; find(".//td//table") is lxml's Python ElementPath (~50× slower).
    return next(islice(table.iter("table"), 1, None), None) is not None


def _raw_text(element) -> str:
    return element.text or "" if len(element) == 0 else "".join(element.itertext())


def _rows(table) -> list:
    if not _has_nested_table(table):
        return list(table.iter("tr"))
    return [row for row in table.iter("tr") if _nearest_table(row) is table]


def _nearest_table(element):
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


# A statistical table has a few hundred cells; spans may not blow a small page up into millions.
MAX_GRID_CELLS = 100_000


def table_grid(table) -> Grid:
    """Expand rowspan/colspan into a rectangular grid; covered positions are None."""
    grid: dict[tuple[int, int], str | None] = {}
    width = 0
    rows = _rows(table)
    for r, row in enumerate(rows):
        if len(grid) > MAX_GRID_CELLS:
            raise DocumentError(f"HTML table too large: over {MAX_GRID_CELLS} cells after expanding spans")
        c = 0
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan_attr, colspan_attr = cell.get("rowspan"), cell.get("colspan")
            if rowspan_attr is None and colspan_attr is None:  # most cells: one position, nothing covered
                grid[(r, c)] = cell_text(cell)
                c += 1
            else:
                rowspan = min(_span(rowspan_attr), len(rows) - r)  # a span cannot reach past the last row
                colspan = _span(colspan_attr)
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid[(r + dr, c + dc)] = None
                grid[(r, c)] = cell_text(cell)
                c += colspan
            if c > width:
                width = c
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 200))
    except ValueError:
        return 1


def cell_text(cell) -> str:
    """Cell text with <br>/<p> as line breaks, whitespace collapsed, &nbsp; → blank."""
    if len(cell) == 0:  # most cells: plain text, no markup inside
        return " ".join(normalize_cell(cell.text or "").split())
    for br in cell.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for para in cell.iter("p", "div"):
        if para is not cell:
            para.tail = "\n" + (para.tail or "")
    text = normalize_cell("".join(cell.itertext()))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)
