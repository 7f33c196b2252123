"""ProcessPool: a function run in helper processes (`concurrent.futures`), awaited from the event loop.

Parsing is CPU-bound, so it runs beside the crawl in helper processes (`pipelines/parse.py`). A document
that kills its process (the OOM killer, a crash in a native converter) breaks the whole pool, and every
document in flight fails with it. Those documents are retried one at a time in a fresh pool, so that only
the one that breaks it again is lost (`WorkerDied`); the others are parsed. Helper processes exit when the
crawling process dies: they watch their parent.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerDied(RuntimeError):
    """The helper process died on this job, twice: the second time alone in a fresh pool."""


class ProcessPool:
    def __init__(self, workers: int, fn: Callable, initializer: Callable, initargs: tuple = ()) -> None:
        """`fn(arg)` runs in `workers` processes, each prepared once by `initializer(*initargs)`; all three
        are module-level (picklable) functions."""
        self.workers, self.fn = workers, fn
        self._initargs = (os.getpid(), initializer, initargs)
        self._executor = self._start()
        self._alone = asyncio.Lock()

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the crawling process runs a reactor and threads that a fork would copy half-way.
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(self.workers, context, initializer=_prepare, initargs=self._initargs)
        for _ in range(self.workers):  # start the processes now: their imports run beside the crawl's start
            executor.submit(int)
        return executor

    async def run(self, arg: Any) -> Any:
        executor = self._executor
        try:
            return await asyncio.wrap_future(executor.submit(self.fn, arg))
        except BrokenProcessPool:
            pass
        async with self._alone:  # one suspect at a time: the one that breaks a fresh pool again is the cause
            self._replace(executor)
            executor = self._executor
            try:
                return await asyncio.wrap_future(executor.submit(self.fn, arg))
            except BrokenProcessPool:
                self._replace(executor)
                raise WorkerDied("the process died on it (out of memory, or a crash in a native library)") from None

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _prepare(parent: int, initializer: Callable, initargs: tuple) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    initializer(*initargs)


def _exit_with(parent: int) -> None:
    """A killed crawl cannot tell its helpers to stop: they notice that their parent is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
