"""`scrapy reparse`: rebuild every report from the raw documents stored in the database, no fetching."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.ingest import run_local
from crawler.commands.progress import quiet_logs
from crawler.local import StoredDocumentsSpider


class Command(ScrapyCommand):
    requires_project = True

    def process_options(self, args: list[str], opts) -> None:
        super().process_options(args, opts)
        quiet_logs(self.settings, opts)
        self.settings.set("REPORTS_FORCE_REPARSE", True, priority="cmdline")

    def short_desc(self) -> str:
        return "Re-run the parsers over the raw documents kept in the database (after a parser upgrade)"

    def run(self, args: list[str], opts) -> None:
        path = self.settings.get("REPORTS_DB")
        if not Path(path).is_file():
            raise UsageError(f"no database at {path}: nothing to reparse (set -s REPORTS_DB=…)", print_help=False)
        connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            total = connection.execute("SELECT COUNT(DISTINCT report_id) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:
            total = 0
        finally:
            connection.close()
        self.exitcode = run_local(self.crawler_process, StoredDocumentsSpider, total)
