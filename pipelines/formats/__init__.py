"""Format detection (from content, not only the extension) and dispatch to the converters.

Every converter returns a `pipelines.document.Document` or raises `DocumentError` with a
reason that is recorded in the database. Attachment formats (PDF, DOCX, DOC/WPS, XLS/XLSX)
live in their own modules; a format whose converter is not available is recorded as
"unsupported format", never a crash.
"""

from __future__ import annotations

import importlib
import re
from pathlib import PurePosixPath

from pipelines.document import Document, DocumentError
from pipelines.formats.limits import MAX_HTML_BYTES
from pipelines.formats.text import decode_bytes, looks_like_markdown, text_to_document

# format → (module, function) of its converter; each takes (data: bytes, *, filename) → Document.
CONVERTERS = {
    "pdf": ("pipelines.formats.pdf", "pdf_to_document"),
    "docx": ("pipelines.formats.docx", "docx_to_document"),
    "doc": ("pipelines.formats.doc", "doc_to_document"),
    "wps": ("pipelines.formats.doc", "doc_to_document"),
    "xlsx": ("pipelines.formats.sheet", "xlsx_to_document"),
    "xls": ("pipelines.formats.sheet", "xls_to_document"),
    "image": ("pipelines.formats.image", "image_to_document"),  # OCR (ocr.py)
}
_UNSUPPORTED = {
    "ofd": "unsupported format: OFD",
    "archive": "unsupported format: archive",
}
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<meta|<body|<div|<p[ >]|<table|<span|<font|<h[1-6])", re.I)


def detect_format(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """pdf, docx, xlsx, ofd, doc, xls, wps, image, archive, html, markdown or text."""
    head = data[:8]
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_format(data, filename)
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")) or data[8:12] == b"WEBP":
        return "image"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "archive"
    if _HTML_START.match(data[:2048].lstrip(b"\xef\xbb\xbf")) or (content_type or "").startswith("text/html"):
        return "html"
    suffix = PurePosixPath(filename or "").suffix.lower()
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _zip_format(data: bytes) -> str:
    names = data[:65536] + data[-65536:]
    if b"word/" in names:
        return "docx"
    if b"xl/" in names:
        return "xlsx"
    if b"OFD.xml" in names:
        return "ofd"
    return "archive"


def _ole_format(data: bytes, filename: str | None) -> str:
    suffix = PurePosixPath(filename or "").suffix.lower().lstrip(".")
    if suffix in ("doc", "wps", "xls"):
        return suffix
    sample = data[:2_000_000]
    if "WordDocument".encode("utf-16-le") in sample:
        return "doc"
    if "Workbook".encode("utf-16-le") in sample or "Book".encode("utf-16-le") in sample:
        return "xls"
    return "doc"


def to_document(
    data: bytes, *, filename: str | None = None, content_type: str | None = None, encoding: str | None = None
) -> Document:
    """Convert raw bytes of any supported format into a Document (or raise DocumentError)."""
    fmt = detect_format(data, filename, content_type)
    if fmt in _UNSUPPORTED:
        raise DocumentError(_UNSUPPORTED[fmt])
    if fmt in CONVERTERS:
        return _convert(fmt, data, filename)
    if fmt == "html" and len(data) > MAX_HTML_BYTES:
        raise DocumentError(
            f"HTML page too large: {len(data) / 2**20:.1f} MiB (limit {MAX_HTML_BYTES / 2**20:.0f} MiB)"
        )
    try:
        text, used, warnings = decode_bytes(data, declared=encoding or _charset(content_type))
    except DocumentError as exc:
        claimed = PurePosixPath(filename or "").suffix.lower().lstrip(".")
        if claimed in CONVERTERS:  # named .pdf/.docx/…, neither that format nor text: say so
            raise DocumentError(
                f"not a {claimed.upper()} file: its bytes are neither {claimed.upper()} nor text"
            ) from exc
        raise
    if fmt == "html":
        from pipelines.formats.html import html_to_document

        document = html_to_document(text)
    else:
        is_markdown = fmt == "markdown" or looks_like_markdown(text)
        document = text_to_document(text, "markdown" if is_markdown else "text")
    document.meta.setdefault("encoding", used)
    document.warnings.extend(warnings)
    return document


def _convert(fmt: str, data: bytes, filename: str | None) -> Document:
    module_name, function_name = CONVERTERS[fmt]
    try:
        converter = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError):
        raise DocumentError(f"unsupported format: {fmt.upper()} (no converter installed)") from None
    document = converter(data, filename=filename)
    if not document.format.startswith(fmt):  # keep a converter's "pdf+ocr" / "image+ocr"
        document.format = fmt
    return document


def _charset(content_type: str | None) -> str | None:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    return match.group(1) if match else None
