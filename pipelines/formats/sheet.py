"""XLSX (openpyxl) and XLS (xlrd) → Document: one grid block per sheet's used range.

Merged ranges keep their text at the top-left origin and `None` on covered cells; numbers are rendered as
they would print (5.0 → "5", a "0.00" format → "5.00"), blanks are "". Sheet names go to
`meta["sheets"]`, not into the text, so they cannot be mistaken for section headings.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from pipelines.document import Document, DocumentError, table_block
from pipelines.formats.cells import GridBuilder, clean_cell, trim_grid
from pipelines.formats.limits import check_parts, check_size, open_zip

MAX_SHEET_CELLS = 500_000  # a used range beyond this is a data dump, not a report table
_FIXED_DECIMALS = re.compile(r"^[#,]*0\.(0+)$")


def render_number(value: float | int, number_format: str = "General") -> str:
    """A numeric cell as printed: ints without ".0", fixed-decimal formats honoured, no float noise."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    fixed = _FIXED_DECIMALS.match(number_format or "")
    if fixed:
        return f"{value:.{len(fixed.group(1))}f}"
    if float(value).is_integer():
        return str(int(value))
    return format(value, ".15g")


def _render(value: object, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        return render_number(value, number_format)
    return clean_cell(str(value))


def _check_range(rows: int, cols: int, kind: str, sheet: str) -> None:
    if rows * cols > MAX_SHEET_CELLS:
        raise DocumentError(f"{kind} sheet {sheet!r} uses {rows}×{cols} cells (limit {MAX_SHEET_CELLS})")


def xlsx_to_document(data: bytes, *, filename: str | None = None) -> Document:
    """Convert XLSX bytes (cached formula results, not formulas); DocumentError when unreadable."""
    import openpyxl

    check_parts(open_zip(data, "XLSX", "xl/workbook.xml"), "XLSX", ("xl/worksheets/", "xl/sharedStrings.xml"))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise DocumentError(f"corrupt XLSX: {type(exc).__name__}: {exc}"[:300]) from exc
    except Exception as exc:  # lxml / openpyxl raise many types on malformed parts
        raise DocumentError(f"corrupt XLSX: {type(exc).__name__}: {exc}"[:300]) from exc
    document = Document(format="xlsx", meta={"sheets": ", ".join(workbook.sheetnames)})
    for sheet in workbook.worksheets:
        if sheet.max_row is None or sheet.max_column is None:
            continue
        _check_range(sheet.max_row, sheet.max_column, "XLSX", sheet.title)
        builder = GridBuilder()
        for merged in sheet.merged_cells.ranges:
            origin = sheet.cell(merged.min_row, merged.min_col)
            text = _render(origin.value, origin.number_format)
            builder.place(merged.min_row - 1, merged.min_col - 1, text, merged.size["rows"], merged.size["columns"])
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None and not builder.occupied(cell.row - 1, cell.column - 1):
                    builder.place(cell.row - 1, cell.column - 1, _render(cell.value, cell.number_format))
        grid = trim_grid(builder.grid())
        if grid:
            document.blocks.append(table_block(grid))
    workbook.close()
    return _not_empty(document)


def xls_to_document(data: bytes, *, filename: str | None = None) -> Document:
    """Convert Excel 97-2003 XLS bytes; DocumentError when unreadable (xlrd reads only .xls)."""
    import xlrd

    check_size(data, "XLS")
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DocumentError("not an XLS file: no OLE2 header")
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, AssertionError, struct.error … on damaged files
        raise DocumentError(f"corrupt XLS: {type(exc).__name__}: {exc}"[:300]) from exc
    document = Document(format="xls", meta={"sheets": ", ".join(book.sheet_names())})
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            _check_range(sheet.nrows, sheet.ncols, "XLS", sheet.name)
            grid = trim_grid(_xls_grid(book, sheet))
            if grid:
                document.blocks.append(table_block(grid))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return _not_empty(document)


def _not_empty(document: Document) -> Document:
    if not document.blocks:
        raise DocumentError(f"empty {document.format.upper()}: no cell holds text")
    return document


def _xls_grid(book, sheet) -> list[list[str | None]]:
    import xlrd

    builder = GridBuilder()
    for row0, row1, col0, col1 in sheet.merged_cells:
        builder.place(row0, col0, _xls_value(book, sheet.cell(row0, col0), xlrd), row1 - row0, col1 - col0)
    for r in range(sheet.nrows):
        for c in range(sheet.ncols):
            if not builder.occupied(r, c):
                builder.place(r, c, _xls_value(book, sheet.cell(r, c), xlrd))
    return builder.grid()


def _xls_value(book, cell, xlrd) -> str:
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _render(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
        except (ValueError, OverflowError):
            return render_number(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key) if cell.xf_index is not None else None
        return render_number(cell.value, fmt.format_str if fmt else "General")
    return clean_cell(str(cell.value))


__all__ = ["render_number", "xls_to_document", "xlsx_to_document"]
