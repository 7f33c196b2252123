"""Distributed crawls: any `scrapy crawl` becomes a worker of a shared run with `-s REDIS_URL=redis://…`.

    worker 1..N (any machines)                                      one writer (the database's machine)
    scrapy crawl <spider> -s REDIS_URL=…  ──► Redis ◄── scrapy store -s REDIS_URL=… -s REPORTS_DB=…
      scheduler + duplicate filter (scrapy-redis) ─ requests ─┤        │ the only process that opens SQLite
      identify ─► parse ─► store ── rows (entries) ──────────┘        │ applies, commits, then acknowledges
      crawl state reads ◄── mirror of the committed database ◄──────┘ and refreshes the mirror

- `WorkerMode` (a Scrapy add-on in the project's ADDONS; nothing happens without REDIS_URL) switches the
  crawl to scrapy-redis's scheduler and duplicate filter (`scheduler.py`), holds requests to their host's
  turn (`HostGateMiddleware`), and gives `identify` the shared reads (`worker.SharedIdentifyPipeline`).
  The store pipeline and the crawl state get the worker's database from `database_for` (`pipelines/relay.py`).
- `worker.py`: joining a run, acknowledging requests, heartbeats, rescuing a dead worker's requests, the run
  record. `lua.py`: the atomic steps. `engine.py`: the two engine hooks Scrapy has no API for.
- The writer: `crawler/commands/store.py` over `pipelines/relay_writer.py`.
See README "Scaling out".
"""

from __future__ import annotations

# (imports inside the functions: a local crawl loads this add-on and should not pay for Redis)
GATE_PRIORITY = 110  # right after robots.txt (100), whose own request must book its turn before the page's


class WorkerMode:
    """Scrapy add-on: with REDIS_URL set, this crawl is a worker of the crawl's distributed run."""

    def update_settings(self, settings) -> None:
        if not settings.get("REDIS_URL"):
            return
        from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware

        from crawler.distributed.scheduler import HostGateMiddleware
        from crawler.distributed.worker import SharedIdentifyPipeline
        from crawler.robots import RobotsTxtMiddleware
        from pipelines.identify import IdentifyReportPipeline

        settings.set("SCHEDULER", "crawler.distributed.scheduler.RunScheduler", "addon")
        # Politeness is the shared gate's: DOWNLOAD_DELAY (with its jitter) between any two requests to a host,
        # whichever worker sends them. Local delays and AutoThrottle would push requests past their turn.
        settings.set("REDIS_HOST_DELAY", settings.getfloat("DOWNLOAD_DELAY"), "addon")
        for name, value in (("DOWNLOAD_DELAY", 0.0), ("AUTOTHROTTLE_ENABLED", False)):
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, 15))
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", HostGateMiddleware, GATE_PRIORITY)
        # a worker takes a batch of a host's requests at once: robots.txt must hold for all (crawler/robots.py)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", ScrapyRobotsTxtMiddleware, None)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RobotsTxtMiddleware, 100)
        pipelines = settings.getdict("ITEM_PIPELINES")
        if any(_is(path, IdentifyReportPipeline) for path in pipelines):
            settings.replace_in_component_priority_dict(
                "ITEM_PIPELINES", IdentifyReportPipeline, SharedIdentifyPipeline
            )


def _is(path, cls) -> bool:
    from scrapy.utils.misc import load_object

    return load_object(path) is cls


def worker_problem(settings) -> str | None:
    """Why this crawl cannot be a worker (one line), or None: checked by `scrapy crawl` before anything runs."""
    from pipelines.relay import redis_problem

    if problem := redis_problem(settings["REDIS_URL"]):
        return problem
    if not any(_is(path, WorkerMode) for path in settings.getdict("ADDONS")):
        return "worker mode is off: keep crawler.distributed.WorkerMode in ADDONS"
    return None
