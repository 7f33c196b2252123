"""Caps that keep a hostile or broken attachment from exhausting memory or time.

The numbers are generous for real annual reports (a few MB, < 100 pages) and small enough that one
bad file cannot take the ingest process down.
"""

from __future__ import annotations

import io
import zipfile

from pipelines.document import DocumentError

MAX_INPUT_BYTES = 100 * 1024 * 1024  # a report attachment larger than this is not a report
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # sum of uncompressed member sizes in a DOCX/XLSX
MAX_ZIP_MEMBERS = 5000
# One XML part we parse into a tree (a report's document.xml is ~1 MB): lxml needs ~20× the XML's size, and a
# 150 KB DOCX can hold a 49 MB document.xml (1.2 GB to parse).
MAX_XML_PART_BYTES = 8 * 1024 * 1024
# An HTML page we parse into a tree (report pages are < 1 MB; the tree needs ~10× the page).
MAX_HTML_BYTES = 8 * 1024 * 1024
MAX_PDF_PAGES = 300  # default page cap; pages beyond it are skipped with a warning
CONVERT_TIMEOUT_SECONDS = 120  # LibreOffice / antiword


def check_size(data: bytes, kind: str) -> None:
    if not data:
        raise DocumentError(f"empty {kind} file")
    if len(data) > MAX_INPUT_BYTES:
        raise DocumentError(
            f"{kind} file too large: {len(data) / 2**20:.1f} MiB (limit {MAX_INPUT_BYTES // 2**20} MiB)"
        )


def open_zip(data: bytes, kind: str, required: str) -> zipfile.ZipFile:
    """Open an OOXML container after checking its central directory (no member is extracted here).

    Rejects non-zips, zips without `required` (e.g. "word/document.xml"), too many members, and a total
    declared uncompressed size above the cap (a zip bomb). Readers stream members, and zipfile stops at
    the declared size, so the declared sizes bound what is inflated.
    """
    check_size(data, kind)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(f"corrupt {kind}: not a zip container ({exc})") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DocumentError(f"{kind} has {len(infos)} zip members (limit {MAX_ZIP_MEMBERS}): refusing a zip bomb")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise DocumentError(
            f"{kind} would unpack to {total / 2**20:.0f} MiB (limit {MAX_UNZIPPED_BYTES // 2**20} MiB): refusing a zip bomb"
        )
    if required not in archive.namelist():
        raise DocumentError(f"corrupt {kind}: no {required} in the container")
    return archive


def check_parts(archive: zipfile.ZipFile, kind: str, prefixes: tuple[str, ...]) -> None:
    """Refuse parts we would parse whole (document.xml, worksheets) that are too big to hold as a tree."""
    for info in archive.infolist():
        if info.filename.startswith(prefixes) and info.file_size > MAX_XML_PART_BYTES:
            raise DocumentError(
                f"{kind} part {info.filename} is {info.file_size / 2**20:.1f} MiB (limit {MAX_XML_PART_BYTES // 2**20} MiB)"
            )
