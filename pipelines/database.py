"""ReportsDatabase: the one owner of a run's reports database (`../shared/spec/database.md`).

Datasette's pattern: one writing connection, owned by one thread, with every write queued to that thread;
reads use their own connections. Everything a run writes goes through here: a report's rows (`store`), crawl
state (`upsert`) and the run record (`call`). Readers (`reader()`) see what has been committed.

Writes are buffered and applied in bulk, a few statements per table for many reports at once. This is not
an optimisation detail. The thread shares the GIL with the crawling thread, and every statement gives the
GIL away while SQLite works and then waits to get it back. Applied one report at a time (~20 statements
each), a writer thread beside a busy crawling thread managed 36 reports/s on this 2-core machine; in bulk,
300 (measured with the corpus' rows in a thread beside a CPU-bound loop).

Transactions: the thread keeps one transaction open and commits it every `commit_seconds` (and when idle
that long, on `commit()`, `call()` and `close()`): a commit costs the WAL and the FTS index more than a
report's rows. Before each commit the batch's cross-year checks are refreshed (`pipelines/crossyear.py`).
A report is whole or absent: its rows and its page's crawl state are applied together, and if a bulk write
fails, each report is retried in its own savepoint, so one bad report costs only itself (logged as an
error, and listed in `failures`). A killed run loses at most its last uncommitted second, which the next
run fetches and writes again.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.crossyear import refresh_carryover
from pipelines.rows import ReportRows
from pipelines.schema import open_database, report_tables
from pipelines.sql import chunks, insert_rows

logger = logging.getLogger(__name__)

# Buffered reports are written once this many are waiting, and at every commit: few statements, flat memory.
FLUSH_REPORTS = 64


class DatabaseError(RuntimeError):
    """The database cannot be opened or used (the message names the file and the cause)."""


def path_problem(path: str | Path) -> str | None:
    """Why a database cannot live at `path` (one line), or None: checked before a run starts."""
    path = Path(path)
    if path.exists():
        if not path.is_file():
            return f"{path} is not a file"
        with path.open("rb") as handle:
            head = handle.read(16)
        if head and head != b"SQLite format 3\0":
            return f"{path} is not an SQLite database"
        return None
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot create {path}: {parent} is a file, not a directory"
    return None


@dataclass
class _Store:
    rows: ReportRows


@dataclass
class _Upsert:
    table: str
    key: tuple[str, ...]
    row: dict[str, Any]
    keep: tuple[str, ...]


@dataclass
class _Call:
    fn: Callable
    args: tuple
    done: Future


@dataclass
class _Commit:
    done: Future
    close: bool = False


class ReportsDatabase:
    """The reports database of one run. `store` and `upsert` return at once (the rows are buffered);
    `call`, `commit` and `close` wait. Writes may come from any thread; reads from the one that first reads."""

    def __init__(self, path: str | Path, commit_seconds: float = 1.0) -> None:
        self.path = str(path)
        self.commit_seconds = commit_seconds
        self.failures: list[tuple[str, str]] = []  # (source, reason) of reports that could not be stored
        self.closed = False
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        # Reports stored, and written by the thread (each counted by one thread only): their difference is the
        # backlog producers wait on when the writer is behind.
        self._stored = self._written = 0
        self._reader: sqlite3.Connection | None = None
        opened: Future = Future()
        self._thread = threading.Thread(target=self._serve, args=(opened,), name="nianbao-database", daemon=True)
        self._thread.start()
        opened.result()  # raises DatabaseError: a database that cannot be opened stops the run at once

    # -- writes -------------------------------------------------------------------------------------------
    def store(self, rows: ReportRows) -> None:
        """Replace the report's stored rows with these (and record its page's crawl state with them)."""
        self._put(_Store(rows))
        self._stored += 1

    def upsert(self, table: str, row: dict[str, Any], key: str | tuple[str, ...], keep: tuple[str, ...] = ()) -> None:
        """Insert `row`, or update the row with the same `key` (a column, or the columns of the table's primary
        key); columns in `keep` keep their old value."""
        self._put(_Upsert(table, (key,) if isinstance(key, str) else key, row, keep))

    @property
    def backlog(self) -> int:
        """Reports stored but not yet written: producers wait while it is large (bounded memory)."""
        return self._stored - self._written

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(db, *args)` in the writer thread after everything queued before, commit, and return its result."""
        done: Future = Future()
        self._put(_Call(fn, args, done))
        return self._wait(done)

    def commit(self) -> None:
        """Write and commit everything queued so far."""
        done: Future = Future()
        self._put(_Commit(done))
        self._wait(done)

    def close(self) -> None:
        """Commit, close the connections and stop the writer thread."""
        if self.closed:
            return
        if self._reader is not None:  # first: the writer, closing last, folds the WAL into the file
            self._reader.close()
            self._reader = None
        done: Future = Future()
        self._put(_Commit(done, close=True))
        self.closed = True
        try:
            self._wait(done)
        finally:
            self._thread.join(timeout=60)

    def _put(self, job) -> None:
        if self.closed:
            raise DatabaseError(f"{self.path}: the database is closed")
        if not self._thread.is_alive():
            raise DatabaseError(f"{self.path}: the database's writer thread has stopped")
        self._queue.put(job)

    def _wait(self, done: Future) -> Any:
        while True:
            try:
                return done.result(timeout=1)
            except TimeoutError:
                if not self._thread.is_alive():
                    raise DatabaseError(f"{self.path}: the database's writer thread has stopped") from None

    # -- reads --------------------------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """A read-only connection (rows as sqlite3.Row) for the calling thread; it sees committed data."""
        if self._reader is None:
            self._reader = sqlite3.connect(f"file:{Path(self.path).resolve()}?mode=ro", uri=True)
            self._reader.row_factory = sqlite3.Row
            self._reader.execute("PRAGMA busy_timeout = 10000")
        return self._reader

    def query(self, sql: str, params: list | tuple = ()) -> list[sqlite3.Row]:
        return self.reader().execute(sql, params).fetchall()

    # -- the writer thread --------------------------------------------------------------------------------
    def _serve(self, opened: Future) -> None:
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = open_database(self.path)
        except Exception as exc:
            opened.set_exception(DatabaseError(f"cannot open the database {self.path}: {type(exc).__name__}: {exc}"))
            return
        opened.set_result(None)
        batch = _Batch(db, self)
        while True:
            try:
                job = self._queue.get(timeout=batch.seconds_left(self.commit_seconds))
            except queue.Empty:  # idle with a batch open: make it visible to readers
                job = None
            try:
                if not batch.take(job):
                    # the file holds everything afterwards (a researcher may copy it without its -wal)
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    db.close()
                    return
                if len(batch.stored) >= FLUSH_REPORTS:
                    batch.flush()
                if batch.seconds_left(self.commit_seconds) == 0:
                    batch.commit()
            except Exception:  # a bug must not stop the thread that every write of the run waits on
                logger.exception("database %s: writing failed", self.path)
                batch.abandon()


def _settle(future: Future, fn: Callable[[], Any]) -> None:
    try:
        future.set_result(fn())
    except Exception as exc:
        future.set_exception(exc)


@dataclass
class _Batch:
    """The writer thread's open transaction: rows waiting to be written, and reports written in it."""

    db: Any  # sqlite_utils.Database, used by the writer thread only
    owner: ReportsDatabase
    stored: list[ReportRows] = field(default_factory=list)
    upserts: list[_Upsert] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # report id → source, in this transaction
    started: float | None = None
    child_tables: tuple[str, ...] = ()  # tables whose rows belong to a report (keyed by report_id)

    def __post_init__(self) -> None:
        self.child_tables = report_tables(self.db)

    def take(self, job) -> bool:
        """Handle one job (None: the commit interval passed idle); False once the database is to close."""
        if isinstance(job, _Store):
            self.begin()  # the commit interval runs from the first write
            self.stored.append(job.rows)
        elif isinstance(job, _Upsert):
            self.begin()
            self.upserts.append(job)
        elif isinstance(job, _Call):
            _settle(job.done, lambda: self.call(job.fn, job.args))
        elif isinstance(job, _Commit):
            _settle(job.done, self.commit)
            return not job.close
        else:
            self.commit()
        return True

    def seconds_left(self, commit_seconds: float) -> float | None:
        if self.started is None:
            return None
        return max(0.0, self.started + commit_seconds - time.monotonic())

    def begin(self) -> None:
        if self.started is None:
            # IMMEDIATE: take the write lock now (waiting up to busy_timeout while another run's writer
            # commits) rather than at the first write, where a read snapshot taken before that commit
            # would fail at once (SQLITE_BUSY_SNAPSHOT) — e.g. a crawl and an ingest on one file.
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.started = time.monotonic()

    def flush(self) -> None:
        """Write the buffered rows: in bulk, else (a bulk statement failed) one report at a time."""
        if not self.stored and not self.upserts:
            return
        queued, self.stored = self.stored, []
        upserts, self.upserts = self.upserts, []
        stored = _last_per_report(queued)
        self.begin()
        conn = self.db.conn
        try:
            with _savepoint(conn):
                write_reports(conn, stored, self.child_tables)
                write_upserts(conn, upserts + [_state(rows) for rows in stored if rows.crawl_state])
        except sqlite3.Error as exc:
            logger.warning("bulk write of %d reports failed (%s): writing them one by one", len(stored), exc)
            stored = self._one_by_one(stored, upserts)
        self.written.update((rows.report_id, rows.source) for rows in stored)
        self.owner._written += len(queued)

    def _one_by_one(self, stored: list[ReportRows], upserts: list[_Upsert]) -> list[ReportRows]:
        conn, written = self.db.conn, []
        for rows in stored:
            try:
                with _savepoint(conn):
                    write_reports(conn, [rows], self.child_tables)
                    write_upserts(conn, [_state(rows)] if rows.crawl_state else [])
                written.append(rows)
            except sqlite3.Error as exc:
                reason = f"not stored: {type(exc).__name__}: {exc}"
                logger.error("report %s %s", rows.source, reason)
                self.owner.failures.append((rows.source, reason))
                if rows.crawl_state:  # the page is fetched again next run, and says why meanwhile
                    upserts.append(_state(rows, status="error", reason=reason))
        with _savepoint(conn):
            write_upserts(conn, upserts)
        return written

    def call(self, fn: Callable, args: tuple) -> Any:
        self.flush()
        self.begin()
        with _savepoint(self.db.conn):
            result = fn(self.db, *args)
        self.commit()
        return result

    def commit(self) -> None:
        self.flush()
        if self.started is None:
            return
        try:
            refresh_carryover(self.db, set(self.written))
            self.db.conn.execute("COMMIT")
        except Exception as exc:
            self.abandon(f"{type(exc).__name__}: {exc}")
            raise
        self.started, self.written = None, {}

    def abandon(self, reason: str = "writing failed") -> None:
        """Roll the open transaction back (a failed COMMIT, a bug): its reports are reported as not stored,
        and their pages' crawl state goes with them, so the next run fetches them again."""
        lost = [rows.source for rows in self.stored] + list(self.written.values())
        self.owner._written += len(self.stored)
        self.stored, self.upserts = [], []
        if lost:
            logger.error("database %s: %d reports not stored (rolled back): %s", self.owner.path, len(lost), reason)
            self.owner.failures += [(source, f"not stored (rolled back): {reason}") for source in lost]
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")
        self.started, self.written = None, {}


def _last_per_report(stored: list[ReportRows]) -> list[ReportRows]:
    """A report stored twice before a flush (a reparse racing a crawl) is written once, as last stored."""
    latest = {rows.report_id: rows for rows in stored}
    return list(latest.values())


class _savepoint:
    """A savepoint: the block's writes whole, or rolled back (and the exception re-raised)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("SAVEPOINT nianbao_write")

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            self.conn.execute("ROLLBACK TO nianbao_write")
        self.conn.execute("RELEASE nianbao_write")


def _state(rows: ReportRows, **changes: Any) -> _Upsert:
    """The crawl_state row of the page a report came from (it commits with the report's rows)."""
    return _Upsert(
        "crawl_state", ("url",), {**rows.crawl_state, "report_id": rows.report_id, **changes}, ("first_seen",)
    )


def write_reports(conn: sqlite3.Connection, reports: list[ReportRows], child_tables: tuple[str, ...]) -> None:
    """Replace each report's rows: its old rows in every table keyed by report_id go, its new rows come in."""
    ids = [rows.report_id for rows in reports]
    for table in child_tables:
        for chunk in chunks(ids, 500):
            conn.execute(f"DELETE FROM [{table}] WHERE report_id IN ({', '.join('?' * len(chunk))})", chunk)
    grouped: dict[tuple[str, tuple[str, ...]], list[tuple]] = {}
    for rows in reports:
        for table, table_rows in rows.tables.items():
            grouped.setdefault((table, table_rows.columns), []).extend(table_rows.values)
    for (table, columns), values in grouped.items():
        # reports: INSERT OR REPLACE keeps the id; the child rows were deleted just above.
        insert_rows(conn, table, columns, values, "INSERT OR REPLACE" if table == "reports" else "INSERT")


def write_upserts(conn: sqlite3.Connection, upserts: list[_Upsert]) -> None:
    """Upserts in bulk: one row per key (later fields win, as if applied in order), one statement per shape."""
    merged: dict[tuple, _Upsert] = {}
    for upsert in upserts:
        slot = (upsert.table, *(upsert.row[column] for column in upsert.key))
        earlier = merged.get(slot)
        merged[slot] = (
            upsert if earlier is None else _Upsert(upsert.table, upsert.key, {**earlier.row, **upsert.row}, upsert.keep)
        )
    shapes: dict[tuple, list[tuple]] = {}
    for upsert in merged.values():
        shape = (upsert.table, upsert.key, tuple(upsert.row), upsert.keep)
        shapes.setdefault(shape, []).append(tuple(upsert.row.values()))
    for (table, key, columns, keep), values in shapes.items():
        target = ", ".join(f"[{column}]" for column in key)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in key and c not in keep)
        conflict = (
            f" ON CONFLICT({target}) DO UPDATE SET {updates}" if updates else f" ON CONFLICT({target}) DO NOTHING"
        )
        insert_rows(conn, table, columns, values, tail=conflict)
