"""WorkerProcess (pipelines/workers.py): a helper process driven from the event loop, on real processes
and pipes: order, large jobs that do not block the loop, a death that costs only the job it was on."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from pipelines.workers import WorkerDied, WorkerProcess


def serve_echo(jobs, results) -> None:
    """Answers each job with its length and its first bytes; b"die" makes the process exit at once."""
    while True:
        try:
            job = jobs.recv_bytes()
        except EOFError:
            return
        if job == b"die":
            os._exit(3)
        results.send_bytes(f"{len(job)}:".encode() + job[:8])


def run(coroutine):
    """In a thread of its own: the test session's reactor owns this thread's event loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.fixture
def worker():
    started = WorkerProcess(serve_echo, "echo")
    yield started
    started.close()


def test_answers_come_back_to_their_jobs_in_order(worker):
    async def main():
        return await asyncio.gather(*(worker.call(f"job{i}".encode()) for i in range(200)))

    assert run(main()) == [f"{len(f'job{i}')}:job{i}".encode() for i in range(200)]


def test_a_job_larger_than_the_pipe_does_not_block_the_event_loop(worker):
    big = b"x" * (40 << 20)  # a 40 MB attachment: the pipe takes 1 MB at a time

    async def main():
        call = asyncio.ensure_future(worker.call(big))
        await asyncio.sleep(0)  # the call has started writing
        # Back in the loop while most of the job is still to be written (a blocking write would
        # only have returned with all of it in the pipe).
        unsent_while_loop_runs = len(worker._unsent)
        return unsent_while_loop_runs, await call

    unsent, answer = run(main())
    assert unsent > 30 << 20
    assert answer == b"41943040:xxxxxxxx"


def test_a_death_costs_only_the_job_it_was_on(worker):
    async def main():
        return await asyncio.gather(*(worker.call(job) for job in (b"a", b"die", b"b", b"c")), return_exceptions=True)

    first_pid = worker.pid
    answers = run(main())
    assert answers[0] == b"1:a"
    assert isinstance(answers[1], WorkerDied) and "exit code 3" in str(answers[1])
    assert answers[2:] == [b"1:b", b"1:c"]  # sent again to a new process
    assert worker.pid != first_pid


def test_a_process_killed_while_idle_is_started_again_for_the_next_job(worker):
    os.kill(worker.pid, signal.SIGKILL)
    while psutil.Process(worker.pid).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.01)
    assert run(worker.call(b"next")) == b"4:next"


def test_the_process_ends_when_its_job_pipe_closes(worker):
    process = worker._process
    worker.close()
    assert not process.is_alive() and process.exitcode == 0


def test_jobs_fail_rather_than_hang_when_no_new_process_can_start(worker):
    worker.serve = lambda jobs, results: None  # a spawned process cannot be given a lambda: start() fails

    async def main():
        return await asyncio.gather(*(worker.call(job) for job in (b"die", b"b", b"c")), return_exceptions=True)

    died, *queued = run(main())
    assert isinstance(died, WorkerDied) and died.on_job
    assert all(isinstance(answer, WorkerDied) and not answer.on_job for answer in queued)
    assert "could not be started again" in str(queued[0])
