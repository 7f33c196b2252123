"""`scrapy export -o DIR [--format csv|parquet] [-a region=…] [-a year=…] [--force]`: tables and views as files."""

from __future__ import annotations

import time
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.outputs import add_output_options, selection_args


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "-o DIR [options]"

    def short_desc(self) -> str:
        return "Export every table and view as CSV (UTF-8 with BOM) or Parquet, with a data dictionary"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        add_output_options(parser)
        parser.add_argument("--format", default="csv", choices=("csv", "parquet"), help="csv (default) or parquet")

    def run(self, args: list[str], opts) -> None:
        # imported here: Scrapy imports every command module at start-up, also for crawls (~18 MB)
        from research import outdir
        from research.database import NoDatabase, open_existing
        from research.export import export, parse_selection

        if args or not opts.output:
            raise UsageError("give the output directory with -o DIR (and nothing else)")
        started = time.perf_counter()
        try:
            selection = parse_selection(**selection_args(opts.selection))
            path = self.settings.get("REPORTS_DB")
            open_existing(path).close()  # brings an older file up to date (views, search index)
            root = outdir.prepare(opts.output, opts.force)
            done = export(path, root, opts.format, selection)
        except (NoDatabase, outdir.OutputError, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        for item in done:
            print(f"{item.file:<32} {item.rows:>9} rows")
        elapsed = time.perf_counter() - started
        print(f"exported {selection.describe()} to {root} in {elapsed:.1f} s (data dictionary: data_dictionary.md)")
