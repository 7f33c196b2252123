"""ParseReportPipeline: raw bytes → metadata, sections, tables, checks, quality, and the rows to store.

The parsing stages are pure, Scrapy-free functions, run in order by `parse_report`:

1. decode and normalise (`pipelines/formats`): format from content, encoding, HTML → text + grids;
2. metadata (`pipelines/metadata.py`): title, agency, year, published, 索引号 block, region code;
3. sections (`pipelines/sections.py`): the six numbered sections, bodies verbatim;
4. tables (`pipelines/tables/`): canonical cells, consistency checks, quality;
5. segmentation (`pipelines/segment.py`): jieba-compatible tokens for full-text search — when
   `parse_report` is given a segmenter. In a run, the store does it in the database writer process
   instead (`pipelines/batch.py`): that process has CPU to spare while this stage was the parser
   process's, the bottleneck of a run, and the 60 MB dictionary is then loaded once, not per parser.

Parsing is CPU-bound, so by default it runs in a parser process (`REPORTS_PARSE_WORKERS`, default 1:
on 2 cores the crawling process and the database writer take the other core, and a second parser
costs memory for little speed) while the crawling process goes on; 0 parses inline.
"""

from __future__ import annotations

import pickle
import re
import traceback
import zlib
from dataclasses import dataclass

from pipelines.document import Document, DocumentError
from pipelines.formats import to_document
from pipelines.metadata import extract_metadata
from pipelines.report import ParsedReport
from pipelines.rows import report_rows
from pipelines.sections import report_sections, section_checks, split_sections
from pipelines.segment import Segmenter
from pipelines.sources import COMPARE_SOURCES, compare_sources, other_copies
from pipelines.tables import extract_tables
from pipelines.tables.model import TABLE_NAMES, Check, TableExtraction
from pipelines.tables.quality import quality
from pipelines.workers import WorkerDied, WorkerProcess

DEFAULT_MAX_BYTES = 40 * 1024 * 1024
NOT_A_REPORT = "not a report: no report sections and no statistical tables"


@dataclass
class ParseInput:
    """What a worker process needs of an item (picklable, no Scrapy objects)."""

    body: bytes
    source: str
    filename: str | None
    content_type: str | None
    encoding: str | None
    hints: dict
    region_code: str | None
    attachments: list  # crawler.items.Attachment: the report may be in one of them
    fetched_at: str | None = None


def parse_report(job: ParseInput, parsed: ParsedReport, segmenter: Segmenter | None, max_bytes: int) -> ParsedReport:
    _read_page(job, parsed, max_bytes)
    page_score = report_score(parsed.document) if parsed.document is not None and job.attachments else -1
    # No attachment can beat a page that holds the whole report (portals often attach a PDF copy of
    # the page): reading them would only cost time — a real PDF takes longer than the page itself.
    unread = job.attachments if page_score < WHOLE_REPORT_SCORE or COMPARE_SOURCES else []
    attachments = [_read_attachment(attachment, max_bytes) for attachment in unread]
    parsed.checks += [Check("attachment", url, False, error, hard=False) for url, _, error in attachments if error]
    document, origin = choose_document(parsed.document, [(url, doc) for url, doc, _ in attachments if doc], page_score)
    if document is None:
        errors = [parsed.error] + [error for _, _, error in attachments if error]
        parsed.error = "; ".join(dict.fromkeys(error for error in errors if error)) or "no readable document"
        parsed.quality, parsed.reasons = "error", [parsed.error]
        return parsed
    parsed.error, parsed.report_source = None, origin
    hints = {**job.hints, "region_code": job.region_code}
    parsed.metadata = extract_metadata(document, hints, job.filename or job.source)
    parsed.sections = report_sections(document.text, parsed.metadata.title)  # older reports: printed parts
    parsed.checks += section_checks(parsed.sections)
    parsed.tables = extract_tables(document)
    copies = other_copies(parsed.document, document, job.source, attachments)  # two sources, one truth
    parsed.tables.checks += compare_sources(parsed.tables, origin or job.source, copies)
    parsed.quality, parsed.reasons = quality_of(parsed.tables)
    _explain(parsed, document)
    if not parsed.sections and parsed.tables.template == "none":
        # e.g. a page that only links to an image-only PDF: say why the report itself could not be read
        unreadable = [error for _, _, error in attachments if error]
        parsed.quality, parsed.reasons = "error", [*unreadable, NOT_A_REPORT, *parsed.reasons]
        parsed.checks.append(Check("input", "document", False, "; ".join([*unreadable, NOT_A_REPORT])))
    if segmenter is not None:
        for section in parsed.sections:
            section.tokens = segmenter.segment(section.body)
    parsed.format = document.format
    parsed.document = None  # the blocks are not stored; do not ship them back from a worker
    return parsed


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


def _read_page(job: ParseInput, parsed: ParsedReport, max_bytes: int) -> None:
    parsed.error = job.hints.get("read_error")
    if parsed.error:
        parsed.keep_raw = False  # nothing (or not all) was read
    elif len(job.body) > max_bytes:
        parsed.error, parsed.keep_raw = f"too large: over {max_bytes / 1e6:.0f} MB", False
    if parsed.keep_raw:
        parsed.compressed_body = zlib.compress(job.body, 6)
    if parsed.error is None:
        parsed.document, parsed.error = _decode(job.body, job.filename or job.source, job.content_type, job.encoding)


def _read_attachment(attachment, max_bytes: int) -> tuple[str, Document | None, str | None]:
    if len(attachment.body) > max_bytes:
        return attachment.url, None, f"attachment too large: over {max_bytes / 1e6:.0f} MB"
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


def _serve_parser(jobs, results) -> None:
    """The parser process (pipelines/workers.py): pickled (job, parsed, max_bytes) in, pickled
    ("ok", ParsedReport) or ("error", traceback text) out, until the crawling process closes the pipe."""
    while True:
        try:
            job, parsed, max_bytes = pickle.loads(jobs.recv_bytes())
        except (EOFError, OSError):  # closed, or the crawling process died: nothing more to do
            return
        try:
            answer = ("ok", _parse_in_worker(job, parsed, max_bytes))
        except Exception as exc:  # a parser bug: that item fails in the crawling process, with this traceback
            answer = ("error", "".join(traceback.format_exception(exc)))
        try:
            results.send_bytes(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


def _parse_in_worker(job: ParseInput, parsed: ParsedReport, max_bytes: int) -> ParsedReport:
    parsed = parse_report(job, parsed, None, max_bytes)
    # Pickled here, unpickled only by the database writer: the crawling process passes bytes along.
    parsed.rows = pickle.dumps(report_rows(parsed, job), pickle.HIGHEST_PROTOCOL)
    return parsed.for_storage()


class ParserError(RuntimeError):
    """parse_report raised in a parser process (the message carries its traceback)."""


class ParseReportPipeline:
    def __init__(self, workers: int = 0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.workers = workers
        self.max_bytes = max_bytes
        self.parsers: list[WorkerProcess] = []
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getint("REPORTS_PARSE_WORKERS", 1), settings.getint("REPORTS_MAX_BYTES", DEFAULT_MAX_BYTES))

    def open_spider(self) -> None:
        self.opened = True
        # Started now, not when the first document arrives: their imports run beside the crawl's start-up.
        self.parsers = [WorkerProcess(_serve_parser, f"nianbao-parser-{n}") for n in range(self.workers)]

    def close_spider(self) -> None:
        for parser in self.parsers:
            parser.close()

    async def process_item(self, item):
        if not self.opened:
            self.open_spider()
        if item.parsed.unchanged:
            return item
        job = ParseInput(item.body, item.source, item.filename, item.content_type, item.encoding,
                         item.hints, item.region_code, item.attachments, item.fetched_at)  # fmt: skip
        if not self.parsers:
            item.parsed = parse_report(job, item.parsed, None, self.max_bytes)
            item.parsed.rows = report_rows(item.parsed, job)
        else:
            item.parsed = await self._in_worker(job, item.parsed)
        return item

    async def _in_worker(self, job: ParseInput, parsed: ParsedReport) -> ParsedReport:
        parser = min(self.parsers, key=lambda p: p.pending)
        try:
            answer = await parser.call(pickle.dumps((job, parsed, self.max_bytes), pickle.HIGHEST_PROTOCOL))
        except WorkerDied as exc:
            # The process died on this document (killed for memory, a crash in a native converter):
            # record it; the documents queued behind it go to a new parser process.
            parsed.error = (
                "parser process died on this document (out of memory or a converter crash)"
                if exc.on_job
                else f"not parsed: {exc}"
            )
            parsed.quality, parsed.reasons, parsed.keep_raw = "error", [parsed.error], True
            parsed.compressed_body = zlib.compress(job.body, 6)
            parsed.rows = report_rows(parsed, job)
            return parsed
        status, value = pickle.loads(answer)
        if status == "error":
            raise ParserError(f"parsing {job.source} failed in the parser process:\n{value}")
        return value
