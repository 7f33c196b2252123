"""`scrapy search WORDS…`: sections whose verbatim text contains every word, best first, with snippets."""

from __future__ import annotations

import json
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


def summary(results, words: str) -> str:
    if results.more:
        return (
            f"more than {results.count:,} sections contain {words}; the best {len(results.hits)} "
            "of the 2,000 stored last (narrow the search with more words):"
        )
    shown = f"; the best {len(results.hits)}:" if results.count > len(results.hits) else ":"
    return f"{results.count} section(s) contain {words}{shown}"


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] WORD [WORD …]"

    def short_desc(self) -> str:
        return "Find the report sections that contain every word (2+ characters each), with snippets"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="one JSON object per hit (JSON Lines), every hit")
        parser.add_argument("--limit", type=int, help="show at most this many hits (default 20; with --json all)")

    def run(self, args: list[str], opts) -> None:
        # imported here: Scrapy imports every command module at start-up, also for crawls (~18 MB)
        from research.database import NoDatabase, open_existing
        from research.search import search

        if not args:
            raise UsageError("give one or more words to search for")
        if opts.limit is not None and opts.limit < 1:
            raise UsageError("--limit: expected a positive number")
        limit = opts.limit or (None if opts.json else 20)
        try:
            db = open_existing(self.settings.get("REPORTS_DB"))
            results = search(db.conn, args, limit)
        except (NoDatabase, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        if opts.json:
            for hit in results.hits:
                print(json.dumps(hit.as_dict(), ensure_ascii=False))
            return
        print(summary(results, " ".join(args)))
        for hit in results.hits:
            print(f"{hit.agency or '(agency unknown)'} {hit.year or '?'} §{hit.number} {hit.report_id}")
            print(f"    {' '.join(hit.snippet.split())}")
