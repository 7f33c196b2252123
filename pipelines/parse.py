"""Parsing: a fetched (or read) document → the rows of its report. Pure, Scrapy-free, run in a parser pool.

`parse_item` runs the stages in order:

1. decode and normalise (`pipelines/formats`): format from content, encoding, HTML → text + grids; when
   the page is only a link to the report, the attachment that holds it;
2. metadata (`pipelines/metadata.py`): title, agency, year, published, 索引号 block, region code;
3. sections (`pipelines/sections.py`): the six numbered sections, bodies verbatim;
4. tables (`pipelines/tables/`): canonical cells, consistency checks, quality;
5. segmentation (`pipelines/segment.py`): jieba-compatible tokens for full-text search;
6. rows (`pipelines/rows.py`): what the database stores, in the one shape that crosses process boundaries.

`read_report` (stages 1–4) returns the structured `ParsedReport` that tests inspect.
The item pipeline (`ParseReportPipeline`) runs `parse_item` in helper processes (`pipelines/pool.py`).
"""

from __future__ import annotations

import re
import zlib

from pipelines.compliance import compliance_checks
from pipelines.document import Document, DocumentError
from pipelines.formats import to_document
from pipelines.metadata import extract_metadata
from pipelines.pool import ProcessPool, WorkerDied
from pipelines.report import ParsedReport
from pipelines.rows import ReportRows, report_rows
from pipelines.sections import report_sections, section_checks, split_sections
from pipelines.segment import ENGINES, Segmenter
from pipelines.sources import COMPARE_SOURCES, compare_sources, other_copies
from pipelines.tables import extract_tables
from pipelines.tables.model import TABLE_NAMES, Check, TableExtraction
from pipelines.tables.quality import quality
from pipelines.titles import is_report_title

DEFAULT_MAX_BYTES = 40 * 1024 * 1024
NOT_A_REPORT = "not a report: no report sections and no statistical tables"
NO_REPORT_TEXT = "no report text: the document is titled as a report but holds no sections or tables (images only?)"


def parse_item(item, segmenter: Segmenter, max_bytes: int = DEFAULT_MAX_BYTES) -> ReportRows:
    """The rows of the report in `item` (a `crawler.items.ReportItem` with its `report_id` and hash set)."""
    parsed = read_report(item, max_bytes)
    for section in parsed.sections:
        section.tokens = segmenter.segment(section.body)
    return report_rows(parsed, item)


def read_report(item, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedReport:
    """Stages 1–4: decode the page (or the attachment that holds the report), metadata, sections, tables."""
    parsed = ParsedReport(report_id=item.report_id, content_sha256=item.content_sha256)
    _read_page(item, parsed, max_bytes)
    page_score = report_score(parsed.document) if parsed.document is not None and item.attachments else -1
    # No attachment can beat a page that holds the whole report (portals often attach a PDF copy of
    # the page): reading them would only cost time — a real PDF takes longer than the page itself.
    # (unless the page and an attachment are to be compared: two sources, one truth)
    unread = item.attachments if page_score < WHOLE_REPORT_SCORE or COMPARE_SOURCES else []
    attachments = [_read_attachment(attachment, max_bytes) for attachment in unread]
    # Files over the size limit are neither parsed nor kept (their size and hash are): one junk upload must
    # not grow the database by its size.
    parsed.refused = {attachment.url for attachment in item.attachments if len(attachment.body) > max_bytes}
    parsed.checks += [Check("attachment", url, False, error, hard=False) for url, _, error in attachments if error]
    page = parsed.document
    document, origin = choose_document(page, [(url, doc) for url, doc, _ in attachments if doc], page_score)
    parsed.document = None  # the blocks are not stored
    if document is None:
        errors = [parsed.error] + [error for _, _, error in attachments if error]
        parsed.error = "; ".join(dict.fromkeys(error for error in errors if error)) or "no readable document"
        parsed.quality, parsed.reasons = "error", [parsed.error]
        return parsed
    parsed.error, parsed.report_source = None, origin
    hints = {**item.hints, "region_code": item.region_code}
    parsed.metadata = extract_metadata(document, hints, item.filename or item.source, item.source)
    parsed.sections = report_sections(document.text, parsed.metadata.title)  # older reports: printed parts
    parsed.checks += section_checks(parsed.sections)
    parsed.tables = extract_tables(document)
    copies = other_copies(page, document, item.source, attachments)  # two sources, one truth
    parsed.tables.checks += compare_sources(parsed.tables, origin or item.source, copies)
    parsed.quality, parsed.reasons = quality_of(parsed.tables)
    _explain(parsed, document)
    parsed.checks += compliance_checks(parsed.sections, parsed.tables, document.text, parsed.metadata.year)
    if not parsed.sections and parsed.tables.template == "none":
        # e.g. a page that only links to an image-only PDF: say why the report itself could not be read
        unreadable = [error for _, _, error in attachments if error]
        # Nothing of a report, not even a file that might hold one, nor its own title: a news page, or a
        # challenge page that passed for a page. (The listing's title does not count: it led here.)
        titled = parsed.metadata.sources.get("title") == "document" and is_report_title(parsed.metadata.title)
        parsed.not_a_report = not unreadable and not titled
        why = NO_REPORT_TEXT if titled else NOT_A_REPORT
        parsed.quality, parsed.reasons = "error", [*unreadable, why, *parsed.reasons]
        parsed.checks.append(Check("input", "document", False, "; ".join([*unreadable, why])))
    parsed.format = document.format
    return parsed


def unparsed_rows(item, reason: str) -> ReportRows:
    """The rows of a report that could not be parsed at all (its parser process died on it): an error
    report with its reason and its raw document kept, so that `scrapy reparse` can try again."""
    parsed = ParsedReport(report_id=item.report_id, content_sha256=item.content_sha256, error=reason)
    parsed.quality, parsed.reasons = "error", [reason]
    return report_rows(parsed, item)


def _explain(parsed: ParsedReport, document: Document) -> None:
    """Make `checks` tell why quality is not ok: missing tables, and what the converter had to give up."""
    if parsed.tables.template != "pre2019":
        for name in TABLE_NAMES:
            if name not in parsed.tables.tables_found:
                parsed.checks.append(Check("table", name, False, "statistical table not found in the document"))
    for warning in document.warnings:
        # e.g. PDF glyphs without a Unicode mapping dropped, pages over the cap, bytes of invalid UTF-8:
        # a number may be incomplete, so the report cannot be «ok».
        parsed.checks.append(Check("input", "document", False, warning, hard=False))
        parsed.reasons.append(f"input: {warning}")
        parsed.quality = "warning" if parsed.quality == "ok" else parsed.quality


def _read_page(item, parsed: ParsedReport, max_bytes: int) -> None:
    parsed.error = item.hints.get("read_error")
    if parsed.error:
        parsed.keep_raw = False  # nothing (or not all) was read
    elif len(item.body) > max_bytes:
        parsed.error, parsed.keep_raw = (
            f"too large: {len(item.body) / 2**20:.1f} MiB (limit {max_bytes / 2**20:.0f} MiB)",
            False,
        )
    if parsed.keep_raw:
        parsed.compressed_body = zlib.compress(item.body, 6)
    if parsed.error is None:
        parsed.document, parsed.error = _decode(
            item.body, item.filename or item.source, item.content_type, item.encoding
        )


def _read_attachment(attachment, max_bytes: int) -> tuple[str, Document | None, str | None]:
    if len(attachment.body) > max_bytes:
        size = f"{len(attachment.body) / 2**20:.1f} MiB (limit {max_bytes / 2**20:.0f} MiB)"
        return attachment.url, None, f"attachment {attachment.filename or attachment.url} too large: {size}, not kept"
    name = attachment.filename or attachment.url
    document, error = _decode(attachment.body, name, attachment.content_type, None)
    return attachment.url, document, (f"attachment {name}: {error}" if error else None)


# A document «looks like the report» by its numbered sections and the statistical tables' labels.
_TABLE_MARKERS = re.compile(r"本年新收|本年制发件数|本年新制作数量|结果维持|申请人情况")
WHOLE_REPORT_SCORE = 6 + 3  # all six sections (numbered in order, so at most six) and the tables


def report_score(document: Document) -> int:
    text = document.text
    return len(split_sections(text)) + (3 if _TABLE_MARKERS.search(text) else 0)


def choose_document(
    page: Document | None, attachments: list[tuple[str, Document]], page_score: int | None = None
) -> tuple[Document | None, str | None]:
    """The page itself, unless it is only a link to the report and an attachment holds the report.

    Returns (document, URL of the attachment used or None). The page's <meta> tags and 索引号 block
    stay with the chosen document: they describe the report whichever file carries its text.
    """
    if not attachments:
        return page, None  # nothing to choose from (and scoring splits the sections once more)
    best, origin = page, None
    if page_score is None:
        page_score = report_score(page) if page is not None else -1
    best_score = page_score
    for url, document in attachments:
        score = report_score(document)
        if score > best_score and score >= 3:
            best, origin, best_score = document, url, score
    if best is not None and page is not None and best is not page:
        best.meta = {**best.meta, **page.meta}
    return best, origin


def _decode(
    data: bytes, name: str, content_type: str | None, encoding: str | None
) -> tuple[Document | None, str | None]:
    try:
        return to_document(data, filename=name, content_type=content_type, encoding=encoding), None
    except DocumentError as exc:
        return None, str(exc)
    except Exception as exc:  # a converter bug must not lose the rest of the run
        return None, f"converter failed: {type(exc).__name__}: {exc}"


def quality_of(tables: TableExtraction) -> tuple[str, list[str]]:
    """ok only when all three tables were found and every rule passed (see pipelines/tables/quality.py)."""
    return quality(tables)


class ParseReportPipeline:
    """Parses each changed document into its rows, in `workers` helper processes (0: in this process)."""

    def __init__(self, workers: int = 0, max_bytes: int = DEFAULT_MAX_BYTES, segmenter: str = "rjieba") -> None:
        if segmenter not in ENGINES:  # say so now, not in every helper process
            raise ValueError(f"REPORTS_SEGMENTER: unknown engine {segmenter!r}; choose one of {', '.join(ENGINES)}")
        self.workers, self.max_bytes, self.engine = workers, max_bytes, segmenter
        self.pool: ProcessPool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getint("REPORTS_PARSE_WORKERS"), settings.getint("REPORTS_MAX_BYTES"),
                   settings.get("REPORTS_SEGMENTER"))  # fmt: skip

    def open_spider(self) -> None:
        # Started now, not at the first document: their imports and dictionary load beside the crawl's start-up.
        if self.workers:
            self.pool = ProcessPool(self.workers, _parse_in_worker, _prepare_worker, (self.engine, self.max_bytes))
        else:
            _prepare_worker(self.engine, self.max_bytes)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item):
        if item.unchanged:
            return item
        if self.pool is None:
            item.rows = _parse_in_worker(item)
            return item
        try:
            item.rows = await self.pool.run(item)
        except WorkerDied as exc:
            # Killed for memory, or a crash in a native converter: the document is recorded with the reason.
            item.rows = unparsed_rows(item, f"parser process died on this document: {exc}")
        return item


# The parser process's own segmenter and size limit (set once by `_prepare_worker`).
_worker: dict = {}


def _prepare_worker(engine: str, max_bytes: int) -> None:
    _worker.update(segmenter=Segmenter(engine), max_bytes=max_bytes)


def _parse_in_worker(item) -> ReportRows:
    return parse_item(item, _worker["segmenter"], _worker["max_bytes"])
