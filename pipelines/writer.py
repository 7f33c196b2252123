"""DatabaseWriter: one process owns the database's writing connection and its batch transaction.

Why a process: SQLite, the FTS index and the WAL cost ~1.5 ms of every report, and in a thread of the
crawling process every one of the ~25 statements of a report gave the GIL away and waited to get it
back behind the crawling thread — the writer thread burned twice its own work in that contention
(tests/benchmarks/bench_ingest.py). In its own process the writing runs beside the crawl.

Everything that writes to the reports database in a run goes through the one writer of that file
(`DatabaseWriter.acquire`): the store pipeline's report rows and the crawl state (`crawler/state.py`).
SQLite allows one writer at a time, and sharing the transaction makes a document's crawl state commit
together with its report rows.

Jobs are `fn(db, *args)` calls of module-level functions, given as the function or as its name
("module:function": the crawling process then need not import what only the writer uses, such as
sqlite-utils and the cross-year checks), run in order in the writer process, inside a batch transaction that is committed every `commit_seconds` (and when
idle that long, on `commit()` and on close): a commit costs the WAL and the FTS index more than a
report's rows, so committing each report would cost more than parsing it. Jobs that must be whole
or not at all take a savepoint (`db.atomic()`); a crash loses at most the open batch of *whole*
reports and their crawl state, which the next run fetches and writes again.

Before each commit the writer process calls `finish_batch(db)` on its batch hooks (objects named by
"module:attribute", e.g. the store's per-batch FTS indexing). If a hook or the commit fails, the batch
is rolled back, each hook's `drop_batch()` is called and the failure is reported to the crawling
process, which logs it as an error (the run then ends as failed): a batch is never committed
half-finished.

The writer process ends when the crawling process closes it or dies (its open batch is then lost).
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib
import logging
import multiprocessing
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

from pipelines.workers import widen_pipe

logger = logging.getLogger(__name__)

BATCH_HOOKS = ("pipelines.batch:REPORT_BATCH",)


class WriterError(RuntimeError):
    """The writer process is gone, or a job failed there (the message carries its traceback)."""


class DatabaseWriter:
    _shared: ClassVar[dict[str, DatabaseWriter]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, path: str, commit_seconds: float = 1.0, hooks: tuple[str, ...] = BATCH_HOOKS) -> None:
        self.path = path
        self.users = 0  # acquire() / release() count for the shared writer of a path
        self.closed = False
        self._futures: dict[int, Future] = {}
        self._outbox: list[tuple] = []  # messages not sent yet (see _flush)
        self._flush_scheduled = False
        self._next_id = 0
        self._lock = threading.Lock()
        self._ready: Future = Future()
        context = multiprocessing.get_context("spawn")  # the parent runs a reactor and threads: no fork
        jobs_in, self._jobs = context.Pipe(duplex=False)
        self._results, results_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=serve, args=(path, commit_seconds, hooks, jobs_in, results_out), name="nianbao-writer", daemon=True
        )
        self._process.start()
        jobs_in.close()
        results_out.close()
        # 1 MB, not 64 KB (two reports' rows): a send blocks the crawling thread when the pipe is full,
        # and this process reads it only when its reader thread gets its GIL — measured 15 % of the
        # crawling thread's time blocked in sends with the default.
        widen_pipe(self._jobs)
        # The crawling process has a helper thread (this writer's results) that takes the GIL
        # whenever the crawling thread releases it for a syscall; with the default 5 ms switch
        # interval the crawling thread then waited up to 5 ms to get it back. 1 ms took the demo crawl
        # with every pipeline on from 140 to 151 pages/s while the parser pool's two threads were there
        # too; with only this thread left, 1 ms and 5 ms measured the same (bench_crawl.py).
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        self._receiver = threading.Thread(target=self._receive, name="nianbao-writer-results", daemon=True)
        self._receiver.start()

    # -- the shared writer of a database file -------------------------------------------------------
    @classmethod
    def acquire(cls, path: str, commit_seconds: float = 1.0) -> DatabaseWriter:
        """The one writer of `path` in this process (started on first use); `release()` when done."""
        key = str(Path(path).resolve())
        with cls._shared_lock:
            writer = cls._shared.get(key)
            if writer is None or writer.closed:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                writer = cls._shared[key] = cls(path, commit_seconds)
            writer.users += 1
            return writer

    def release(self) -> None:
        """Drop one user; the last one commits and stops the writer."""
        with self._shared_lock:
            self.users -= 1
            if self.users > 0:
                return
            self._shared.pop(str(Path(self.path).resolve()), None)
        self.close()

    # -- jobs ---------------------------------------------------------------------------------------
    def wait_ready(self) -> None:
        """Block until the database exists with every migration applied (raises if it could not open)."""
        self._ready.result()

    def submit(self, fn: Callable | str, *args: Any) -> Future:
        """Run `fn(db, *args)` in the writer process, after every job submitted before it."""
        return self._send("job", fn, args, reply=True)

    def submit_logged(self, fn: Callable | str, *args: Any) -> None:
        """`submit` for callers that do not wait: only a failure comes back, and is logged as an error.
        In the event loop's thread, what is submitted in one loop iteration is sent in one write."""
        self._send("job", fn, args, reply=False, defer=True)

    async def run(self, fn: Callable | str, *args: Any) -> Any:
        """`submit` and await the result without blocking the event loop (sent like `submit_logged`)."""
        return await asyncio.wrap_future(self._send("job", fn, args, reply=True, defer=True))

    def call(self, fn: Callable | str, *args: Any) -> Any:
        """`submit` and wait (blocks the calling thread until every earlier job has run)."""
        return self.submit(fn, *args).result()

    def commit(self) -> Future:
        """Commit the open batch as soon as the jobs before this call have run."""
        return self._send("commit", None, (), reply=True)

    def close(self) -> None:
        """Commit, close the connection and stop the writer process (waits for every queued job)."""
        if self.closed:
            return
        try:
            self._send("close", None, (), reply=True).result()
        except WriterError as exc:
            logger.error("database writer of %s: %s", self.path, exc)
        self.closed = True
        self._process.join(timeout=60)
        self._receiver.join(timeout=5)
        self._jobs.close()

    def _send(self, kind: str, fn, args: tuple, reply: bool, defer: bool = False) -> Future | None:
        with self._lock:
            if self.closed:
                raise WriterError(f"the database writer of {self.path} is closed")
            self._next_id += 1
            job_id = self._next_id
            future: Future | None = None
            if reply:
                future = self._futures[job_id] = Future()
            self._outbox.append((kind, job_id, fn, args, reply))
            if defer and self._flush_scheduled:
                return future
            loop = _running_loop() if defer else None
            if loop is not None:
                self._flush_scheduled = True
        if loop is not None:
            loop.call_soon(self._flush)
        else:
            self._flush()
        return future

    def _flush(self) -> None:
        """Send the queued messages in one write: each write releases the GIL, and in the crawling
        process getting it back can mean waiting behind the other threads."""
        with self._lock:
            messages, self._outbox = self._outbox, []
            self._flush_scheduled = False
            if not messages:
                return
            try:
                self._jobs.send(messages)
            except OSError as exc:
                failure = WriterError(f"the database writer of {self.path} is gone: {exc}")
                for _, job_id, *_ in messages:
                    future = self._futures.pop(job_id, None)
                    if future is not None:
                        future.set_exception(failure)
                logger.error("%s", failure)

    def _receive(self) -> None:
        """Results from the writer process (a thread: blocking `call()`s must not need the event loop)."""
        while True:
            try:
                answers = self._results.recv()
            except (EOFError, OSError):
                break
            for kind, job_id, value in answers:
                self._answer(kind, job_id, value)
        self._ended()

    def _answer(self, kind: str, job_id: int, value: Any) -> None:
        if kind == "ready":
            self._ready.set_result(None)
        elif kind == "failed to open":
            self._ready.set_exception(WriterError(value))
        elif kind == "batch failed":
            logger.error("database %s: %s", self.path, value)
        else:
            future = self._futures.pop(job_id, None)
            if future is None:  # a fire-and-forget job that failed
                logger.error("database write failed: %s", value)
            elif kind == "ok":
                future.set_result(value)
            else:
                future.set_exception(WriterError(value))

    def _ended(self) -> None:
        self.closed = True
        gone = WriterError(f"the database writer process of {self.path} ended")
        if not self._ready.done():
            self._ready.set_exception(gone)
        elif self._ready.exception() is not None:
            gone = self._ready.exception()  # it could not open the database: say why to every caller
        with self._lock:
            pending, self._futures = self._futures, {}
        for future in pending.values():
            future.set_exception(gone)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@atexit.register
def _close_all() -> None:
    """Commit whatever a process leaves open at a normal exit (a killed one loses the open batch)."""
    for writer in list(DatabaseWriter._shared.values()):
        writer.close()


# -- job functions for callers without their own module-level function --------------------------------
def execute(db, sql: str, params: list) -> None:
    db.conn.execute(sql, params)


def insert_returning_id(db, sql: str, params: list) -> int:
    return db.conn.execute(sql, params).lastrowid


# -- the writer process -----------------------------------------------------------------------------
_STOP = object()


def serve(path: str, commit_seconds: float, hook_names: tuple[str, ...], jobs, results) -> None:
    """The writer process: run jobs in order in batch transactions (see the module docstring)."""
    from pipelines.schema import open_database  # here, not at the top: the crawling process needs none of it

    replies = _Replies(results)
    try:
        db = open_database(path)
        hooks = [_resolve(name) for name in hook_names]
    except Exception as exc:
        replies.add("failed to open", 0, f"cannot open {path}: {type(exc).__name__}: {exc}")
        replies.flush()
        return
    replies.add("ready", 0, None)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    # A thread keeps the pipe drained, so the crawling process never blocks on a full pipe while a
    # commit runs here.
    threading.Thread(target=_read_jobs, args=(jobs, inbox), daemon=True).start()
    batch = _Batch(db, hooks, replies)
    while True:
        if inbox.empty() or len(replies.waiting) >= _REPLIES_PER_SEND:
            replies.flush()  # caught up (or a long burst): answer what has been done
        timeout = None
        if db.conn.in_transaction:
            timeout = max(0.0, batch.started + commit_seconds - time.monotonic())
        try:
            message = inbox.get(timeout=timeout)
        except queue.Empty:  # idle for commit_seconds with a batch open: make it visible to readers
            batch.commit()
            continue
        if message is _STOP:  # the crawling process died: its open batch is lost, as in a crash
            batch.rollback()
            db.close()
            return
        kind, job_id, fn, args, reply = message
        if kind == "close":
            batch.commit()
            db.close()
            replies.add("ok", job_id, None)
            replies.flush()
            return
        if kind == "commit":
            batch.commit()
            replies.add("ok", job_id, None)
            continue
        batch.begin()
        try:
            value = (_resolve(fn) if isinstance(fn, str) else fn)(db, *args)
        except Exception as exc:
            replies.add("error", job_id, _describe(exc))
        else:
            if reply:
                replies.add("ok", job_id, value)
        if time.monotonic() - batch.started >= commit_seconds:
            batch.commit()


def _read_jobs(jobs, inbox: queue.SimpleQueue) -> None:
    while True:
        try:
            for message in jobs.recv():
                inbox.put(message)
        except (EOFError, OSError):
            inbox.put(_STOP)
            return


_REPLIES_PER_SEND = 64


class _Replies:
    """Answers to the crawling process, sent together once the writer has caught up with its jobs:
    one write here, and one wake-up of the crawling process's reader thread, per burst of reports
    rather than per report (each one a GIL hand-over in both processes)."""

    def __init__(self, results) -> None:
        self.results = results
        self.waiting: list[tuple] = []

    def add(self, kind: str, job_id: int, value: Any) -> None:
        self.waiting.append((kind, job_id, value))

    def flush(self) -> None:
        if self.waiting:
            self.results.send(self.waiting)
            self.waiting = []


class _Batch:
    def __init__(self, db, hooks: list, replies: _Replies) -> None:
        self.db, self.hooks, self.replies = db, hooks, replies
        self.started = 0.0
        self.jobs = 0

    def begin(self) -> None:
        if not self.db.conn.in_transaction:
            # IMMEDIATE: take the write lock now (waiting up to busy_timeout while another process's
            # writer commits) rather than at the first write, where a read snapshot taken before that
            # commit would fail at once (SQLITE_BUSY_SNAPSHOT) — e.g. a crawl and an ingest on one file.
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.started = time.monotonic()
        self.jobs += 1

    def commit(self) -> None:
        if not self.db.conn.in_transaction:
            return
        try:
            for hook in self.hooks:
                hook.finish_batch(self.db)
            self.db.conn.execute("COMMIT")
            self.jobs = 0
        except Exception as exc:
            message = f"batch of {self.jobs} writes rolled back: {_describe(exc)}"
            self.rollback()
            self.replies.add("batch failed", 0, message)

    def rollback(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")
        for hook in self.hooks:
            hook.drop_batch()
        self.jobs = 0


@functools.cache
def _resolve(name: str):
    module, attribute = name.split(":")
    return getattr(importlib.import_module(module), attribute)


def _describe(exc: BaseException) -> str:
    import traceback

    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
