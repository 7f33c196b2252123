"""DOCX → Document: paragraphs and tables in body order, merged cells as `None`.

Reads `word/document.xml` straight from the zip with lxml (after the zip-bomb checks in `limits`): that is
what python-docx's `iter_inner_content()` walks, without building its object model (fast, and merged cells
come from `gridSpan`/`vMerge` directly instead of python-docx's repeated-text view of them).

Choices:
- A vertically merged cell (`vMerge` restart … continue) and a horizontally merged one (`gridSpan`) keep the
  text at the origin and `None` on covered positions; text written in a continuation cell is appended to
  the origin.
- Nested tables are flattened into their own grid blocks placed right after the outer table (the outer
  cell keeps only its own paragraphs), so a table in a table is never lost and never glued into a label.
- Deleted tracked changes (`w:delText`) and the VML fallback copies of text boxes are ignored.
"""

from __future__ import annotations

import zipfile

from lxml import etree

from pipelines.document import Block, Document, DocumentError, table_block
from pipelines.formats.cells import clean_cell, drop_covered, text_blocks
from pipelines.formats.limits import check_parts, open_zip
from pipelines.formats.numbering import ListNumbering, as_int

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
_P, _TBL, _SDT, _TR, _TC = (f"{{{W}}}{name}" for name in ("p", "tbl", "sdt", "tr", "tc"))
_CORE_FIELDS = (
    ("title", "dc:title"),
    ("author", "dc:creator"),
    ("created", "dcterms:created"),
    ("modified", "dcterms:modified"),
)
MAX_SPAN = 64  # Word allows 63 grid columns; a larger gridSpan/gridBefore is garbage, not a table
SLIVER_TWIPS = 30  # 1.5 pt: narrower grid columns are layout noise, not table columns
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def docx_to_document(data: bytes, *, filename: str | None = None) -> Document:
    """Convert DOCX bytes; raise DocumentError when they are not a readable Word document."""
    archive = open_zip(data, "DOCX", "word/document.xml")
    check_parts(archive, "DOCX", ("word/document.xml", "word/numbering.xml", "word/styles.xml"))
    root = _parse(archive, "word/document.xml")
    body = root.find("w:body", NS)
    if body is None:
        raise DocumentError("corrupt DOCX: word/document.xml has no body")
    document = Document(format="docx", meta=_core_meta(archive))
    numbering = ListNumbering(_optional(archive, "word/numbering.xml"), _optional(archive, "word/styles.xml"))
    document.blocks = _body_blocks(body, numbering)
    if not document.blocks:
        if body.find(".//w:altChunk", NS) is not None:
            raise DocumentError("DOCX body is an embedded altChunk document (HTML/RTF inside DOCX): not supported")
        raise DocumentError("empty DOCX: no text or tables")
    return document


def _optional(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    """A part we can do without (numbering, styles): None when missing or broken."""
    if name not in archive.namelist():
        return None
    try:
        return _parse(archive, name)
    except DocumentError:
        return None


def _parse(archive: zipfile.ZipFile, name: str) -> etree._Element:
    try:
        with archive.open(name) as member:
            return etree.fromstring(member.read(), _XML_PARSER)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise DocumentError(f"corrupt DOCX: {name} is unreadable ({exc})") from exc


def _core_meta(archive: zipfile.ZipFile) -> dict[str, str]:
    if "docProps/core.xml" not in archive.namelist():
        return {}
    try:
        root = _parse(archive, "docProps/core.xml")
    except DocumentError:
        return {}
    meta = {}
    for key, path in _CORE_FIELDS:
        value = root.findtext(path, namespaces=NS)
        if value and value.strip():
            meta[key] = value.strip()
    return meta


def _content(element: etree._Element) -> list[etree._Element]:
    """Children that are paragraphs or tables, looking through content controls and custom XML."""
    out = []
    for child in element:
        if child.tag in (_P, _TBL):
            out.append(child)
        elif child.tag == _SDT:
            content = child.find("w:sdtContent", NS)
            if content is not None:
                out.extend(_content(content))
        elif child.tag == f"{{{W}}}customXml":
            out.extend(_content(child))
    return out


def _body_blocks(body: etree._Element, numbering: ListNumbering) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    for element in _content(body):
        if element.tag == _P:
            lines.append(_paragraph_text(element, numbering).strip())
            continue
        blocks.extend(text_blocks(lines))
        lines = []
        blocks.extend(_table_blocks(element, numbering))
    blocks.extend(text_blocks(lines))
    return blocks


def _paragraph_text(paragraph: etree._Element, numbering: ListNumbering) -> str:
    """The paragraph's text, after the list number Word would show before it."""
    parts = []
    for node in paragraph.iter(f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}cr"):
        if any(ancestor.tag == f"{{{NS['mc']}}}Fallback" for ancestor in node.iterancestors()):
            continue
        name = etree.QName(node).localname
        parts.append(node.text or "" if name == "t" else "\t" if name == "tab" else "\n")
    text = "".join(parts)
    label = numbering.label(paragraph) if text.strip() else ""
    return label + text


def _val(element: etree._Element, path: str) -> str | None:
    found = element.find(path, NS)
    return None if found is None else found.get(f"{{{W}}}val", "")


def _table_blocks(table: etree._Element, numbering: ListNumbering) -> list[Block]:
    """The table's own grid block, then one block per nested table (depth first)."""
    grid: list[list[str | None]] = []
    nested: list[Block] = []
    for row in _rows(table):
        cells: list[str | None] = [None] * min(max(as_int(_val(row, "w:trPr/w:gridBefore"), 0), 0), MAX_SPAN)
        for cell in _cells(row):
            span = min(max(as_int(_val(cell, "w:tcPr/w:gridSpan"), 1), 1), MAX_SPAN)
            merge = _val(cell, "w:tcPr/w:vMerge")
            paragraphs = []
            for element in _content(cell):
                if element.tag == _P:
                    paragraphs.append(_paragraph_text(element, numbering))
                else:
                    nested.extend(_table_blocks(element, numbering))
            text = clean_cell("\n".join(paragraphs))
            if merge is not None and merge != "restart":
                _continue_merge(grid, len(cells), text)
                cells.extend([None] * span)
            else:
                cells.extend([text] + [None] * (span - 1))
        grid.append(cells)
    width = max((len(row) for row in grid), default=0)
    grid = [row + [""] * (width - len(row)) for row in grid]
    grid = drop_covered(_drop_slivers(grid, _grid_widths(table)))
    if not any(cell for row in grid for cell in row):
        return nested
    return [table_block(grid), *nested]


def _grid_widths(table: etree._Element) -> list[int]:
    widths = []
    for column in table.findall("w:tblGrid/w:gridCol", NS):
        try:
            widths.append(int(float(column.get(f"{{{W}}}w", "0"))))
        except ValueError:
            widths.append(0)
    return widths


def _drop_slivers(grid: list[list[str | None]], widths: list[int]) -> list[list[str | None]]:
    """Fold a hair-thin grid column (LibreOffice writes 1-twip ones) into the column on its right.

    Such a column exists only because two rows put a boundary a hair apart; keeping it makes cells that
    are one column in the form span two. Folded only when no cell's text would be lost.
    """
    if not grid or len(widths) != len(grid[0]):
        return grid
    for col in reversed(range(len(widths) - 1)):
        if widths[col] >= SLIVER_TWIPS or any(row[col] and row[col + 1] is not None for row in grid):
            continue
        for row in grid:
            if row[col] is not None and row[col + 1] is None:
                row[col + 1] = row[col]
            del row[col]
    return grid


def _continue_merge(grid: list[list[str | None]], col: int, text: str) -> None:
    """Append a vMerge continuation's text (usually empty) to the origin above it."""
    if not text:
        return
    for row in reversed(grid):
        if col < len(row) and row[col] is not None:
            row[col] = clean_cell(f"{row[col]}\n{text}") if row[col] else text
            return


def _rows(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr", namespaces=NS)


def _cells(row: etree._Element) -> list[etree._Element]:
    return row.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc", namespaces=NS)


__all__ = ["docx_to_document"]
