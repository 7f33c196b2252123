"""`scrapy crawl` that refuses bad arguments at once, prints the run summary and exits with the run's status.

Scrapy's own `crawl` exits 1 only when the crawler cannot start (ecosystem.md §3.3). This override checks the
spider arguments and the database path before anything runs, then reads the status `CrawlStateExtension`
left in the stats and sets the exit code, so cron and systemd notice (see README "Exit codes"):
0 ok, 1 failed, 2 bad usage (nothing ran), 3 blocked, 4 partial, 5 ok but a run monitor raised an alert
(`crawler/monitors.py`; a run that is not ok keeps its own code, its alerts are printed all the same).
"""

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.distributed import worker_problem
from pipelines.database import path_problem
from pipelines.preview import preview_lines

EXIT_CODES = {"ok": 0, "failed": 1, "blocked": 3, "partial": 4}
ALERT = 5
SUMMARY = ("pages", "new", "changed", "unchanged", "duplicates", "attachments", "error", "gone", "blocked", "skipped")


class Command(ScrapyCrawlCommand):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        # Scrapyd adds -a _job=<id> (and _version) to every job: they name the job, not the spider's input.
        opts.spargs = {k: v for k, v in opts.spargs.items() if not k.startswith("_")}
        crawler = self._create_crawler(args[0])
        try:  # spider arguments are validated in __init__ (side-effect free): say what is wrong, no traceback
            crawler.spidercls(**opts.spargs)
        except (TypeError, ValueError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        database = crawler.settings.get("REPORTS_DB")
        if crawler.settings.get("REDIS_URL"):  # a worker of a distributed run: Redis, not a database file
            from pipelines.relay import shown

            database = f"written by `scrapy store` via {shown(crawler.settings['REDIS_URL'])}"
            if problem := worker_problem(crawler.settings):
                raise UsageError(f"REDIS_URL: {problem}", print_help=False)
        elif problem := path_problem(database):
            raise UsageError(f"REPORTS_DB: {problem}", print_help=False)
        assert self.crawler_process
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        status = stats.get("nianbao/run_status", "failed")
        alerts = stats.get("nianbao/alerts") or []
        self.exitcode = ALERT if status == "ok" and alerts else EXIT_CODES.get(status, 1)
        if "nianbao/preview" in stats:  # a dry run (scrapy crawl urls -a dry_run=1): nothing was stored
            print(
                "year | agency | region | url   (dry run: nothing written)",
                *preview_lines(stats["nianbao/preview"]),
                sep="\n",
            )
        figures = ", ".join(f"{k} {stats.get(f'nianbao/{k}', 0)}" for k in SUMMARY)
        why = stats.get("nianbao/run_why", "the run did not record its end")
        print(f"run {stats.get('nianbao/run_id')} {status} ({why}): {figures}; database {database}")
        for alert in alerts:
            print(f"alert {alert}")
