"""`scrapy store -s REDIS_URL=… -s REPORTS_DB=…`: the one writer of distributed crawls (README "Scaling out").

Applies what crawl workers queue in Redis to the database, committing before it acknowledges
(`pipelines/relay_writer.py`). Runs until stopped (SIGTERM, Ctrl-C: it finishes its batch first); with
`--drain` it exits once no distributed run is open and nothing is queued (it waits up to `--wait` seconds
for a first run when none is open yet, so a script may start it before its workers). Exit codes: 0 done,
1 some entries were refused (kept in Redis) or some reports could not be stored, 2 bad usage (no or
unreachable REDIS_URL, unusable REPORTS_DB, another writer attached).
"""

from __future__ import annotations

import logging
import signal

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from pipelines.database import DatabaseError, ReportsDatabase, path_problem
from pipelines.relay import Keys, client, redis_problem, shown
from pipelines.relay_writer import Writer, WriterError

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--drain] [--wait SECONDS]"

    def short_desc(self) -> str:
        return "Write what distributed crawl workers queued in Redis into the database (the one writer)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--drain", action="store_true", help="exit once no run is open and nothing is queued")
        parser.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                            help="with --drain: how long to wait for a first run (default 60)")  # fmt: skip

    def run(self, args: list[str], opts) -> None:
        if args:
            raise UsageError("scrapy store takes no arguments", print_help=False)
        settings = self.settings
        url, path = settings.get("REDIS_URL"), settings.get("REPORTS_DB")
        if not url:
            raise UsageError(
                "scrapy store needs -s REDIS_URL=redis://host:port/db (the workers' Redis)", print_help=False
            )
        if problem := redis_problem(url):
            raise UsageError(f"REDIS_URL: {problem}", print_help=False)
        if problem := path_problem(path):
            raise UsageError(f"REPORTS_DB: {problem}", print_help=False)
        try:
            db = ReportsDatabase(path, settings.getfloat("REPORTS_COMMIT_SECONDS"))
        except DatabaseError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        server = client(url, retries=settings.getint("REDIS_RETRIES", 20))
        writer = Writer(server, Keys(settings.get("REDIS_KEY_PREFIX") or "nianbao"), db,
                        lock_seconds=settings.getfloat("REDIS_WRITER_LOCK_SECONDS", 15.0))  # fmt: skip
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: setattr(writer, "stop", True))
        try:
            writer.attach()
        except WriterError as exc:
            db.close()
            raise UsageError(str(exc), print_help=False) from exc
        logger.info("writing %s from %s (%s)", path, shown(url), "until drained" if opts.drain else "until stopped")
        try:
            summary = writer.run(drain=opts.drain, wait=opts.wait)
        except WriterError as exc:
            logger.error("%s", exc)
            self.exitcode = 1
            summary = writer.summary
        finally:
            db.close()
            writer.detach()
        failed = len(db.failures)
        print(f"{summary.line()}; {failed} reports not stored; database {path}")
        if summary.refused:
            for reason, n in summary.refused.items():
                print(f"refused {n} entries: {reason}; kept in {writer.keys.refused}")
        if summary.refused or failed:
            self.exitcode = 1
