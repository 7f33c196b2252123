"""DatabaseWriter: one thread owns the database's one writing connection and its batch transaction.

Why a thread: SQLite does its work (B-trees, the FTS5 index, the WAL) with the GIL released, so the
crawling thread goes on fetching, hashing and handing documents to the parser processes while the
rows of the previous reports are written — measured ~3 ms of every report's ~6 ms in the crawling
process before this existed (tests/benchmarks/bench_ingest.py).

Everything that writes to the reports database in a run goes through the one writer of that file
(`DatabaseWriter.acquire`): the store pipeline's report rows and the crawl state (`crawler/state.py`).
SQLite allows one writer at a time, and sharing the transaction makes a document's crawl state commit
together with its report rows.

Jobs are `fn(db, *args)` calls run in order in the writer thread, inside a batch transaction that is
committed every `commit_seconds` (and when idle that long, on `commit()` and on close): a commit costs
the WAL and the FTS index more than a report's rows, so committing each report would cost more than
parsing it. Callers that need a report written whole or not at all wrap their job in a savepoint
(`db.atomic()`); a crash loses at most the last batch of *whole* reports, which the next run writes again.

Before each commit the writer calls `finish_batch(db)` on its `batch_hooks` (in the writer thread,
inside the transaction), e.g. the store's per-batch FTS indexing. If a hook or the commit fails, the
batch is rolled back, every hook's `drop_batch()` is called and the failure is logged as an error (the
run then ends as failed): a batch is never committed half-finished.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

from pipelines.schema import open_database

logger = logging.getLogger(__name__)

_COMMIT = object()  # queue markers
_CLOSE = object()


class DatabaseWriter:
    _shared: ClassVar[dict[str, DatabaseWriter]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, path: str, commit_seconds: float = 1.0) -> None:
        self.path = path
        self.commit_seconds = commit_seconds
        self.batch_hooks: list = []  # objects with finish_batch(db) and drop_batch(), see the module doc
        self.users = 0  # acquire() / release() count for the shared writer of a path
        self.closed = False
        self.batch_jobs = 0  # jobs run in the open batch (for the log line of a failed commit)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._ready: Future = Future()
        self._thread = threading.Thread(target=self._run, name=f"nianbao-writer:{Path(path).name}", daemon=True)
        self._thread.start()
        self._ready.result()  # the schema exists (or opening failed, raised here) before anyone reads

    # -- the shared writer of a database file -------------------------------------------------------
    @classmethod
    def acquire(cls, path: str, commit_seconds: float = 1.0) -> DatabaseWriter:
        """The one writer of `path` in this process (created on first use); `release()` when done."""
        key = str(Path(path).resolve())
        with cls._shared_lock:
            writer = cls._shared.get(key)
            if writer is None or writer.closed:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                writer = cls._shared[key] = cls(path, commit_seconds)
            writer.users += 1
            return writer

    def release(self) -> None:
        """Drop one user; the last one commits and closes the connection."""
        with self._shared_lock:
            self.users -= 1
            if self.users > 0:
                return
            self._shared.pop(str(Path(self.path).resolve()), None)
        self.close()

    # -- jobs ---------------------------------------------------------------------------------------
    def submit(self, fn: Callable, *args: Any) -> Future:
        """Run `fn(db, *args)` in the writer thread, after every job submitted before it."""
        if self.closed:
            raise RuntimeError(f"the database writer of {self.path} is closed")
        future: Future = Future()
        self._jobs.put((fn, args, future))
        return future

    def submit_logged(self, fn: Callable, *args: Any) -> Future:
        """`submit`, for callers that do not wait: a failure is logged as an error (the run fails)."""
        future = self.submit(fn, *args)
        future.add_done_callback(_log_failure)
        return future

    async def run(self, fn: Callable, *args: Any) -> Any:
        """`submit` and await the result without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def call(self, fn: Callable, *args: Any) -> Any:
        """`submit` and wait (blocks the calling thread until every earlier job has run)."""
        return self.submit(fn, *args).result()

    def commit(self) -> Future:
        """Commit the open batch as soon as the jobs before this call have run."""
        future: Future = Future()
        self._jobs.put((_COMMIT, (), future))
        return future

    def close(self) -> None:
        """Commit, close the connection and stop the thread (waits for every queued job)."""
        if self.closed:
            return
        self.closed = True
        self._jobs.put((_CLOSE, (), None))
        self._thread.join()

    # -- the writer thread --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            db = open_database(self.path)
        except BaseException as exc:  # handed to the thread that created the writer
            self.closed = True
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        batch_started = 0.0
        while True:
            timeout = None
            if db.conn.in_transaction:
                timeout = max(0.0, batch_started + self.commit_seconds - time.monotonic())
            try:
                fn, args, future = self._jobs.get(timeout=timeout)
            except queue.Empty:  # idle for commit_seconds with a batch open: make it visible to readers
                self._commit(db)
                continue
            if fn is _CLOSE:
                self._commit(db)
                db.close()
                return
            if fn is _COMMIT:
                self._commit(db)
                future.set_result(None)
                continue
            if not future.set_running_or_notify_cancel():
                continue
            if not db.conn.in_transaction:
                db.conn.execute("BEGIN")
                batch_started = time.monotonic()
            try:
                result = fn(db, *args)
            except BaseException as exc:  # the caller gets it through the future
                future.set_exception(exc)
            else:
                future.set_result(result)
            self.batch_jobs += 1
            if time.monotonic() - batch_started >= self.commit_seconds:
                self._commit(db)

    def _commit(self, db) -> None:
        if not db.conn.in_transaction:
            return
        jobs, self.batch_jobs = self.batch_jobs, 0
        try:
            for hook in self.batch_hooks:
                hook.finish_batch(db)
            db.conn.execute("COMMIT")
        except Exception:
            logger.exception("database %s: batch of %d writes rolled back", self.path, jobs)
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            for hook in self.batch_hooks:
                hook.drop_batch()


def _log_failure(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        exc = future.exception()
        logger.error("database write failed: %s: %s", type(exc).__name__, exc, exc_info=exc)


@atexit.register
def _close_all() -> None:
    """Commit whatever a process leaves open at a normal exit (a killed one loses the open batch)."""
    for writer in list(DatabaseWriter._shared.values()):
        writer.close()
