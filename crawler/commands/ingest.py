"""`scrapy ingest PATH…`: run the report pipelines over local files and directories."""

from __future__ import annotations

import os

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.progress import RunReport, quiet_logs
from crawler.local import LocalDocumentsSpider, expand_paths
from pipelines.database import path_problem


class Command(ScrapyCommand):
    requires_project = True

    def process_options(self, args: list[str], opts) -> None:
        super().process_options(args, opts)
        quiet_logs(self.settings, opts)

    def syntax(self) -> str:
        return "[options] PATH [PATH …]"

    def short_desc(self) -> str:
        return "Parse local report files (text, HTML, Markdown, PDF, DOCX, …) into the reports database"

    def run(self, args: list[str], opts) -> None:
        if not args:
            raise UsageError("give at least one file or directory")
        for path in args:
            if not os.path.exists(path):
                reason = (
                    "a symbolic link that leads nowhere (a loop, or a missing target)"
                    if os.path.islink(path)
                    else "no such file or directory"
                )
                raise UsageError(f"{path}: {reason}", print_help=False)
        if problem := path_problem(self.settings.get("REPORTS_DB")):
            raise UsageError(f"REPORTS_DB: {problem}", print_help=False)
        self.exitcode = run_local(self.crawler_process, LocalDocumentsSpider, len(expand_paths(args)), paths=args)


def run_local(process, spider_class, total: int, **spider_args) -> int:
    """Crawl `spider_class` in `process`, print progress and the summary; return the exit status."""
    crawler = process.create_crawler(spider_class)
    report = RunReport(total=total)
    report.attach(crawler)
    process.crawl(crawler, **spider_args)
    process.start()
    database = getattr(crawler, "reports_database", None)
    report.failures += database.failures if database is not None else []  # parsed, but not written
    print(report.summary())
    print(f"database: {crawler.settings.get('REPORTS_DB')}")
    return 1 if report.failed or process.bootstrap_failed else 0
