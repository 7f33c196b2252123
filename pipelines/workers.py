"""WorkerProcess: a helper process driven from the crawling process's event loop, without threads.

Why not `concurrent.futures.ProcessPoolExecutor`: it runs two helper threads in the crawling process
(one pickles and feeds jobs, one waits for results), and every report handed to them took the GIL
away from the crawling thread and waited to get it back behind it. Here the event loop itself writes
each job to a pipe and reads the results when the pipe is readable (`loop.add_reader`).

- Writes never block the loop: the pipe is non-blocking, and what it cannot take now (a 40 MB
  attachment, or jobs queued behind a slow document) is written when it can (`loop.add_writer`).
- The process works through its jobs in the order they were sent, so the job at the head of the
  queue is the one it is on. If it dies (the OOM killer, a crash in a native converter), that job
  fails with `WorkerDied` and the jobs behind it go to a new process: one bad document costs only
  itself. (Killed from outside while idle with a job just sent, that job is blamed.) The new
  process is started when there is work for it, so a process that cannot start is not restarted in
  a loop: each death costs one job.
- The process ends when its job pipe closes — on `close()`, or when the crawling process dies.

Messages are framed as `multiprocessing.Connection` frames (4-byte big-endian length, then the
bytes), so the process side simply uses `recv_bytes()` / `send_bytes()`.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import os
import struct
from collections.abc import Callable

_HEADER = struct.Struct("!i")


class WorkerDied(RuntimeError):
    """The worker process ended while it had this job (`on_job`), or no new one could be started."""

    def __init__(self, message: str, on_job: bool = True) -> None:
        super().__init__(message)
        self.on_job = on_job


class WorkerProcess:
    def __init__(self, serve: Callable, name: str) -> None:
        """`serve(jobs, results)`: a module-level function run in the process (spawned: the crawling
        process runs a reactor and threads that a fork would copy half-way). It starts now, so its
        imports run beside the rest of the crawl's start-up."""
        self.serve, self.name = serve, name
        self._pending: collections.deque[tuple[bytes, asyncio.Future]] = collections.deque()
        self._process = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start()

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def call(self, payload: bytes) -> bytes:
        """Send `payload` to the process; its answer to it."""
        loop = asyncio.get_running_loop()
        if self._process is not None and not self._pending and not self._process.is_alive():
            self._discard()  # it died idle while no event loop watched it (one loop ended, another starts)
        if self._process is None:
            self._start()
        self._watch(loop)
        future = loop.create_future()
        self._pending.append((payload, future))
        self._write(payload)
        return await future

    def close(self) -> None:
        """Stop the process: it finishes its current job and sees its job pipe closed."""
        if self._process is None:
            return
        self._unwatch()
        self._jobs.close()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._results.close()
        self._process = None
        for _, future in self._pending:
            future.cancel()
        self._pending.clear()

    # -- the process and its pipes --------------------------------------------------------------------
    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        jobs_in, self._jobs = context.Pipe(duplex=False)
        self._results, results_out = context.Pipe(duplex=False)
        self._process = context.Process(target=self.serve, args=(jobs_in, results_out), name=self.name, daemon=True)
        try:
            self._process.start()
        except BaseException:
            self._process = None
            for end in (jobs_in, results_out, self._jobs, self._results):
                end.close()
            raise
        finally:
            jobs_in.close()  # the process holds the other ends: it sees EOF when this process closes or dies
            results_out.close()
        os.set_blocking(self._jobs.fileno(), False)
        os.set_blocking(self._results.fileno(), False)
        widen_pipe(self._jobs)
        self._unsent = bytearray()  # framed jobs the pipe could not take yet
        self._received = bytearray()  # a result frame not read whole yet

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is self._loop:
            return
        self._unwatch()  # a previous loop (tests run one per call) no longer serves this process
        self._loop = loop
        loop.add_reader(self._results.fileno(), self._on_readable)
        if self._unsent:
            loop.add_writer(self._jobs.fileno(), self._on_writable)

    def _unwatch(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._results.fileno())
            self._loop.remove_writer(self._jobs.fileno())
        self._loop = None

    def _write(self, payload: bytes) -> None:
        had_unsent = bool(self._unsent)
        self._unsent += _HEADER.pack(len(payload))
        self._unsent += payload
        if not had_unsent:
            self._on_writable()

    def _on_writable(self) -> None:
        try:
            while self._unsent:
                written = os.write(self._jobs.fileno(), self._unsent)
                del self._unsent[:written]
        except BlockingIOError:
            pass
        except OSError:  # the process is gone: the reader sees EOF and handles it
            self._unsent.clear()
        if self._loop is not None:
            if self._unsent:
                self._loop.add_writer(self._jobs.fileno(), self._on_writable)
            else:
                self._loop.remove_writer(self._jobs.fileno())

    def _on_readable(self) -> None:
        ended = False
        try:
            while chunk := os.read(self._results.fileno(), 1 << 20):
                self._received += chunk
            ended = True  # EOF: the process is gone (answers it sent before are still taken below)
        except BlockingIOError:
            pass
        while len(self._received) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._received)
            if len(self._received) < _HEADER.size + size:
                break
            answer = bytes(self._received[_HEADER.size : _HEADER.size + size])
            del self._received[: _HEADER.size + size]
            _, future = self._pending.popleft()
            if not future.done():
                future.set_result(answer)
        if ended:
            self._died()

    def _discard(self) -> int | None:
        """Forget a process that has ended (its pipes and its exit code)."""
        self._unwatch()
        self._process.join(timeout=5)
        exitcode = self._process.exitcode
        self._jobs.close()
        self._results.close()
        self._process = None
        return exitcode

    def _died(self) -> None:
        loop = self._loop
        exitcode = self._discard()
        if not self._pending:
            return  # started again when there is work
        _, future = self._pending.popleft()
        if not future.done():
            future.set_exception(WorkerDied(f"{self.name} process ended (exit code {exitcode}) on this job"))
        if self._pending and loop is not None:
            waiting = list(self._pending)
            try:
                self._start()
            except Exception as exc:  # e.g. out of processes or file descriptors: fail the jobs, do not hang them
                self._pending.clear()
                for _, queued in waiting:
                    if not queued.done():
                        queued.set_exception(
                            WorkerDied(f"{self.name} process could not be started again: {exc}", False)
                        )
                return
            self._watch(loop)
            for payload, _ in waiting:
                self._write(payload)


def widen_pipe(connection) -> None:
    """Give a pipe 1 MB (Linux; default 64 KB, two reports' rows): fewer wake-ups of both ends."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):  # not Linux, or over /proc/sys/fs/pipe-max-size: the default stays
        pass
