"""Attachment links, real file names and magic-byte checks (portals.md §6.3).

Links are found in: hrefs ending in a document extension (path or `?filename=`/`?pathname=` query),
Hanweb `downfile.jsp` (name only in the link text), `onclick` handlers, `<iframe>/<embed>/<object>`
and pdf.js viewers (`viewer.html?file=`). File names: RFC 5987 `filename*` → `filename=` as raw GBK
shown as Latin-1 → percent-decoding → the link text → the URL basename.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, unquote_to_bytes, urljoin, urlsplit

from parsel import Selector

from crawler.families.pages import JS_URL
from pipelines.titles import norm

EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd")
EXT_RE = re.compile(r"\.(" + "|".join(EXTENSIONS) + r")$", re.I)
DOWNLOAD_SCRIPTS = re.compile(r"downfile\.jsp|download\.jsp|/attachment/|filedownload|downloadfile", re.I)

MAGIC = [
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "ole"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpg"),
]
EXPECTED = {
    "pdf": "pdf",
    "docx": "zip",
    "xlsx": "zip",
    "ofd": "zip",
    "doc": "ole",
    "xls": "ole",
    "wps": "ole",
    "et": "ole",
}


def _target_ext(url: str) -> str | None:
    parts = urlsplit(url)
    m = EXT_RE.search(parts.path)
    if m:
        return m.group(1).lower()
    query = parse_qs(parts.query)
    for key in ("filename", "pathname", "file", "name"):
        for value in query.get(key, []):
            if m := EXT_RE.search(value):
                return m.group(1).lower()
    return None


def _viewer_file(url: str) -> str | None:
    """pdf.js viewers: …/viewer.html?file=/x.pdf → /x.pdf."""
    parts = urlsplit(url)
    if "viewer" in parts.path:
        files = parse_qs(parts.query).get("file")
        return unquote(files[0]) if files else None
    return None


def attachment_links(sel: Selector, base: str) -> list[tuple[str, str]]:
    """(absolute URL, link text) for every attachment-looking link, in page order, unique by URL."""
    found: dict[str, str] = {}
    for a in sel.css("a"):
        text = norm(" ".join(a.css("::text").getall()) or a.attrib.get("title", ""))
        for raw in (a.attrib.get("href", ""), *JS_URL.findall(a.attrib.get("onclick", ""))):
            if not raw or raw.startswith("javascript:"):
                continue
            url = urljoin(base, raw)
            url = urljoin(url, _viewer_file(url)) if _viewer_file(url) else url
            if _target_ext(url) or DOWNLOAD_SCRIPTS.search(url) or EXT_RE.search(text):
                found.setdefault(url, text)
    for src in sel.xpath("//iframe/@src|//embed/@src|//object/@data").getall():
        url = urljoin(base, src)
        url = urljoin(url, _viewer_file(url)) if _viewer_file(url) else url
        if _target_ext(url):
            found.setdefault(url, "")
    return list(found.items())


def sniff(body: bytes) -> str:
    """pdf | zip | ole | png | jpg | html | unknown, from the first bytes."""
    for magic, kind in MAGIC:
        if body.startswith(magic):
            return kind
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
        return "html"
    return "unknown"


def check_body(body: bytes, filename: str | None, url: str) -> str | None:
    """An error message when the bytes are not the document the name promises (None when fine)."""
    kind = sniff(body)
    if kind == "html":
        return "html page served instead of a file"
    ext = (_target_ext(filename or "") or _target_ext(url) or "").lower()
    expected = EXPECTED.get(ext)
    if expected and kind != expected:
        return f"expected {ext} ({expected}) but got {kind}"
    if not body:
        return "empty file"
    return None


def _disposition_param(header: str, name: str) -> str | None:
    m = re.search(rf"""{name}\s*=\s*("([^"]*)"|[^;]+)""", header, re.I)
    return (m.group(2) if m.group(2) is not None else m.group(1)).strip() if m else None


def _decode(data: bytes) -> str | None:
    for codec in ("utf-8", "gb18030"):  # UTF-8 first: GBK would also "decode" most UTF-8 byte runs
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def disposition_filename(raw: bytes | None) -> str | None:
    """Decode Content-Disposition's file name the way Chinese Java servers send it (portals.md §6.3):
    RFC 5987 `filename*`, then raw GBK/UTF-8 bytes shown as Latin-1, then percent-encoded bytes."""
    if not raw:
        return None
    header = raw.decode("latin-1")
    star = _disposition_param(header, r"filename\*")
    if star and "''" in star:
        charset, _, value = star.partition("''")
        return unquote(value, encoding=charset or "utf-8", errors="replace")
    name = _disposition_param(header, "filename")
    if not name:
        return None
    if any(ord(c) > 127 for c in name):
        return _decode(name.encode("latin-1")) or name
    if "%" in name:
        return _decode(unquote_to_bytes(name)) or name
    return name


def file_name(disposition: bytes | None, link_text: str, url: str) -> str:
    """The file's name as the server or the page gives it (untrusted: pass it through `safe_name`)."""
    name = disposition_filename(disposition)
    if name:
        return name
    text = re.sub(r"^(附件|下载)\s*\d*\s*[:：]?\s*", "", link_text or "").strip()
    ext = _target_ext(url)
    if text:
        return text if EXT_RE.search(text) or not ext else f"{text}.{ext}"
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "attachment"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')
MAX_NAME = 150


def safe_name(name: str | None) -> str:
    """A file name that can never be a path: the last component only, no control or reserved characters, no
    leading dots, at most MAX_NAME characters (the extension kept). Names come from the network."""
    last = re.split(r"[/\\]", name or "")[-1]
    cleaned = _UNSAFE.sub("_", last).strip().lstrip(".").strip()
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else cleaned[:MAX_NAME]
    return cleaned or "attachment"
