"""A crawl worker's membership of a distributed run: joining, acknowledging, heartbeats, rescue, ending.

One `Worker` per crawler (`worker_for`), shared by the scheduler (`crawler/distributed/scheduler.py`), the
worker's database (`pipelines.relay.RedisDatabase`) and its crawl state (`SharedCrawlState`).

A *crawl* is a spider with its arguments (`crawl_key`); its *run* is shared by every worker started for it
while it is open. The first worker opens the run, later ones join it (`lua.JOIN`); all run their spider's
`start()`, and the shared duplicate filter keeps the seeds from being fetched twice. The run closes when no
request is queued or in flight and every worker has ended; the next workers started for the crawl open a
new run (per-run keys: a finished run never swallows the next night's, as `SCHEDULER_PERSIST` would). A run
whose workers all died stays open and is resumed by the next worker started for it.

No request is lost: taking a request from the queue puts it in the worker's in-flight hash in the same step
(`lua.POP`); it leaves that hash only when the engine is done with it, in the same transaction that pushes
its rows to the writer (`RedisDatabase.flush`). Each worker renews a heartbeat key; a worker whose heartbeat
expired is `killed` by any other, which queues its in-flight requests again (`lua.RESCUE`).

The run record: `CrawlStateExtension` calls `start_run`/`finish_run` on its database; on a worker these
become events for the writer (`worker-start`, `worker-finish`; `worker-killed` from a rescuer; `run-finish`
from the worker that closes the run), which the writer turns into `crawl_runs` rows: one per worker and one
for the run they belong to (`pipelines/relay_writer.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crawler.distributed import engine as engine_hooks
from crawler.distributed import lua
from crawler.monitors import Thresholds, monitor_run, target_of
from crawler.state import SETTLED, CrawlState, finish_run, previous_status, start_run
from pipelines.identify import IdentifyReportPipeline
from pipelines.relay import Keys, RedisDatabase, client, encode, shown

logger = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def worker_for(crawler) -> Worker:
    """The crawler's worker (created on first use; REDIS_URL must be set and worker mode on)."""
    worker = getattr(crawler, "nianbao_worker", None)
    if worker is None:
        scheduler = crawler.settings.get("SCHEDULER")
        if "RunScheduler" not in str(scheduler):
            raise RuntimeError(
                "REDIS_URL is set but worker mode is off: keep crawler.distributed.WorkerMode in ADDONS "
                f"(the scheduler is {scheduler})"
            )
        worker = crawler.nianbao_worker = Worker(crawler)
    return worker


def crawl_key(spider) -> str:
    """The crawl a worker belongs to: the spider and the arguments that change what it fetches."""
    args = {k: getattr(spider, k, None) for k in ("url", "region", "year", "limit", "full")}
    text = "&".join(f"{k}={v}" for k, v in sorted(args.items()) if v not in (None, False, ""))
    return f"{spider.name}:{hashlib.sha1(text.encode()).hexdigest()[:10]}" if text else spider.name


@dataclass
class Worker:
    crawler: Any
    keys: Keys = field(init=False)
    server: redis.Redis = field(init=False)
    db: RedisDatabase = field(init=False)
    id: str = field(init=False)
    run: str | None = None  # the run joined (set by `join`)
    crawl: str | None = None
    tracked: dict[Request, str] = field(default_factory=dict)  # requests taken and in progress → their seq

    def __post_init__(self) -> None:
        settings = self.crawler.settings
        self.url = settings["REDIS_URL"]
        self.keys = Keys(settings.get("REDIS_KEY_PREFIX") or "nianbao")
        self.server = client(self.url, retries=settings.getint("REDIS_RETRIES", 20))
        self.timeout = settings.getfloat("REDIS_WORKER_TIMEOUT", 30.0)  # heartbeat TTL: dead after this
        self.delay = settings.getfloat("REDIS_HOST_DELAY")  # DOWNLOAD_DELAY, moved here by WorkerMode
        self.jitter = settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)
        self.id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        self.db = RedisDatabase(self.server, self.keys, self.url)
        self.db.ack = self._ack_in
        self.db.calls = {start_run: self.start_run, finish_run: self.finish_run, monitor_run: self.monitors_later}
        self.db.crawl_state_class = lambda db, spider: SharedCrawlState(db, spider, worker=self)
        self.scripts = {name: self.server.register_script(getattr(lua, name)) for name in (
            "PUSH", "POP", "BOOK", "REQUEUE_OWN", "RESCUE", "JOIN", "IDLE", "TRY_CLOSE", "END", "CLAIM")}  # fmt: skip
        self.loops: list[task.LoopingCall] = []
        self.broken: str | None = None  # why Redis cannot be used any more (the worker then stops)
        self.closed = False
        self.crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        self.crawler.signals.connect(self.db.close, signal=signals.engine_stopped, weak=False)

    # -- keys of the joined run ---------------------------------------------------------------------------
    def key(self, part: str = "") -> str:
        assert self.run is not None, "the worker has not joined a run yet"
        return self.keys.run(self.run, part)

    # -- joining --------------------------------------------------------------------------------------------
    async def join(self, spider) -> str | None:
        """Wait until the writer has loaded the crawl state into Redis, then join (or open) the crawl's run."""
        waited, limit = 0.0, self.crawler.settings.getfloat("REDIS_WRITER_WAIT", 300.0)
        while self.db.mirror_ready() is None:
            if waited == 0:
                logger.warning("waiting for the writer (scrapy store) to load the crawl state into %s", shown(self.url))
            if waited >= limit:
                reason = (f"no writer has loaded the crawl state into {shown(self.url)} within REDIS_WRITER_WAIT "
                          f"({limit:.0f} s): start `scrapy store -s REDIS_URL=… -s REPORTS_DB=…`")  # fmt: skip
                logger.error("%s", reason)
                self.broken = reason  # the spider opens, takes nothing and closes (Scrapy 2.19 cannot close a
                self.crawler.signals.connect(self._close, signal=signals.spider_opened)  # spider from its
                return None  # scheduler's open without tracebacks)
            await asyncio.sleep(0.5)
            waited += 0.5
        self.crawl, self.spider = crawl_key(spider), spider
        scope = {k: getattr(spider, k, None) for k in ("year", "limit", "full")}
        new = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        run, opened = self.scripts["JOIN"](
            keys=[self.keys.crawl(self.crawl), self.keys.runs],
            args=[self.keys.prefix, new, self.id, int(self.timeout), self.crawl, spider.name, now(), json.dumps(scope)],
        )
        self.run = run.decode()
        info = {k.decode(): v.decode() for k, v in self.server.hgetall(self.key()).items()}
        self.started, self.scope = info.get("started") or now(), json.loads(info.get("scope") or "{}")
        logger.info(
            "%s run %s of crawl %s as worker %s", "opened" if opened else "joined", self.run, self.crawl, self.id
        )
        engine_hooks.on_request_done(self.crawler.engine, self.done)
        self._loop(self.heartbeat, max(0.2, self.timeout / 4))
        self.ticks = 0
        self._loop(self.tick, 0.1)
        return self.run

    def _close(self, spider) -> None:
        self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="no writer"))

    def _loop(self, fn, interval: float) -> None:
        loop = task.LoopingCall(fn)
        loop.start(interval, now=False)
        self.loops.append(loop)

    # -- requests -------------------------------------------------------------------------------------------
    def turn(self) -> float:
        """Seconds from one request to a host to the next (DOWNLOAD_DELAY with its jitter, as Scrapy's)."""
        return self.delay * random.uniform(1 - self.jitter, 1 + self.jitter) if self.delay else 0.0

    def book(self, host: str) -> float:
        """Book the host's next turn for a request; seconds to wait for it."""
        try:
            return float(self.scripts["BOOK"](args=[self.keys.hostnext, host, f"{self.turn():.4f}"]))
        except redis.RedisError as exc:
            self.fail(exc)
            return 0.0

    def taken(self, request: Request, seq: str) -> None:
        self.tracked[request] = seq

    def done(self, request: Request) -> None:
        """The engine is done with `request`: its acknowledgement leaves with the next flush (every 0.1 s,
        or at 32), together with every entry buffered before it."""
        seq = self.tracked.pop(request, None)
        if seq is not None:
            self.db.acks.append(seq)
            if len(self.db.acks) >= 32:
                self.flush()

    def _ack_in(self, pipe, seqs: list[str]) -> None:
        pipe.hdel(self.key(f"inflight:{self.id}"), *seqs)

    def flush(self) -> None:
        try:
            self.db.flush()
        except redis.RedisError as exc:
            self.fail(exc)

    def requeue_own(self, seqs: list[str]) -> int:
        if not seqs:
            return 0
        return self.scripts["REQUEUE_OWN"](args=[self.key(), self.keys.hostnext, self.id, *seqs])

    # -- liveness ---------------------------------------------------------------------------------------------
    def heartbeat(self) -> None:
        """Renew this worker's heartbeat, save its counts so far (a killed worker's last word), rescue the dead."""
        if self.closed or self.broken:
            return
        try:
            pipe = self.server.pipeline(transaction=False)
            pipe.set(self.key(f"alive:{self.id}"), "1", ex=max(1, round(self.timeout)))
            pipe.hset(self.key("stats"), self.id, json.dumps(self.counts()))
            pipe.hget(self.key("state"), self.id)
            *_, state = pipe.execute()
            if state == b"killed":  # silent too long (a blocked process): others took its requests, harmlessly
                logger.warning("this worker was silent longer than REDIS_WORKER_TIMEOUT (%.0f s) and was taken "
                               "for dead: what it held was fetched again by others; going on", self.timeout)  # fmt: skip
                self.server.hset(self.key("state"), self.id, "running")
            self.rescue()
        except redis.RedisError as exc:
            self.fail(exc)

    def tick(self) -> None:
        """Every 0.1 s: push what is buffered; every 0.5 s let the engine look at the shared queue again
        (other workers fill it too)."""
        if self.closed or self.broken:
            return
        self.flush()
        self.ticks += 1
        if self.ticks % 5 == 0:
            engine_hooks.wake(self.crawler.engine)

    def rescue(self) -> None:
        """Queue again what dead workers had in flight; tell the writer they were killed."""
        found = self.scripts["RESCUE"](args=[self.key(), self.keys.hostnext, self.id])
        for i in range(0, len(found), 2):
            dead, requeued = found[i].decode(), int(found[i + 1])
            last = self.server.hget(self.key("stats"), dead)
            logger.warning(
                "worker %s stopped sending heartbeats: killed; %d requests it held queued again", dead, requeued
            )
            self.server.lpush(self.keys.rows, encode("worker-killed", {
                "run": self.run, "worker": dead, "spider": self.spider.name, "at": now(), "requeued": requeued,
                "counts": json.loads(last) if last else None,
            }))  # fmt: skip

    def counts(self) -> dict[str, Any]:
        stats = self.crawler.stats
        out = {k: stats.get_value(f"nianbao/{k}", 0) for k in ("pages", "new", "changed", "unchanged")}
        state = self.crawler.__dict__.get("crawl_state")
        if state is not None:
            out |= {("errors" if k == "error" else k): v for k, v in state.counts().items()}
        return out

    def fail(self, exc: Exception) -> None:
        """Redis stayed unreachable through the client's retries: stop this worker cleanly (once). What it
        had in flight stays in Redis and is fetched by another worker, or by the next one started."""
        if self.broken is None:
            self.broken = f"Redis unreachable at {shown(self.url)}: {type(exc).__name__}: {exc}"
            logger.error("%s: stopping this worker (its requests in flight stay queued in Redis)", self.broken)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None:
                self._closing = asyncio.ensure_future(engine.close_spider_async(reason="redis unreachable"))

    # -- ending -----------------------------------------------------------------------------------------------
    def spider_idle(self, spider) -> None:
        """Scrapy has nothing in progress: stay open while the run has work (queued, or in flight elsewhere)."""
        if self.broken or self.run is None:
            return
        try:
            self.db.flush()  # acknowledgements first: what is done must not count as in flight
            self.rescue()
            queued, running, mine = self.scripts["IDLE"](args=[self.key(), self.id])
            if mine:  # taken but unknown here (a reply lost in a Redis restart): queue them again
                orphans = [s.decode() for s in self.server.hkeys(self.key(f"inflight:{self.id}"))]
                self.requeue_own([s for s in orphans if s not in self.tracked.values()])
        except redis.RedisError as exc:
            self.fail(exc)
            return
        if queued or running or mine:
            engine_hooks.wake(self.crawler.engine, 0.2)
            raise DontCloseSpider

    def leave(self) -> None:
        """The scheduler closes: stop the loops, push what is buffered, queue again what was not done."""
        for loop in self.loops:
            if loop.running:
                loop.stop()
        if self.run is None or self.broken:
            return
        try:
            self.flush()
            left = [s.decode() for s in self.server.hkeys(self.key(f"inflight:{self.id}"))]
            if n := self.requeue_own(left):
                logger.info("%d requests taken but not done went back to the queue", n)
        except redis.RedisError as exc:
            self.fail(exc)

    @staticmethod
    def monitors_later(*args) -> list:
        """`crawler.monitors.monitor_run` on a worker: nothing yet. The writer judges the run as a whole once
        it has ended (the run-finish event carries what the monitors need)."""
        return []

    def listed(self) -> int | None:
        """Report links on the first page of every column the run read, whichever worker read it (as
        `crawler.monitors.listed_of` counts them for a local run)."""
        keys = list(self.server.scan_iter(match=self.key("first_pages:*"), count=1000))
        pages = [json.loads(raw) for key in keys for raw in self.server.hvals(key)]
        return sum(map(len, pages)) if pages else None

    def start_run(self, spider: str) -> tuple[str, str | None]:
        """`crawler.state.start_run` on a worker: tell the writer, and read the spider's last run status."""
        if self.run is None:  # never joined (no writer): nothing to record
            return f"(none: no writer)/{self.id}", None
        raw = self.server.get(self.keys.last(spider))
        last = json.loads(raw) if raw else None
        previous = previous_status(last["status"], last.get("detail")) if last else None
        self.server.lpush(self.keys.rows, encode("worker-start", {
            "run": self.run, "worker": self.id, "spider": spider, "crawl": self.crawl, "run_started": self.started,
            "started": now(), "scope": self.scope,
        }))  # fmt: skip
        return f"{self.run}/{self.id}", previous

    def finish_run(self, run_id: str, row: dict[str, Any]) -> None:
        """`crawler.state.finish_run` on a worker: its record to the writer; the last worker closes the run."""
        self.closed = True
        if self.run is None:
            return
        if row["status"] == "failed" and not row["pages"] and self._finished_cleanly(row):
            # the shared queue was empty by the time this worker asked: the others did the work
            row = row | {"status": "ok", "detail": json.dumps(json.loads(row["detail"]) | {
                "why": "this worker fetched no page: the other workers took every request"}, ensure_ascii=False)}  # fmt: skip
            self.crawler.stats.set_value("nianbao/run_status", "ok")
        if self.broken:
            logger.error("run record of worker %s not sent: %s", self.id, self.broken)
            return
        payload = {"run": self.run, "worker": self.id, "spider": self.spider.name, "row": row}
        try:
            self.scripts["END"](keys=[self.keys.rows], args=[self.key(), self.id, encode("worker-finish", payload)])
            self.close_run()
        except redis.RedisError as exc:
            logger.error("run record of worker %s not sent: Redis unreachable: %s", self.id, exc)

    @staticmethod
    def _finished_cleanly(row: dict[str, Any]) -> bool:
        detail = json.loads(row.get("detail") or "{}")
        return detail.get("finish_reason") == "finished" and not detail.get("logged_errors")

    def close_run(self) -> None:
        """Close the run if it is over. Idle workers are about to end (or dead): wait for them, at most
        until their heartbeat would expire."""
        finish = encode("run-finish", {
            "run": self.run, "spider": self.spider.name, "crawl": self.crawl, "started": self.started,
            "scope": self.scope, "target": target_of(self.spider), "listed": self.listed(),
            "limits": Thresholds.from_settings(self.crawler.settings),
        })  # fmt: skip
        deadline = time.monotonic() + self.timeout + 2
        while True:
            self.rescue()
            outcome = self.scripts["TRY_CLOSE"](
                keys=[self.keys.rows, self.keys.runs, self.keys.crawl(self.crawl)], args=[self.key(), self.run, finish]
            )
            if outcome == 1:
                logger.info("run %s is over: every worker has ended", self.run)
                self._clean()
                return
            if outcome == 4:
                logger.warning(
                    "run %s keeps requests no worker is left to fetch: start a worker to complete it", self.run
                )
            if outcome != 3 or time.monotonic() > deadline:
                return
            time.sleep(0.2)

    def _clean(self) -> None:
        """Drop the run's keys (its queue, filter, claims: a new run starts empty)."""
        with contextlib.suppress(redis.RedisError):
            doomed = [self.key(), *self.server.scan_iter(match=self.key() + ":*", count=1000)]
            for i in range(0, len(doomed), 500):
                self.server.unlink(*doomed[i : i + 500])

    # -- shared reads ---------------------------------------------------------------------------------------
    def claim(self, sha256: str, url: str) -> str | None:
        owner = self.scripts["CLAIM"](keys=[self.key("claims"), self.keys.owners, self.keys.state], args=[sha256, url])
        return owner.decode() if owner else None


class RunMapping(MutableMapping):
    """A dict of the run, in Redis (values as JSON): what one worker notes for another (first listing pages).
    Empty, and forgetting, on a worker that never joined a run (no writer)."""

    def __init__(self, worker: Worker, name: str) -> None:
        self.worker, self.name = worker, name

    @property
    def _key(self) -> str | None:
        return self.worker.key(self.name) if self.worker.run is not None else None

    def __getitem__(self, key: str) -> Any:
        raw = self.worker.server.hget(self._key, key) if self._key else None
        if raw is None:
            raise KeyError(key)
        value = json.loads(raw)
        return frozenset(value) if isinstance(value, list) else value

    def __setitem__(self, key: str, value: Any) -> None:
        value = sorted(value) if isinstance(value, (set, frozenset)) else value
        if self._key:
            self.worker.server.hset(self._key, key, json.dumps(value, ensure_ascii=False))

    def __delitem__(self, key: str) -> None:
        if self._key:
            self.worker.server.hdel(self._key, key)

    def __iter__(self) -> Iterator[str]:
        return (k.decode() for k in self.worker.server.hkeys(self._key)) if self._key else iter(())

    def __len__(self) -> int:
        return self.worker.server.hlen(self._key) if self._key else 0


@dataclass
class SharedCrawlState(CrawlState):
    """`CrawlState` whose reads come from the Redis mirror of the committed database (and this run's
    shared notes), so every worker sees what any worker's run has stored, as a local run sees its database."""

    worker: Worker | None = None

    def __post_init__(self) -> None:
        self.recent: dict[str, dict | None] = {}  # rows read for a report request, read again by its callback

    def first_pages_of(self, spider: str) -> RunMapping:
        return self.first_pages.setdefault(spider, RunMapping(self.worker, f"first_pages:{spider}"))

    def get(self, url: str) -> dict[str, Any] | None:
        if url in self.recent:
            return self.recent.pop(url)
        row = self.db.state_rows([url])[0]
        if len(self.recent) > 10_000:  # (requests filtered as duplicates never come back for theirs)
            self.recent.clear()
        self.recent[url] = row
        return row

    def known_documents(self, urls: list[str]) -> set[str]:
        rows = self.db.state_rows(urls)
        return {url for url, row in zip(urls, rows, strict=True) if row and row["status"] in SETTLED and row["sha256"]}

    def owner_of(self, sha256: str, url: str) -> str | None:
        return self.worker.claim(sha256, url)


class SharedIdentifyPipeline(IdentifyReportPipeline):
    """`identify` on a worker: a report's stored (content hash, parser version) from the Redis mirror."""

    def _stored(self, rid: str) -> tuple | None:
        return self.db.stored_report(rid)
