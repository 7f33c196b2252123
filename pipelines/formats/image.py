"""Image-only input: scanned PDFs and picture attachments carry no text we can read (no OCR here).

Choice: converters raise `ImageOnlyError` (a `DocumentError`) rather than returning an empty Document, so
the store records template='none' with the quality error "image only, no text layer" instead of an empty
report that looks fine.
"""

from __future__ import annotations

from pipelines.document import Document, DocumentError

IMAGE_ONLY = "image only, no text layer"

# Magic bytes of the picture formats agencies attach (scans, phone photos).
_IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}


class ImageOnlyError(DocumentError):
    """The input is only pictures (an image file, or a PDF without a text layer on any page)."""

    def __init__(self, detail: str = "") -> None:
        # The message is exactly IMAGE_ONLY (the store matches on it); what was seen goes to `detail`.
        super().__init__(IMAGE_ONLY)
        self.detail = detail


def image_kind(data: bytes) -> str | None:
    """ "PNG", "JPEG", … when `data` starts like a picture format, else None."""
    for magic, kind in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def image_to_document(data: bytes, *, filename: str | None = None) -> Document:
    """Always raises: ImageOnlyError for a picture, DocumentError when the bytes are not a known picture."""
    kind = image_kind(data)
    if kind is None:
        raise DocumentError(f"not an image: unknown picture format{f' ({filename})' if filename else ''}")
    raise ImageOnlyError(f"{kind} image")
