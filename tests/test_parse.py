"""The parse orchestration: attachments that carry the report, and errors that keep their reason."""

import pytest

from crawler.items import Attachment, ReportItem
from pipelines.formats import to_document
from pipelines.parse import choose_document, read_report
from pipelines.report import ParsedReport
from tests.conftest import corpus_doc

LINK_PAGE = (
    "<html><head><meta name='ArticleTitle' content='河北省教育厅2023年政府信息公开工作年度报告'>"
    "<meta name='PubDate' content='2024-01-26 09:30'></head><body><div id='zoom'>"
    "<p>附件：<a href='./P0202401.txt'>河北省教育厅2023年政府信息公开工作年度报告</a></p></div></body></html>"
).encode()


def parse(item: ReportItem) -> ParsedReport:
    item.report_id, item.content_sha256 = "x", "y"
    return read_report(item, 10_000_000)


def test_a_page_that_only_links_to_the_report_takes_text_from_the_attachment():
    report = corpus_doc("007_hebei-education-dept-2023.txt").read_bytes()
    item = ReportItem(source="http://127.0.0.1/a.html", body=LINK_PAGE, content_type="text/html",
                      attachments=[Attachment(url="http://127.0.0.1/P0202401.txt", body=report, filename="r.txt")])  # fmt: skip
    parsed = parse(item)
    assert parsed.report_source == "http://127.0.0.1/P0202401.txt"
    assert [s.number for s in parsed.sections] == [1, 2, 3, 4, 5, 6]
    assert parsed.metadata.published == "2024-01-26"  # the page's <meta> still describes the report
    assert parsed.metadata.title == "河北省教育厅2023年政府信息公开工作年度报告"


def test_a_full_report_page_keeps_its_own_text_over_attachments():
    page = to_document(corpus_doc("005_hebei-education-dept-2021.txt").read_bytes())
    other = to_document(corpus_doc("007_hebei-education-dept-2023.txt").read_bytes())
    assert choose_document(page, [("http://x/a.txt", other)]) == (page, None)


def test_attachments_of_a_page_that_holds_the_whole_report_are_not_read(monkeypatch):
    """No attachment can score above all six sections and the tables: reading them is wasted time."""
    import pipelines.parse

    def must_not_read(attachment, max_bytes):
        raise AssertionError(f"read {attachment.url}")

    monkeypatch.setattr(pipelines.parse, "_read_attachment", must_not_read)
    monkeypatch.setattr(pipelines.parse, "COMPARE_SOURCES", False)  # (with it, copies are read to be compared)
    report = corpus_doc("007_hebei-education-dept-2023.txt").read_bytes()
    copy = Attachment(url="http://127.0.0.1/P0202401.pdf", body=b"%PDF-1.4 not really", filename="r.pdf")
    parsed = parse(ReportItem(source="http://127.0.0.1/r.txt", body=report, filename="r.txt", attachments=[copy]))
    assert parsed.report_source is None and [s.number for s in parsed.sections] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(AssertionError, match=r"P0202401\.pdf"):  # a page short of a section is compared
        parse(ReportItem(source="http://127.0.0.1/r.txt", body=report.replace("六、".encode(), b"X"),
                         filename="r.txt", attachments=[copy]))  # fmt: skip


def test_unreadable_attachments_are_recorded_and_the_error_names_them():
    item = ReportItem(source="http://127.0.0.1/a.html", body=LINK_PAGE, content_type="text/html",
                      attachments=[Attachment(url="http://127.0.0.1/scan.png", body=b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
                                              filename="scan.png")])  # fmt: skip
    parsed = parse(item)
    assert parsed.quality == "error" and "attachment scan.png: corrupt image" in parsed.reasons[0]
    assert any(check.rule == "attachment" and "corrupt image" in check.detail for check in parsed.checks)


def test_a_read_error_is_the_recorded_reason():
    parsed = parse(ReportItem(source="x.txt", body=b"", hints={"read_error": "cannot read file: Permission denied"}))
    assert (parsed.quality, parsed.error, parsed.keep_raw) == ("error", "cannot read file: Permission denied", False)


def test_converter_warnings_are_checks_and_keep_quality_off_ok():
    text = corpus_doc("000_4a2e86469314abd7.txt").read_bytes()
    parsed = parse(ReportItem(source="x.txt", body=text + b"\xff\xfe", filename="x.txt"))
    assert parsed.quality == "warning"
    assert any(c.rule == "input" and "invalid UTF-8" in c.detail and not c.hard for c in parsed.checks)


def test_missing_tables_are_explained_in_checks():
    parsed = parse(ReportItem(source="x.txt", body=corpus_doc("013_hebei-hrss-dept-2023.txt").read_bytes()))
    assert {c.scope for c in parsed.checks if c.rule == "table" and not c.passed} == {
        "active_disclosure", "applications", "review_litigation"}  # fmt: skip


def test_a_parser_process_that_dies_costs_only_its_document(tmp_path):
    """Killed mid-run (OOM killer, a converter crash): the document it was on is recorded as an error
    with its raw body kept; the documents in flight with it are parsed by a new parser process."""
    import asyncio
    import signal
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    from pipelines.parse import ParseReportPipeline

    def run(coroutine):  # the test session's reactor owns this thread's event loop
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, coroutine).result()

    def parser_processes() -> list[psutil.Process]:
        return [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]

    report = corpus_doc("007_hebei-education-dept-2023.txt").read_bytes()

    def item(name: str) -> ReportItem:
        made = ReportItem(source=str(tmp_path / name), body=report, filename=name)
        made.report_id, made.content_sha256 = name, "y"
        return made

    async def crawl():
        pipeline = ParseReportPipeline(workers=1)
        pipeline.open_spider()
        try:
            first = await pipeline.process_item(item("a.txt"))
            (parser,) = [p for p in parser_processes() if p.status() != psutil.STATUS_ZOMBIE]
            parser.send_signal(signal.SIGSTOP)  # so that b and c are still in flight when the kill lands
            queued = [asyncio.ensure_future(pipeline.process_item(item(name))) for name in ("b.txt", "c.txt")]
            await asyncio.sleep(0.3)
            parser.kill()
            died_or_not = await asyncio.gather(*queued)
            return first, died_or_not
        finally:
            pipeline.close_spider()

    first, (b, c) = run(crawl())
    assert first.rows.report["quality"] != "error"
    # Both were in flight when the process died; each was tried again alone in a new process, and parsed.
    assert b.rows.report["quality"] == c.rows.report["quality"] == first.rows.report["quality"]
    assert [cell[1:] for cell in c.rows.tables["cells"].values] == [
        cell[1:] for cell in first.rows.tables["cells"].values
    ]


def crash_on(item):
    """A parse function that kills its process on one document, like a native converter's segfault."""
    import os

    if item == "poison":
        os.kill(os.getpid(), 9)
    return item.upper()


def prepare_nothing() -> None:
    pass


def test_a_document_that_kills_every_process_it_meets_is_the_only_one_lost():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from pipelines.pool import ProcessPool, WorkerDied

    async def crawl():
        pool = ProcessPool(1, crash_on, prepare_nothing)
        try:
            return await asyncio.gather(*(pool.run(job) for job in ("a", "poison", "b", "c")), return_exceptions=True)
        finally:
            pool.close()

    with ThreadPoolExecutor(1) as thread:
        a, poison, b, c = thread.submit(asyncio.run, crawl()).result()
    assert (a, b, c) == ("A", "B", "C")
    assert isinstance(poison, WorkerDied) and "died" in str(poison)


def test_a_document_whose_process_died_is_stored_as_an_error_with_its_raw_document():
    from pipelines.parse import unparsed_rows

    item = ReportItem(source="http://x/a.html", body=b"<html>...</html>", content_type="text/html")
    item.report_id, item.content_sha256 = "a", "h"
    rows = unparsed_rows(item, "parser process died on this document: the process died on it")
    assert rows.report["quality"] == "error" and "died" in rows.report["quality_reasons"]
    assert rows.rows("checks")[0]["rule"] == "input" and rows.rows("documents")[0]["size"] == len(item.body)


@pytest.mark.parametrize(
    ("name", "parts"),
    [("101_hebei-hrss-dept-2018-pre2019.txt", 6), ("102_hebei-industry-it-dept-2018-pre2019.txt", 4)],
)
def test_older_reports_are_reports_with_their_printed_parts(name, parts):
    """The documented rule (data/metadata.yml, README): a text titled as a report with numbered parts is a
    report — template none, warning, never «not a report» — whose sections are its printed parts."""
    from tests.conftest import corpus_dir

    body = (corpus_dir() / "extra" / name).read_bytes()
    parsed = parse(ReportItem(source=f"/tmp/{name}", body=body, filename=name))
    assert (parsed.quality, parsed.tables.template, parsed.metadata.year) == ("warning", "none", 2018)
    assert [s.number for s in parsed.sections] == list(range(1, parts + 1))
    assert [c.rule for c in parsed.checks if c.rule in ("sections", "input")] == ["sections"]


def test_numbered_text_that_is_not_a_report_is_still_not_a_report():
    body = "关于召开会议的通知\n一、会议时间\n下午三点。\n二、参会人员\n全体人员。".encode()
    parsed = parse(ReportItem(source="/tmp/notice.txt", body=body, filename="notice.txt"))
    assert parsed.quality == "error" and parsed.sections == []
