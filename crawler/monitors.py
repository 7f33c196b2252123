"""Run monitors: after each crawl, compare the run with the portal's earlier runs and raise alerts.

A run can end `ok` and still be wrong: the portal redesigned its column and our listing code now finds two
reports where it found twenty, or it stopped publishing there. Three monitors judge each run that fetched
something (status ok, partial or blocked; a failed run is reported by its status already):

- `listed_dropped`: the reports listed on the first page of every column (which every run reads, full or
  incremental) fell below `REPORTS_MONITOR_LISTED_DROP` (default half) of the last run that was not itself
  flagged. Runs narrowed by `-a year`/`-a limit` are not compared.
- `failed_share`: errors and blocked pages are more than `REPORTS_MONITOR_FAILED_SHARE` (default 25 %) of
  the URLs the run met (pages fetched + errors + blocked).
- `quiet`: nothing new or changed for `REPORTS_MONITOR_QUIET_DAYS` (default 30) days on a portal that has
  changed while we watched it (a report new or changed in a run after its first). Raised once per quiet spell.

An alert is a row of `alerts`, open until a later run passes that monitor (or `scrapy status --resolve`
closes it: the way to accept a portal that legitimately lists fewer reports now). A run that raises an
alert exits 5 when its status is otherwise ok (`crawler/commands/crawl.py`); the runs of one portal are
those of the same spider and the same `-a url=`/`-a region=` (`crawl_runs.target`).

Why not spidermon: its monitors judge one run's stats, ours compare runs in the database; we would write
all three as custom monitors plus an action to record the alert and set the exit code, and its stock
monitors misread our runs (an incremental run with nothing new has no `item_scraped_count`; page errors are
counted by outcome in `crawl_runs`, not in `log_count/ERROR`). What it would add is a runner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from scrapy import signals

from crawler.families.base import ReportSpider
from crawler.state import CrawlState, now

logger = logging.getLogger(__name__)

JUDGED = ("ok", "partial", "blocked")  # statuses of runs that fetched something: compared and comparable
HOLD = "hold"  # a monitor that cannot judge this run: its open alert (if any) stays open


@dataclass(frozen=True)
class Thresholds:
    listed_drop: float = 0.5
    failed_share: float = 0.25
    quiet_days: float = 30

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        return cls(
            settings.getfloat("REPORTS_MONITOR_LISTED_DROP", cls.listed_drop),
            settings.getfloat("REPORTS_MONITOR_FAILED_SHARE", cls.failed_share),
            settings.getfloat("REPORTS_MONITOR_QUIET_DAYS", cls.quiet_days),
        )


# -- the monitors: pure functions of crawl_runs rows (dicts); a message (alert), None (passed) or HOLD --------
def listed_dropped(run: dict, baseline: dict | None, limits: Thresholds) -> str | None:
    if narrowed(run) or run["listed"] is None or baseline is None or not baseline["listed"]:
        return HOLD
    if run["listed"] < limits.listed_drop * baseline["listed"]:
        return (
            f"{run['listed']} reports listed on the columns' first pages, {baseline['listed']} in run "
            f"{baseline['id']}: the portal's layout or column may have changed"
        )
    return None


def failed_share(run: dict, limits: Thresholds) -> str | None:
    failed = (run["errors"] or 0) + (run["blocked"] or 0)
    met = (run["pages"] or 0) + failed
    if met and failed / met > limits.failed_share:
        return f"{failed} of {met} URLs failed or were blocked ({failed / met:.0%}; the limit is {limits.failed_share:.0%})"
    return None


def quiet(run: dict, history: list[dict], raised_since: list[str], limits: Thresholds) -> str | None:
    """`history`: the portal's earlier judged runs, oldest first; `raised_since`: when quiet alerts were raised."""
    if changed(run):
        return None
    changes = [earlier for earlier in history[1:] if changed(earlier)]  # the first run's reports are not changes
    if not changes:
        return HOLD  # never seen changing: nothing to miss
    last = changes[-1]
    days = (_time(run["started"]) - _time(last["started"])).total_seconds() / 86400
    if days < limits.quiet_days or any(raised > last["started"] for raised in raised_since):
        return HOLD
    return (
        f"nothing new or changed for {days:.0f} days (since run {last['id']}, {last['started'][:10]}), "
        "on a portal that used to change: check that it still publishes in this column"
    )


def narrowed(run: dict) -> bool:
    return bool(run["year"] or run["limit"])


def changed(run: dict) -> bool:
    return bool((run["new"] or 0) + (run["changed"] or 0))


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


# -- in the database's writer thread ------------------------------------------------------------------------
RUN_COLUMNS = ("id, spider, started, status, pages, new, changed, errors, blocked, listed, "
               "json_extract(detail, '$.scope.year') as year, json_extract(detail, '$.scope.limit') as [limit]")  # fmt: skip


def monitor_run(db, run_id: int, target: str, listed: int | None, limits: Thresholds) -> list[tuple[str, str]]:
    """Record what the run listed, judge it, record alerts raised and resolve those that passed; returns
    the (monitor, message) raised. Runs in the writer thread (`ReportsDatabase.call`): one transaction."""
    conn = db.conn
    conn.execute("update crawl_runs set target = ?, listed = ? where id = ?", [target, listed, run_id])
    [run] = _rows(conn, f"select {RUN_COLUMNS} from crawl_runs where id = ?", [run_id])
    if run["status"] not in JUDGED:
        return []
    spider = run["spider"]
    history = _rows(
        conn,
        f"select {RUN_COLUMNS} from crawl_runs where spider = ? and coalesce(target, spider) = ? and id < ? "
        f"and status in {JUDGED} and part_of is null order by id",  # (a distributed run's own row, not its workers')
        [spider, target, run_id],
    )
    open_drops = {row[0] for row in conn.execute(
        "select run_id from alerts where spider = ? and target = ? and monitor = 'listed_dropped' "
        "and resolved is null", [spider, target])}  # fmt: skip
    baselines = [r for r in history if not narrowed(r) and r["listed"] is not None and r["id"] not in open_drops]
    raised_quiet = [row[0] for row in conn.execute(
        "select raised from alerts where spider = ? and target = ? and monitor = 'quiet'", [spider, target])]  # fmt: skip
    verdicts = {
        "listed_dropped": listed_dropped(run, baselines[-1] if baselines else None, limits),
        "failed_share": failed_share(run, limits),
        "quiet": quiet(run, history, raised_quiet, limits),
    }
    raised = []
    for monitor, verdict in verdicts.items():
        if verdict is None:
            conn.execute(
                "update alerts set resolved = ?, resolved_by = ? where spider = ? and target = ? and monitor = ? "
                "and resolved is null",
                [now(), f"run {run_id}", spider, target, monitor],
            )
        elif verdict != HOLD:
            conn.execute(
                "insert into alerts (run_id, spider, target, monitor, message, raised) values (?, ?, ?, ?, ?, ?)",
                [run_id, spider, target, monitor, verdict, now()],
            )
            raised.append((monitor, verdict))
    return raised


def _rows(conn, sql: str, params: list) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


# -- the extension --------------------------------------------------------------------------------------------
def target_of(spider: ReportSpider) -> str:
    """What a run crawled: the spider, with its -a url=/region= for the generic spider (`crawl_runs.target`)."""
    arguments = [f"{name}={value}" for name in ("url", "region") if (value := getattr(spider, name, None))]
    return " ".join([spider.name, *arguments])


def listed_of(spider: ReportSpider) -> int | None:
    """Report links on the first page of every column the run read (the parts' too, in a region run)."""
    spiders = [spider, *getattr(spider, "parts", {}).values()]
    pages = [urls for part in spiders for urls in getattr(part, "first_pages", {}).values()]
    return sum(map(len, pages)) if pages else None


class RunMonitorsExtension:
    """Judges each portal crawl once `CrawlStateExtension` (ordered before it in EXTENSIONS) has written its
    run record; the alerts it raises go to `alerts`, the stats (`nianbao/alerts`) and the log."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.limits = Thresholds.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason) -> None:
        if not isinstance(spider, ReportSpider):  # local files (`scrapy ingest`): no portal to watch
            return
        stats = self.crawler.stats
        run_id = stats.get_value("nianbao/run_id")
        if run_id is None or stats.get_value("nianbao/run_status") is None:
            logger.error("run monitors: no finished run record (is CrawlStateExtension enabled, and before them?)")
            return
        db = CrawlState.for_crawler(self.crawler).db
        raised = db.call(monitor_run, run_id, target_of(spider), listed_of(spider), self.limits)
        stats.set_value("nianbao/alerts", [f"{monitor}: {message}" for monitor, message in raised])
        for monitor, message in raised:
            logger.warning("alert %s (run %s): %s", monitor, run_id, message)
