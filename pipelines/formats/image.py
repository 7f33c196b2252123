"""Picture attachments (PNG, JPEG, TIFF, BMP, GIF, WebP): read by OCR (`ocr.py`) into a Document.

Choice: when there is nothing to read (OCR switched off or not installed, or no text found in the picture)
converters raise `ImageOnlyError` (a `DocumentError`) rather than returning an empty Document, so the store
records template='none' with the quality error "image only, no text layer" instead of an empty report that
looks fine. A picture that cannot be decoded is a "corrupt image" error.
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
    return "WebP" if data.startswith(b"RIFF") and data[8:12] == b"WEBP" else None


def image_to_document(data: bytes, *, filename: str | None = None) -> Document:
    """OCR a picture (every frame of a TIFF) into a Document of format "image+ocr".

    Raises DocumentError when the bytes are not a known or decodable picture, ImageOnlyError when OCR is off
    or finds no text."""
    from pipelines.formats.limits import check_size
    from pipelines.formats.ocr_hook import ocr_enabled

    kind = image_kind(data)
    if kind is None:
        raise DocumentError(f"not an image: unknown picture format{f' ({filename})' if filename else ''}")
    check_size(data, f"{kind} image")
    if not ocr_enabled():
        raise ImageOnlyError(f"{kind} image (OCR off or not installed)")
    from pipelines.formats.ocr import document_from_frames, image_frames

    frames, total = image_frames(data)
    document = document_from_frames(frames, kind, total)
    if not document.blocks:
        raise ImageOnlyError(f"{kind} image: OCR found no text")
    return document
