"""`scrapy site -o DIR [--force]`: a static, offline website of the database (charts, tables, quality)."""

from __future__ import annotations

import time
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "-o DIR [--force]"

    def short_desc(self) -> str:
        return "Write a static website of the database (opens offline in a browser)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="DIR", help="directory to write (new or empty, unless --force)")
        parser.add_argument("--force", action="store_true", help="write into a directory that is not empty")

    def run(self, args: list[str], opts) -> None:
        # imported here: Scrapy imports every command module at start-up, also for crawls (~18 MB)
        from research import outdir
        from research.database import NoDatabase, open_existing
        from research.site import build_site

        if args or not opts.output:
            raise UsageError("give the output directory with -o DIR (and nothing else)")
        started = time.perf_counter()
        try:
            db = open_existing(self.settings.get("REPORTS_DB"))
            root = outdir.prepare(opts.output, opts.force)
            pages = build_site(db.conn, root)
        except (NoDatabase, outdir.OutputError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        elapsed = time.perf_counter() - started
        print(f"wrote {len(pages)} files to {root} in {elapsed:.1f} s; open {root / 'index.html'}")
