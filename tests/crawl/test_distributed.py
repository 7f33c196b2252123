"""Distributed crawls end to end: `scrapy crawl` workers and the `scrapy store` writer as real processes,
a real Redis (redis_server.py) and the multi-host mock portal (`mock_region`, distributed_spiders.py).

Proves: two workers and one writer store exactly what one local process stores (reports, cells, sections,
checks, documents, crawl state: compared table by table), nothing twice; a worker or the writer killed with
SIGKILL mid-run, then started again: the run completes, nothing twice; the second distributed run is
incremental; one host is never asked by two workers at once; an unreachable Redis is refused before any
request (exit 2); a Redis restarted mid-run is ridden out; entries of another row format are refused and kept.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from crawl_mock import MockPortal
from distributed_spiders import HOSTS
from redis_server import running_redis

from demo import loopback
from pipelines.relay import FORMAT, Keys, encode

REPO = Path(__file__).resolve().parents[2]
ENV = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent)])}
ADDONS = json.dumps(loopback.ADDONS)  # the project's add-ons (worker mode among them) and the loopback route


def flags(**settings) -> list[str]:
    return [part for key, value in settings.items() for part in ("-s", f"{key}={value}")]


def crawl_command(portal, redis_url: str | None, db: Path | None = None, *args: str, spider: str = "mock_region",
                  **settings) -> list[str]:  # fmt: skip
    base = {"LOOPBACK_ROUTES": json.dumps(portal.routes), "ADDONS": ADDONS, "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False", "SPIDER_MODULES": "crawler.spiders,distributed_spiders",
            "LOG_LEVEL": os.environ.get("TEST_LOG_LEVEL", "INFO"), "RETRY_TIMES": "2", "DOWNLOAD_TIMEOUT": "10", "REPORTS_PARSE_WORKERS": "0"}  # fmt: skip
    if redis_url:
        base |= {"REDIS_URL": redis_url, "REDIS_WORKER_TIMEOUT": "3"}
    if db:
        base["REPORTS_DB"] = str(db)
    return [sys.executable, "-m", "scrapy", "crawl", spider, *args, *flags(**(base | settings))]


def writer_command(redis_url: str, db: Path, *args: str) -> list[str]:
    settings = {"REDIS_URL": redis_url, "REPORTS_DB": str(db), "REDIS_WRITER_LOCK_SECONDS": "2", "LOG_LEVEL": "INFO"}
    return [sys.executable, "-m", "scrapy", "store", *args, *flags(**settings)]


def start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=REPO, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, log: Path, timeout: float = 240) -> str:
    proc.wait(timeout)
    return log.read_text()


def run(command: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout)


def query(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


# What a crawl stores, table by table, without what depends on the clock (fetch and parse times, the
# server's Last-Modified) or on crawl order (which copy of the cross-post is kept: checked apart).
VOLATILE = {"reports": {"fetched_at", "parsed_at"}, "documents": {"fetched_at"},
            "crawl_state": {"first_seen", "last_seen", "last_modified"}}  # fmt: skip
TABLES = ("reports", "cells", "sections", "checks", "indicators", "extra_rows", "documents", "crawl_state")
# A listing URL's row holds the hash of whichever of its pages was read last: an API asked by POST has one URL
# for all its pages, and a page fetched again after a worker died may come last.
LISTING_HASH = "case when kind = 'listing' then null else sha256 end"


def snapshot(db: Path, crosspost: tuple[str, str]) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        pair = [r for (r,) in conn.execute("select id from reports where source in (?, ?)", crosspost)]
        out = {}
        for table in TABLES:
            columns = [c[1] for c in conn.execute(f"pragma table_info({table})") if c[1] not in VOLATILE.get(table, ())]
            selected = ", ".join(LISTING_HASH if (table, c) == ("crawl_state", "sha256") else c for c in columns)
            rows = conn.execute(f"select {selected} from {table}").fetchall()
            key = "url" if table == "crawl_state" else "id" if table == "reports" else "report_id"
            at = columns.index(key)
            out[table] = sorted(
                (r for r in rows if r[at] not in pair and r[at] not in crosspost), key=lambda r: repr(r)
            )
        return out


def assert_same_store(db: Path, reference: Path, crosspost: tuple[str, str]) -> None:
    got, want = snapshot(db, crosspost), snapshot(reference, crosspost)
    for table in TABLES:
        missing = [r for r in want[table] if r not in got[table]][:3]
        extra = [r for r in got[table] if r not in want[table]][:3]
        assert got[table] == want[table], f"{table}: {len(got[table])} rows vs {len(want[table])}; " \
                                          f"missing {missing!r:.600}; unexpected {extra!r:.600}"  # fmt: skip
    assert len(query(db, "select id from reports where source in (?, ?)", *crosspost)) == 1  # one copy kept
    sources = [s for (s,) in query(db, "select source from reports")]
    assert len(sources) == len(set(sources))


def portal_with_delays(delay: float = 0.0) -> MockPortal:
    portal = MockPortal()
    portal.routes = portal.start()
    if delay:
        portal.delays |= {host: delay for host in HOSTS if host != "slow.mock"}
    return portal


@pytest.fixture
def redis_server(tmp_path):
    yield from running_redis(tmp_path)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One local process crawling the mock region: what every distributed run must store."""
    portal = portal_with_delays()
    db = tmp_path_factory.mktemp("reference") / "reference.db"
    try:
        done = run(crawl_command(portal, None, db))
    finally:
        portal.server.stop()
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-3000:]  # blocked: ruishu.mock and soft 404s
    assert len(query(db, "select id from reports")) > 80
    return db, portal.crosspost


@pytest.fixture
def portal():
    portal = portal_with_delays()
    yield portal
    portal.server.stop()


def distributed_run(portal, redis_server, db: Path, logs: Path, *args: str, workers: int = 2, **settings) -> list[str]:
    """Writer (--drain) and `workers` workers, started together; every log once all have exited."""
    logs.mkdir(exist_ok=True)
    writer = start(writer_command(redis_server.url, db, "--drain"), logs / "writer.log")
    procs = [start(crawl_command(portal, redis_server.url, None, *args, **settings), logs / f"w{i}.log")
             for i in range(workers)]  # fmt: skip
    out = [finish(proc, logs / f"w{i}.log") for i, proc in enumerate(procs)]
    out.append(finish(writer, logs / "writer.log"))
    # each worker's own status: 3 (blocked) when it met the anti-bot wall, else 0; the run's is in crawl_runs
    assert all(proc.returncode in (0, 3) for proc in procs), [
        (p.returncode, o[-2000:]) for p, o in zip(procs, out, strict=False)
    ]
    assert writer.returncode == 0, out[-1][-3000:]
    return out


def assert_runs(db: Path, workers: int) -> tuple:
    """One row for the run, one per worker pointing at it; the run's counts are its workers' sums."""
    run = query(db, "select id, status, pages, new, unchanged, blocked from crawl_runs where part_of is null "
                    "order by id desc limit 1")[0]  # fmt: skip
    parts = query(db, "select worker, status, pages, new, unchanged, blocked from crawl_runs where part_of = ?", run[0])
    assert len(parts) == workers and len({p[0] for p in parts}) == workers
    assert run[2:] == tuple(sum(p[i] for p in parts) for i in range(2, 6))
    return run, parts


def test_two_workers_store_what_one_process_stores(portal, redis_server, reference, tmp_path):
    db = tmp_path / "distributed.db"
    logs = distributed_run(portal, redis_server, db, tmp_path / "logs")
    assert_same_store(db, *reference)
    run, parts = assert_runs(db, 2)
    assert run[1] == "blocked"  # as the local run: an anti-bot wall and soft 404s among the hosts
    assert all(p[2] > 0 for p in parts), f"a worker fetched nothing: {parts}"  # both did work
    assert not any("Traceback" in log or "DeprecationWarning" in log for log in logs), logs
    keys = [k.decode() for k in redis_server.client().keys("nianbao:run:*")]
    assert keys == [], f"the finished run left keys behind: {keys[:5]}"


def test_annual_reports_of_one_column_url(portal, redis_server, tmp_path):
    """`annual_reports -a url=`: one worker reads the column page and detects its family; the other works
    for that family's part as well (it makes the part from the name the requests carry)."""
    url, reference = "url=http://trs.mock/zfxxgk/zfxxgknb/index.html", tmp_path / "reference.db"
    local = run(crawl_command(portal, None, reference, "-a", url, spider="annual_reports"))
    assert local.returncode == 0, local.stderr[-3000:]
    db = tmp_path / "distributed.db"
    distributed_run(portal, redis_server, db, tmp_path / "logs", "-a", url, spider="annual_reports")
    assert_same_store(db, reference, portal.crosspost)
    _, parts = assert_runs(db, 2)
    assert all(p[2] > 0 for p in parts), parts


def test_second_distributed_run_is_incremental(portal, redis_server, reference, tmp_path):
    db = tmp_path / "distributed.db"
    distributed_run(portal, redis_server, db, tmp_path / "first")
    before = snapshot(db, reference[1])
    portal.server.log.clear()
    distributed_run(portal, redis_server, db, tmp_path / "second")
    after = snapshot(db, reference[1])
    # (a listing URL's row holds the hash of the last page read under it: the nightly run reads fewer)
    for state in (before, after):
        state["crawl_state"] = [row for row in state["crawl_state"] if row[1] != "listing"]
    for table in TABLES:
        assert after[table] == before[table], (
            table,
            [r for r in after[table] if r not in before[table]][:4],
            [r for r in before[table] if r not in after[table]][:4],
        )
    run, _ = assert_runs(db, 2)
    assert run[3] == 0 and run[4] > 0  # nothing new, pages answered 304 or known
    detail_pages = [(path, status) for _, path, status in portal.server.log if "/t20" in path or "/art/" in path]
    # asked again, as by a local run: blocked pages, and a cross-post's copy (recorded without validators)
    again_sql = "select url from crawl_state where status = 'blocked' or reason like 'duplicate of %'"
    again = {url.split("/", 3)[3] for (url,) in query(db, again_sql)}
    fetched = [path for path, status in detail_pages if status == 200]
    assert len(detail_pages) > 50 and all(path.lstrip("/") in again for path in fetched), fetched


def test_a_worker_killed_mid_run_then_restarted(portal, redis_server, reference, tmp_path):
    """SIGKILL one of two workers while it holds requests; the other takes them over after its heartbeat
    expires; a worker started again joins the same run; everything is stored once."""
    portal.delays |= {host: 0.15 for host in HOSTS}
    db, logs = tmp_path / "distributed.db", tmp_path / "logs"
    logs.mkdir()
    writer = start(writer_command(redis_server.url, db, "--drain"), logs / "writer.log")
    a = start(crawl_command(portal, redis_server.url), logs / "a.log")
    b = start(crawl_command(portal, redis_server.url), logs / "b.log")
    r = redis_server.client()
    _wait(lambda: any(r.hlen(k) for k in r.keys("nianbao:run:*:inflight:*")) and _count(db) >= 10, 120)
    victim = next(k.decode().split(":inflight:")[1] for k in r.keys("nianbao:run:*:inflight:*") if r.hlen(k))
    killed = a if victim.split(":")[1] == str(a.pid) else b
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    again = start(crawl_command(portal, redis_server.url), logs / "again.log")
    for proc in (a, b, again):
        proc.wait(240)
    writer.wait(240)
    assert writer.returncode == 0, (logs / "writer.log").read_text()[-3000:]
    assert_same_store(db, *reference)
    statuses = Counter(s for (s,) in query(db, "select status from crawl_runs where part_of is not null"))
    assert statuses["killed"] == 1, statuses
    assert query(db, "select status from crawl_runs where part_of is null") == [("blocked",)]


def test_the_writer_killed_mid_run_then_restarted(portal, redis_server, reference, tmp_path):
    """SIGKILL the writer while it has a batch in hand (taken, maybe committed, not acknowledged): the next
    writer applies the batch again, harmlessly."""
    portal.delays |= {host: 0.1 for host in HOSTS}
    db, logs = tmp_path / "distributed.db", tmp_path / "logs"
    logs.mkdir()
    writer = start(writer_command(redis_server.url, db), logs / "writer.log")
    workers = [start(crawl_command(portal, redis_server.url), logs / f"w{i}.log") for i in range(2)]
    r = redis_server.client()
    _wait(lambda: _count(db) >= 5, 120)
    # freeze the writer, then look: killed only while it holds a batch (it may ack between a look and a kill)
    _wait(lambda: _frozen_holding_a_batch(writer, r), 120)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    time.sleep(1)
    second = start(writer_command(redis_server.url, db, "--drain"), logs / "writer2.log")
    for proc in workers:
        proc.wait(240)
    second.wait(240)
    assert second.returncode == 0, (logs / "writer2.log").read_text()[-3000:]
    assert "queued again" in (logs / "writer2.log").read_text()  # the interrupted batch
    assert_same_store(db, *reference)
    assert_runs(db, 2)


def _frozen_holding_a_batch(writer, r) -> bool:
    os.kill(writer.pid, signal.SIGSTOP)
    if r.llen("nianbao:rows:processing") > 0:
        return True
    os.kill(writer.pid, signal.SIGCONT)
    return False


def test_redis_restarted_mid_run(portal, redis_server, reference, tmp_path):
    """Redis stops for a moment and comes back (its append-only file keeps what it acknowledged): workers
    and writer reconnect and finish; nothing is stored twice."""
    portal.delays |= {host: 0.1 for host in HOSTS}
    db, logs = tmp_path / "distributed.db", tmp_path / "logs"
    logs.mkdir()
    writer = start(writer_command(redis_server.url, db, "--drain"), logs / "writer.log")
    workers = [start(crawl_command(portal, redis_server.url), logs / f"w{i}.log") for i in range(2)]
    _wait(lambda: _count(db) >= 10, 120)
    assert all(proc.poll() is None for proc in workers) and _count(db) < 100  # mid-run
    redis_server.stop()
    time.sleep(1.5)  # workers and writer retry meanwhile (REDIS_RETRIES)
    redis_server.start()
    for proc in workers:
        proc.wait(240)
    writer.wait(240)
    logs_text = {p.name: p.read_text() for p in logs.iterdir()}
    assert writer.returncode == 0, logs_text["writer.log"][-3000:]
    assert_same_store(db, *reference)
    assert_runs(db, 2)


def test_unreachable_redis_is_refused_before_any_request(portal, tmp_path):
    done = run(crawl_command(portal, "redis://127.0.0.1:1/0"), timeout=60)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "error: REDIS_URL: cannot reach Redis at redis://127.0.0.1:1/0: Error 111 connecting to 127.0.0.1:1. Connection refused."
        )
    )
    assert portal.server.log == []  # not one request
    writer = run(writer_command("redis://127.0.0.1:1/0", tmp_path / "r.db", "--drain"), timeout=60)
    assert writer.returncode == 2 and "error: REDIS_URL: cannot reach Redis" in writer.stderr
    assert not (tmp_path / "r.db").exists()


def test_a_worker_without_a_writer_fetches_nothing_and_says_why(portal, redis_server):
    done = run(crawl_command(portal, redis_server.url, None, REDIS_WRITER_WAIT="1"), timeout=60)
    assert done.returncode == 1 and "(the run did not finish: no writer)" in done.stdout
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "no writer has loaded the crawl state" in errors[0] and "Traceback" not in done.stderr
    assert portal.server.log == []


def test_the_demo_as_two_workers(redis_server, tmp_path):
    """`scrapy crawl demo` (its own loopback portal in each worker) becomes a worker like any crawl."""
    # (its scanned report is read by OCR for seconds: in the parser process, not on the worker's reactor)
    settings = {"REDIS_URL": redis_server.url, "REDIS_WORKER_TIMEOUT": "10", "REPORTS_PARSE_WORKERS": "1"}
    db, logs = tmp_path / "demo.db", tmp_path / "logs"
    logs.mkdir()
    writer = start(writer_command(redis_server.url, db, "--drain"), logs / "writer.log")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "demo", *flags(**settings)]
    workers = [start(cmd, logs / f"w{i}.log") for i in range(2)]
    assert [finish(proc, logs / f"w{i}.log") and proc.returncode for i, proc in enumerate(workers)] == [0, 0]
    finish(writer, logs / "writer.log")
    sources = [s for (s,) in query(db, "select source from reports")]
    assert len(sources) == len(set(sources)) == 60  # the demo portal's 60 reports, once each
    assert_runs(db, 2)


def test_entries_of_another_row_format_are_refused_and_kept(redis_server, tmp_path):
    keys, r = Keys(), redis_server.client()
    alien = b"nianbao-rows/2+0123456789\n" + b"\x80\x05rows of a newer worker"
    r.lpush(keys.rows, alien, encode("upsert", ("crawl_state", _state_row("http://a.test/1"), "url", ())))
    done = run(writer_command(redis_server.url, tmp_path / "r.db", "--drain", "--wait", "1"), timeout=60)
    assert done.returncode == 1
    assert f"refused 1 entries: row format nianbao-rows/2+0123456789 (this writer reads {FORMAT})" in done.stdout
    assert r.lrange(keys.refused, 0, -1) == [alien]  # kept, whole
    assert query(tmp_path / "r.db", "select url from crawl_state") == [("http://a.test/1",)]  # the rest applied


def test_one_host_is_never_asked_by_two_workers_at_once(portal, redis_server, tmp_path):
    """DOWNLOAD_DELAY 0.4 s (jitter 10 %): two workers together space every host's requests (pages,
    attachments, robots.txt) as one process spaces its own. Measured where they arrive, on a shared machine:
    a busy worker sends a little after its turn, so the bound gets 0.16 s of slack for the lowest gap and
    one gap in ten. Without the shared gate, two workers' requests to a host arrive together (gap ≈ 0)."""
    times: dict[str, list[tuple[float, str]]] = {}
    dynamic = portal.server.dynamic

    def timed(req):
        times.setdefault(req.headers.get("host", "").split(":")[0], []).append((time.monotonic(), req.path))
        return dynamic(req)

    portal.server.dynamic = timed
    # parsing in a parser process, as by default: parsed on the reactor, a report delays the worker's next send
    distributed_run(portal, redis_server, tmp_path / "r.db", tmp_path / "logs",
                    DOWNLOAD_DELAY="0.4", DOWNLOAD_DELAY_JITTER="0.1", REPORTS_PARSE_WORKERS="1")  # fmt: skip
    gaps = sorted((b[0] - a[0], a[1], b[1]) for stamps in times.values() for a, b in itertools.pairwise(stamps))
    assert len(gaps) > 100
    short = [g for g in gaps if g[0] < 0.4 * 0.9]
    assert gaps[0][0] >= 0.2 and len(short) <= len(gaps) / 10, (len(short), len(gaps), gaps[:8])


def _state_row(url: str) -> dict:
    return {"url": url, "kind": "listing", "spider": "x", "status": "ok", "reason": None, "first_seen": "t",
            "last_seen": "t"}  # fmt: skip


def _count(db: Path) -> int:
    try:
        return query(db, "select count(*) from reports")[0][0]
    except sqlite3.OperationalError:
        return 0


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
