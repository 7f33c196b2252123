"""Rows over Redis: what a crawl worker writes instead of a database, and what it reads instead of one.

In a distributed crawl (`-s REDIS_URL=…`, README "Scaling out") no worker opens SQLite. `database_for` gives
every component of a worker a `RedisDatabase`: the `ReportsDatabase` write interface, relayed.

- `store(rows)` and `upsert(table, row, key, keep)` become *entries* in one Redis list (`<prefix>:rows`): the
  pickled `ReportRows` (the data path's one serialisation) or upsert, behind a header line naming the row
  format (`FORMAT`). They are buffered, and pushed in one MULTI with the acknowledgement of the request they
  came from (`crawler/distributed/worker.py`), so a worker that dies leaves either both (the request done,
  its rows queued) or neither (the request is fetched again by another worker).
- `call(fn, …)` runs nothing remotely: the run-record functions of `crawler/state.py` are relayed to the
  worker's run (`calls`, registered by the worker); anything else is refused.
- Reads come from the *mirror*: Redis hashes the writer (`pipelines/relay_writer.py`) keeps equal to the
  committed database: `crawl_state` rows by URL, stored reports' (content hash, parser version) by id, and
  which document URL holds which bytes. Workers read them as a local run reads its committed rows, so the
  second distributed run is as incremental as a local one.

`scrapy store` (the writer) is the only process that opens SQLite; it takes entries to a processing list,
applies them, commits, refreshes the mirror and only then removes them (a killed writer loses nothing; an
entry applied twice is harmless: a report replaces its rows, an upsert is an upsert).
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pipelines.database import DatabaseError
from pipelines.rows import ReportRows, TableRows
from pipelines.schema import migrations

logger = logging.getLogger(__name__)

# The shape of an entry. Bump ROW_FORMAT when the entry kinds change; the rest of FORMAT follows the code:
# the columns of ReportRows/TableRows and the database's migrations (a worker whose rows have another shape
# than the writer's database is refused, never half-written).
ROW_FORMAT = 1


def _format() -> str:
    shape = [f.name for f in fields(ReportRows)] + [f.name for f in fields(TableRows)]
    shape += [migration.name for migration in migrations._migrations]
    return f"nianbao-rows/{ROW_FORMAT}+{hashlib.sha1(' '.join(shape).encode()).hexdigest()[:10]}"


FORMAT = _format()


class EntryRefused(ValueError):
    """An entry this writer cannot apply (another row format, or not an entry at all): kept, never applied."""


def encode(kind: str, payload: Any) -> bytes:
    """One queue entry: the format line, then the pickled (kind, payload)."""
    return FORMAT.encode() + b"\n" + pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)


def decode(entry: bytes) -> tuple[str, Any]:
    """(kind, payload) of an entry of this FORMAT; EntryRefused (with the entry's format) otherwise."""
    header, _, body = entry.partition(b"\n")
    if header != FORMAT.encode():
        shown = header[:60].decode("utf-8", "replace") if header.startswith(b"nianbao-rows/") else "no row format"
        raise EntryRefused(f"row format {shown} (this writer reads {FORMAT})")
    try:
        kind, payload = pickle.loads(body)
    except Exception as exc:
        raise EntryRefused(f"unreadable entry of format {FORMAT}: {type(exc).__name__}: {exc}") from None
    return kind, payload


# -- connections and key names ----------------------------------------------------------------------------
def client(url: str, retries: int = 20, timeout: float = 10.0) -> redis.Redis:
    """A Redis client that rides out a restart: connection errors and timeouts are retried with backoff
    (0.05 s doubling to 1 s, `retries` times: ~20 s by default) before they are raised."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=min(timeout, 5.0), health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )  # fmt: skip


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used (one line), or None: checked before a worker or the writer starts."""
    try:
        probe = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError as exc:
        return f"{shown(url)} is not a Redis URL ({exc}); expected redis://host:port/db"
    try:
        probe.ping()
    except redis.RedisError as exc:
        return f"cannot reach Redis at {shown(url)}: {exc}"
    finally:
        probe.close()
    return None


@dataclass(frozen=True)
class Keys:
    """Every Redis key of one project installation (one writer, one database), under one prefix."""

    prefix: str = "nianbao"

    @property
    def rows(self) -> str:  # entries for the writer (workers LPUSH, the writer takes from the right)
        return f"{self.prefix}:rows"

    @property
    def processing(self) -> str:  # the writer's batch: removed only after its commit
        return f"{self.prefix}:rows:processing"

    @property
    def refused(self) -> str:  # entries of another row format, kept for a writer that reads them
        return f"{self.prefix}:rows:refused"

    @property
    def writer(self) -> str:  # "host:pid" of the attached writer (expires unless renewed)
        return f"{self.prefix}:writer"

    @property
    def writer_format(self) -> str:
        return f"{self.prefix}:writer:format"

    # the mirror of the committed database (written by the writer only)
    @property
    def mirror(self) -> str:  # JSON: which database, when loaded
        return f"{self.prefix}:mirror"

    @property
    def state(self) -> str:  # url → JSON crawl_state row
        return f"{self.prefix}:state"

    @property
    def reports(self) -> str:  # report id → "content_sha256 parser_version" (reports not in error)
        return f"{self.prefix}:reports"

    @property
    def owners(self) -> str:  # sha256 → the document URL holding those bytes
        return f"{self.prefix}:owners"

    @property
    def columns(self) -> str:  # portal home URL → JSON list of its found 年报 columns (portal_columns)
        return f"{self.prefix}:columns"

    def last(self, spider: str) -> str:  # JSON {status, scope} of the spider's last finished run
        return f"{self.prefix}:last:{spider}"

    # runs
    @property
    def runs(self) -> str:  # set of open run ids
        return f"{self.prefix}:runs"

    def crawl(self, crawl: str) -> str:  # the open run of a crawl (spider + arguments)
        return f"{self.prefix}:crawl:{crawl}"

    @property
    def hostnext(self) -> str:  # host → when it may be asked next (all runs: politeness is per host)
        return f"{self.prefix}:hostnext"

    def run(self, run: str, part: str = "") -> str:
        return f"{self.prefix}:run:{run}" + (f":{part}" if part else "")


# -- the worker's database ----------------------------------------------------------------------------------
class RedisDatabase:
    """A worker's stand-in for `ReportsDatabase`: writes become queue entries, reads come from the mirror.

    Entries are buffered and leave with the next `flush` (called by the worker when it acknowledges a
    request, on a timer and by `commit`/`close`). `backlog` is what waits for the writer: the store
    pipeline pauses while it is large, so a stopped writer stalls the workers instead of filling Redis."""

    def __init__(self, server: redis.Redis, keys: Keys, url: str = "") -> None:
        self.server, self.keys, self.path = server, keys, f"{shown(url)} (rows for the writer)"
        self.failures: list[tuple[str, str]] = []  # (kept for the interface: the writer records failures)
        self.closed = False
        self.pending: list[bytes] = []  # entries not yet pushed
        self.acks: list[Any] = []  # set by the worker: pushed with the entries, atomically (see flush)
        self.ack = None  # callable(pipe, acks) adding the acknowledgements to the MULTI
        self.calls: dict[Callable, Callable] = {}  # run-record functions → the worker's handlers
        self._queued, self._queued_at, self._warned = 0, 0.0, 0.0
        self.pushed = 0

    # -- writes -------------------------------------------------------------------------------------------
    def store(self, rows: ReportRows) -> None:
        self._add(encode("store", rows))

    def upsert(self, table: str, row: dict[str, Any], key: str, keep: tuple[str, ...] = ()) -> None:
        self._add(encode("upsert", (table, row, key, tuple(keep))))

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        handler = self.calls.get(fn)
        if handler is None:
            raise DatabaseError(f"{getattr(fn, '__name__', fn)}: a crawl worker has no database to run it on")
        self.flush()
        return handler(*args)

    def commit(self) -> None:
        self.flush()

    def close(self) -> None:
        if not self.closed:
            self.flush()
            self.closed = True

    def _add(self, entry: bytes) -> None:
        if self.closed:
            raise DatabaseError(f"{self.path}: closed")
        self.pending.append(entry)
        if len(self.pending) >= 256:
            self.flush()

    def flush(self) -> None:
        """Push the buffered entries and the pending acknowledgements in one transaction (all or nothing).
        On a Redis error both stay buffered, for the next flush."""
        if not self.pending and not self.acks:
            return
        pipe = self.server.pipeline(transaction=True)
        if self.pending:
            pipe.lpush(self.keys.rows, *self.pending)
        if self.acks and self.ack is not None:
            self.ack(pipe, self.acks)
        pipe.execute()
        self.pushed += len(self.pending)
        self.pending, self.acks = [], []

    @property
    def backlog(self) -> int:
        """Entries not yet taken by the writer (buffered here, or queued in Redis; refreshed every 0.2 s)."""
        now = time.monotonic()
        if now - self._queued_at > 0.2:
            self._queued, self._queued_at = self.server.llen(self.keys.rows), now
            if self._queued > 1000 and now - self._warned > 30:
                self._warned = now
                logger.warning("%d entries wait in Redis for the writer: is `scrapy store` running?", self._queued)
        return len(self.pending) + self._queued

    # -- reads (the mirror) -------------------------------------------------------------------------------
    def query(self, sql: str, params: Iterable = ()) -> list:
        raise DatabaseError("a crawl worker reads the Redis mirror, not SQL: use its CrawlState and identify reads")

    def state_rows(self, urls: list[str]) -> list[dict[str, Any] | None]:
        if not urls:
            return []
        return [json.loads(raw) if raw else None for raw in self.server.hmget(self.keys.state, urls)]

    def stored_report(self, report_id: str) -> tuple[str, str] | None:
        """(content_sha256, parser_version) of a stored report not in error, as `identify` compares them."""
        raw = self.server.hget(self.keys.reports, report_id)
        if not raw:
            return None
        sha, _, version = raw.decode().partition(" ")
        return sha, version

    def known_columns(self, portal: str) -> list[dict[str, Any]]:
        """`crawler.evidence.EvidenceStore.known_columns`: the portal's columns found by earlier runs."""
        raw = self.server.hget(self.keys.columns, portal)
        return json.loads(raw) if raw else []

    def mirror_ready(self) -> dict | None:
        raw = self.server.get(self.keys.mirror)
        return json.loads(raw) if raw else None
