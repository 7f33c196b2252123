"""DecodeDocumentPipeline: raw bytes → Document (format from content, encoding detected)."""

from __future__ import annotations

from pipelines.document import DocumentError
from pipelines.formats import to_document

DEFAULT_MAX_BYTES = 40 * 1024 * 1024


class DecodeDocumentPipeline:
    """Adds `parsed.document`, or `parsed.error` when the bytes cannot be read."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("REPORTS_MAX_BYTES", DEFAULT_MAX_BYTES))

    def process_item(self, item):
        parsed = item.parsed
        if parsed.unchanged:
            return item
        if item.hints.get("read_error"):
            parsed.error = item.hints["read_error"]
            return item
        if len(item.body) > self.max_bytes:
            parsed.error = f"too large: over {self.max_bytes / 1e6:.0f} MB"
            parsed.keep_raw = False
            return item
        try:
            parsed.document = to_document(
                item.body, filename=item.filename or item.source, content_type=item.content_type, encoding=item.encoding
            )
        except DocumentError as exc:
            parsed.error = str(exc)
        except Exception as exc:  # a converter bug must not lose the rest of the run
            parsed.error = f"converter failed: {type(exc).__name__}: {exc}"
        return item
