"""scrapy-redis's scheduler and duplicate filter, fitted to Scrapy 2.19 and to nightly runs.

Thin subclasses where scrapy-redis 0.9.1 is in the way:
- `RunScheduler(scrapy_redis.scheduler.Scheduler)`: its keys are per run (`<prefix>:run:<id>:…`), not per
  spider: `SCHEDULER_PERSIST` would make the next night's run of a spider see every request as seen and end at
  once; flushing on start would empty the queue under workers still running. `open` joins the crawl's run
  (`Worker.join`, asynchronous: Scrapy 2.19 awaits it), `close` leaves it without flushing anything (the
  last worker out drops the run's keys). No stats or log calls with the spider argument (deprecated in 2.19,
  a warning per request). A request taken is recorded in flight with the worker until the engine is done.
- `RunDupeFilter(scrapy_redis.dupefilter.RFPDupeFilter)`: fingerprints by the crawler's
  `REQUEST_FINGERPRINTER_CLASS` (Scrapy's own, as a local run), not scrapy-redis's JSON-and-SHA1 of its own;
  it never deletes its set on close (the run's end does).
- `HostQueue(scrapy_redis.queue.Base)` (the library's `SCHEDULER_QUEUE_CLASS` extension point): one sorted
  set per host, hosts ranked by when they may next be asked. Its priority queue orders requests of equal
  priority by their serialised bytes, i.e. by URL: a worker would take a run of requests to one host and wait
  out that host's delay between each. Here a worker always takes the request of the host whose turn comes
  first, and books the host's next turn (`DOWNLOAD_DELAY`, with its jitter) for every worker at once:
  per-host politeness holds across workers, and many hosts are crawled side by side.
- `HostGateMiddleware` books the host's turn for every request sent and holds the request until then.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter, deque

import redis
from scrapy import Request, signals
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from crawler.distributed import engine as engine_hooks
from crawler.distributed.worker import Worker, worker_for

logger = logging.getLogger(__name__)

LATE = 0.05  # seconds after its turn that a request still goes; later, it books a new turn


# Requests whose callback reads state kept in the process that made them: a column discovery walk
# (crawler/families/discover.py keeps each portal's walk in its spider). They stay with their worker.
BOUND_KINDS = ("discovery",)


def host_of(request: Request) -> str:
    """The politeness slot of a request, as Scrapy's downloader keys it (`download_slot`, else the host)."""
    return request.meta.get("download_slot") or urlparse_cached(request).hostname or ""


class HostQueue(Base):
    """The run's request queue, per host (see the module docstring and `crawler/distributed/lua.py`)."""

    def __init__(self, server, spider, key, serializer=None, *, worker: Worker):
        super().__init__(server, spider, key, serializer)
        self.worker = worker
        self.horizon = max(1.0, 2 * worker.delay)  # a host is taken at most this long before its turn
        self.wait: float | None = None  # seconds until the next host's turn, when `pop` found none due

    def __len__(self) -> int:
        return int(self.server.get(self.key + ":count") or 0)

    def push(self, request: Request, fingerprint: str | None = None) -> bool:
        """Queue the request, unless its fingerprint (when given) was seen in this run already."""
        host, data = host_of(request), self._encode_request(request)
        args = [
            self.key,
            self.worker.keys.hostnext,
            host,
            request.priority,
            data,
            *([fingerprint] if fingerprint else []),
        ]
        return bool(self.worker.scripts["PUSH"](args=args))

    def pop(self, timeout: int = 0) -> Request | None:
        reply = self.worker.scripts["POP"](
            args=[
                self.key,
                self.worker.keys.hostnext,
                self.worker.id,
                f"{self.worker.turn():.4f}",
                f"{self.horizon:.4f}",
            ]
        )
        self.wait = None
        if not reply:
            return None
        if reply[0] == b"wait":
            self.wait = float(reply[1])
            return None
        _, seq, data = reply
        request = self._decode_request(data)
        self.worker.taken(request, seq.decode())
        return request

    def clear(self) -> None:  # the run's keys are dropped by the last worker out (Worker._clean)
        pass


class RunDupeFilter(RFPDupeFilter):
    def __init__(self, server, key: str, fingerprinter, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        pass

    def clear(self) -> None:
        pass


class RunScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler):
        worker = worker_for(crawler)
        scheduler = cls(server=worker.server, persist=True)
        scheduler.crawler, scheduler.worker, scheduler.stats = crawler, worker, crawler.stats
        scheduler.bound = deque()  # this worker's own requests (BOUND_KINDS), never in the shared queue
        return scheduler

    def open(self, spider):
        return deferred_from_coro(self._open(spider))

    async def _open(self, spider) -> None:
        self.spider = spider
        if await self.worker.join(spider) is None:  # no writer: the worker is closing
            return
        settings = self.crawler.settings
        self.queue = HostQueue(self.server, spider, self.worker.key(), worker=self.worker)  # the run's keys (lua.py)
        self.df = RunDupeFilter(  # its set, the run's P:seen, is filled by lua.PUSH
            self.server,
            self.worker.key("seen"),
            self.crawler.request_fingerprinter,
            settings.getbool("DUPEFILTER_DEBUG"),
        )
        if queued := len(self.queue):
            logger.info("run %s: %d requests already queued", self.worker.run, queued)

    def close(self, reason: str) -> None:
        if self.bound:
            logger.warning("%d requests of column discovery walks were not fetched (the next run walks again)",
                           len(self.bound))  # fmt: skip
        self.worker.leave()

    def __len__(self) -> int:
        return len(self.bound) + (len(self.queue) if hasattr(self, "queue") else 0)

    def enqueue_request(self, request: Request) -> bool:
        if self.worker.run is None:  # never joined a run (no writer): the spider is closing
            return False
        if request.meta.get("nianbao_kind") in BOUND_KINDS:
            self.bound.append(request)
            self.stats.inc_value("scheduler/enqueued/bound")
            return True
        try:  # the duplicate filter's fingerprint, checked and added with the push (lua.PUSH: one step)
            if not self.queue.push(request, None if request.dont_filter else self.df.request_fingerprint(request)):
                self.df.log(request, self.spider)
                return False
        except redis.RedisError as exc:
            self.worker.fail(exc)  # the request that made it is still in flight: fetched again, by someone
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.worker.broken or self.worker.closed or self.worker.run is None:
            return None
        if self.bound:
            return self.bound.popleft()
        try:
            request = self.queue.pop()
        except redis.RedisError as exc:
            self.worker.fail(exc)
            return None
        if request is None:
            if self.queue.wait is not None:  # a host's turn is near: look again then
                engine_hooks.wake(self.crawler.engine, min(self.queue.wait, 1.0))
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return len(self) > 0
        except redis.RedisError as exc:
            self.worker.fail(exc)
            return False


class HostGateMiddleware:
    """Downloader middleware (worker mode), right after robots.txt: every request, from the queue or not
    (attachments, robots.txt), books its host's next turn in Redis and waits for it. It books only when this
    worker has a download slot free for the host (CONCURRENT_REQUESTS_PER_DOMAIN), so that the request goes
    out at its turn, not later: in worker mode the local download slots have no delay of their own, and a
    request held there would go out after its turn, onto the next one another worker booked."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.downloading: Counter[str] = Counter()  # host → this worker's requests in the downloader
        self.waiting: dict[str, list[asyncio.Future]] = {}  # host → requests waiting for a download slot
        # host → requests past the gate, not yet in the downloader (weak: one dropped on the way is forgotten)
        self.passing: dict[str, weakref.WeakSet] = {}
        crawler.signals.connect(self.reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.left, signal=signals.request_left_downloader)
        self.patience = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 10
        self.per_host = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def reached(self, request, spider=None) -> None:
        host = host_of(request)
        self.downloading[host] += 1
        self.passing.get(host, set()).discard(request)

    def left(self, request, spider=None) -> None:
        host = host_of(request)
        self.downloading[host] -= 1
        if waiting := self.waiting.get(host):
            waiting.pop(0).set_result(None)

    async def process_request(self, request: Request, spider=None):
        worker = worker_for(self.crawler)
        if not worker.delay:  # no politeness asked for (benchmarks, the demo): nothing to book
            return None
        host = host_of(request)
        busy = self.downloading[host] + len(self.passing.setdefault(host, weakref.WeakSet()))
        if busy + len(self.waiting.get(host, ())) >= self.per_host:
            freed = asyncio.get_running_loop().create_future()  # set when a download to the host ends (`left`)
            self.waiting.setdefault(host, []).append(freed)
            try:
                await asyncio.wait_for(freed, self.patience)
            except TimeoutError:
                self.waiting[host].remove(freed)
        self.passing[host].add(request)  # from its booking to the downloader: the host is this request's
        if (wait := worker.book(host)) > 0:
            turn = time.monotonic() + wait
            await asyncio.sleep(wait)
            if time.monotonic() - turn > LATE:  # woken well after its turn (a busy worker): the next one, booked
                await asyncio.sleep(worker.book(host))  # by another worker, may be near: take a new turn
        return None
