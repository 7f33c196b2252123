"""`scrapy crawl` that exits non-zero when the run failed, and prints the run summary.

Scrapy's own `crawl` exits 1 only when the crawler cannot start (ecosystem.md §3.3). This override
reads the status `CrawlStateExtension` left in the stats (ok | blocked | failed) and sets the exit
code, so cron and systemd notice: 0 ok, 1 failed (errors, nothing fetched, or an abnormal finish),
2 bad usage or spider arguments (Scrapy's own code for usage errors, raised before anything is
fetched), 3 blocked (some pages were anti-bot answers; the rest was crawled).
"""

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from pipelines.preview import preview_lines

EXIT_CODES = {"ok": 0, "failed": 1, "blocked": 3}
SUMMARY = ("pages", "new", "changed", "unchanged", "duplicates", "blocked", "attachments", "attachment_errors")


class Command(ScrapyCrawlCommand):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        crawler = self._create_crawler(args[0])
        try:  # spider arguments are validated in __init__ (side-effect free): say what is wrong, no traceback
            crawler.spidercls(**opts.spargs)
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        assert self.crawler_process
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        status = stats.get("nianbao/run_status", "failed")
        self.exitcode = EXIT_CODES.get(status, 1)
        if "nianbao/preview" in stats:  # a dry run (scrapy crawl urls -a dry_run=1): nothing was stored
            print(
                "year | agency | region | url   (dry run: nothing written)",
                *preview_lines(stats["nianbao/preview"]),
                sep="\n",
            )
        figures = ", ".join(f"{k} {stats.get(f'nianbao/{k}', 0)}" for k in SUMMARY)
        print(f"run {stats.get('nianbao/run_id')} {status}: {figures}, errors {stats.get('log_count/ERROR', 0)}")
