"""The parts of a distributed crawl one at a time, on a real Redis: the queue's scripts (order, politeness,
in flight, rescue, closing), the duplicate filter's fingerprints, the entry format, the writer (idempotent,
recovering a killed writer's batch, the mirror, refused entries), worker mode's settings, and the two fixes
this relies on (robots.txt for concurrent waiters; the engine hooks still where Scrapy keeps them)."""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
import time

import pytest
import pytest_twisted
from redis_server import running_redis
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import TextResponse
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.distributed import WorkerMode, lua
from crawler.distributed.scheduler import RunDupeFilter, host_of
from crawler.distributed.worker import SharedIdentifyPipeline, crawl_key
from crawler.robots import RobotsTxtMiddleware
from pipelines.database import DatabaseError, ReportsDatabase
from pipelines.identify import IdentifyReportPipeline
from pipelines.relay import FORMAT, EntryRefused, Keys, RedisDatabase, decode, encode
from pipelines.relay_writer import Writer, run_outcome
from pipelines.rows import ReportRows, TableRows

P, HOSTNEXT = "t:run:R", "t:hostnext"


@pytest.fixture
def redis_server(tmp_path):
    yield from running_redis(tmp_path)


@pytest.fixture
def r(redis_server):
    return redis_server.client()


def scripts(r):
    return {name: r.register_script(getattr(lua, name)) for name in ("PUSH", "POP", "BOOK", "RESCUE",
                                                                     "REQUEUE_OWN", "TRY_CLOSE", "END", "IDLE")}  # fmt: skip


# -- the queue ----------------------------------------------------------------------------------------------
def test_pop_takes_the_host_whose_turn_comes_first_and_records_it_in_flight(r):
    run = scripts(r)
    for host, n in (("a", 3), ("b", 2)):
        for i in range(n):
            run["PUSH"](args=[P, HOSTNEXT, host, 0, f"{host}{i}"])
    run["PUSH"](args=[P, HOSTNEXT, "a", 5, "a-urgent"])  # a higher priority goes first within its host
    taken = [run["POP"](args=[P, HOSTNEXT, "W", "10", "100"])[2].decode() for _ in range(6)]
    # hosts alternate (each taken host moves one delay back), requests of a host in priority then FIFO order
    assert taken == ["a-urgent", "b0", "a0", "b1", "a1", "a2"]
    assert r.get(P + ":count") == b"0" and r.hlen(P + ":inflight:W") == 6
    assert r.hget(P + ":state", "W") == b"running"
    assert run["POP"](args=[P, HOSTNEXT, "W", "10", "100"]) == []


def test_pop_waits_when_every_host_is_beyond_the_horizon(r):
    run = scripts(r)
    run["PUSH"](args=[P, HOSTNEXT, "a", 0, "a0"])
    run["PUSH"](args=[P, HOSTNEXT, "a", 0, "a1"])
    assert run["POP"](args=[P, HOSTNEXT, "W", "30", "1"])[0] == b"req"
    kind, wait = run["POP"](args=[P, HOSTNEXT, "W", "30", "1"])
    assert kind == b"wait" and 29 < float(wait) <= 30


def test_turns_are_booked_per_host_for_every_worker(r):
    run = scripts(r)
    waits = [float(run["BOOK"](args=[HOSTNEXT, "a", "0.5"])) for _ in range(3)]
    assert waits[0] == 0 and 0.45 < waits[1] <= 0.5 and 0.95 < waits[2] <= 1.0
    assert float(run["BOOK"](args=[HOSTNEXT, "b", "0.5"])) == 0  # another host: its own turns


def test_a_dead_workers_requests_go_back_in_their_places(r):
    run = scripts(r)
    for i in range(3):
        run["PUSH"](args=[P, HOSTNEXT, "a", 0, f"a{i}"])
    r.hset(P + ":state", mapping={"alive": "running", "dead": "running"})
    r.set(P + ":alive:alive", 1)
    taken = [run["POP"](args=[P, HOSTNEXT, "dead", "0", "100"])[2] for _ in range(2)]
    assert taken == [b"a0", b"a1"]
    assert run["RESCUE"](args=[P, HOSTNEXT, "alive"]) == [b"dead", 2]
    assert r.hget(P + ":state", "dead") == b"killed" and not r.exists(P + ":inflight:dead")
    again = [run["POP"](args=[P, HOSTNEXT, "alive", "0", "100"])[2] for _ in range(3)]
    assert again == [b"a0", b"a1", b"a2"]  # first in line again, nothing lost, nothing doubled
    assert run["RESCUE"](args=[P, HOSTNEXT, "alive"]) == []  # a live worker is never taken for dead


def test_a_request_is_filtered_and_queued_in_one_step(r):
    run = scripts(r)
    assert run["PUSH"](args=[P, HOSTNEXT, "a", 0, "first", "fp1"]) == 1
    assert run["PUSH"](args=[P, HOSTNEXT, "a", 0, "again", "fp1"]) == 0  # seen in this run: not queued
    assert run["PUSH"](args=[P, HOSTNEXT, "a", 0, "retry"]) == 2  # dont_filter (a retry): no fingerprint
    assert r.get(P + ":count") == b"2" and r.smembers(P + ":seen") == {b"fp1"}


def test_a_worker_queues_again_what_it_took_and_did_not_finish(r):
    run = scripts(r)
    run["PUSH"](args=[P, HOSTNEXT, "a", 0, "a0"])
    seq = run["POP"](args=[P, HOSTNEXT, "W", "0", "100"])[1]
    assert run["REQUEUE_OWN"](args=[P, HOSTNEXT, "W", seq]) == 1
    assert r.get(P + ":count") == b"1" and r.hlen(P + ":inflight:W") == 0


def test_a_run_closes_only_when_every_worker_has_ended_and_nothing_is_left(r):
    run = scripts(r)
    keys = [f"{P}:rows", "t:runs", "t:crawl:x"]
    r.sadd("t:runs", "R")
    r.set("t:crawl:x", "R")
    r.hset(P + ":state", mapping={"A": "running", "B": "running"})
    close = lambda: run["TRY_CLOSE"](keys=keys, args=[P, "R", b"run-finish"])  # noqa: E731
    run["END"](keys=[f"{P}:rows"], args=[P, "A", b"A ended"])
    assert close() == 0  # B still running
    run["IDLE"](args=[P, "B"])
    assert close() == 3  # B idle: about to end, or dead
    run["PUSH"](args=[P, HOSTNEXT, "a", 0, "left"])
    run["END"](keys=[f"{P}:rows"], args=[P, "B", b"B ended"])
    assert close() == 4  # work left and nobody to do it: the run stays open for the next worker
    run["POP"](args=[P, HOSTNEXT, "C", "0", "100"])
    r.hset(P + ":state", "C", "ended")
    assert close() == 4  # C took a request and never finished it
    r.delete(P + ":inflight:C")
    assert close() == 1
    assert r.lrange(f"{P}:rows", 0, -1) == [b"run-finish", b"B ended", b"A ended"]
    assert not r.exists("t:crawl:x") and not r.sismember("t:runs", "R")  # the next workers open a new run
    assert close() == 2


# -- duplicate filter, keys, entries ---------------------------------------------------------------------------
def test_duplicates_are_found_by_scrapys_fingerprint_not_scrapy_redis_own(r):
    crawler = get_crawler(Spider)
    fingerprinter = crawler.request_fingerprinter
    ours = RunDupeFilter(r, "t:seen", fingerprinter)
    request = Request("http://a.test/x?b=2&a=1#frag")
    assert ours.request_fingerprint(request) == fingerprinter.fingerprint(request).hex()
    assert ours.request_fingerprint(request) != RFPDupeFilter(r, "k").request_fingerprint(request)
    assert not ours.request_seen(request) and ours.request_seen(Request("http://a.test/x?a=1&b=2"))
    ours.close("finished")
    assert r.exists("t:seen")  # the run's end drops it, not a worker leaving


def test_crawl_key_and_host():
    class Part(Spider):
        name, url, region, year, limit, full = "annual_reports", None, "32", 2023, None, False

    assert crawl_key(Part()) == crawl_key(Part()) != "annual_reports"
    assert crawl_key(Spider(name="demo")) == "demo"
    assert host_of(Request("http://Trs.Mock:8080/a")) == "trs.mock"
    assert host_of(Request("http://a/", meta={"download_slot": "cdn"})) == "cdn"


def rows(rid: str, source: str, title: str = "t") -> ReportRows:
    report = {"id": rid, "source": source, "title": title, "template": "v2021", "quality": "ok",
              "content_sha256": "h" + rid, "parser_version": "2"}  # fmt: skip
    cells = [{"report_id": rid, "table_name": "applications", "row_key": "new_received", "col_key": "total",
              "value": 3, "raw": "3", "unit": None}]  # fmt: skip
    state = {"url": source, "kind": "document", "spider": "x", "status": "ok", "reason": None, "first_seen": "t",
             "last_seen": "t", "sha256": "s" + rid, "etag": None, "last_modified": None}  # fmt: skip
    return ReportRows(rid, {"reports": TableRows.of([report]), "cells": TableRows.of(cells)}, crawl_state=state)


def test_entries_carry_their_row_format_and_another_one_is_refused():
    kind, payload = decode(encode("store", rows("r1", "http://a/1")))
    assert kind == "store" and payload.report_id == "r1" and payload.tables["cells"].values[0][4] == 3
    with pytest.raises(EntryRefused, match=r"row format nianbao-rows/9\+abc \(this writer reads nianbao-rows/"):
        decode(b"nianbao-rows/9+abc\n" + pickle.dumps(("store", None)))
    with pytest.raises(EntryRefused, match="no row format"):
        decode(b"garbage")
    with pytest.raises(EntryRefused, match="unreadable entry"):
        decode(FORMAT.encode() + b"\nnot a pickle")


def test_a_worker_has_no_sql_and_runs_only_the_run_record_remotely(r):
    db = RedisDatabase(r, Keys("t"))
    with pytest.raises(DatabaseError, match="reads the Redis mirror"):
        db.query("select 1")
    with pytest.raises(DatabaseError, match="sorted: a crawl worker has no database"):
        db.call(sorted)
    db.upsert("crawl_state", {"url": "u"}, "url")
    assert db.backlog == 1 and r.llen("t:rows") == 0  # buffered until the worker acknowledges or ticks
    db.commit()
    time.sleep(0.25)  # (the queue's length is looked up at most every 0.2 s)
    assert db.backlog == 1 and r.llen("t:rows") == 1  # now waiting for the writer


# -- the writer -------------------------------------------------------------------------------------------------
def dump(path) -> list:
    with sqlite3.connect(path) as conn:
        return [
            conn.execute(f"select * from {t} order by 1, 2").fetchall() for t in ("reports", "cells", "crawl_state")
        ]


def writer_for(r, path, **kw) -> tuple[Writer, ReportsDatabase]:
    db = ReportsDatabase(path)
    writer = Writer(r, Keys("t"), db, lock_seconds=2, **kw)
    writer.attach()
    return writer, db


def test_the_writer_applies_entries_idempotently_and_mirrors_what_it_committed(r, tmp_path):
    entries = [encode("store", rows("r1", "http://a/1")), encode("store", rows("r2", "http://a/2")),
               encode("upsert", ("crawl_state", {"url": "http://a/list", "kind": "listing", "spider": "x",
                                                 "status": "ok", "reason": None, "first_seen": "1", "last_seen": "1"},
                                 "url", ("first_seen",)))]  # fmt: skip
    r.lpush("t:rows", *entries)
    writer, db = writer_for(r, tmp_path / "a.db")
    assert writer.step() == 3
    first = dump(tmp_path / "a.db")
    r.lpush("t:rows", *entries)  # delivered again (a writer killed after its commit, before its ack)
    assert writer.step() == 3
    db.close()
    assert dump(tmp_path / "a.db") == first and len(first[0]) == 2
    mirrored = json.loads(r.hget("t:state", "http://a/1"))
    assert mirrored["sha256"] == "sr1" and mirrored["report_id"] == "r1"
    assert r.hget("t:reports", "r2") == b"hr2 2" and r.hget("t:owners", "sr1") == b"http://a/1"
    assert r.llen("t:rows:processing") == 0


def test_a_killed_writers_batch_is_applied_by_the_next_one(r, tmp_path):
    r.lpush("t:rows:processing", encode("store", rows("r1", "http://a/1")))  # taken, never acknowledged
    writer, db = writer_for(r, tmp_path / "a.db")
    assert r.llen("t:rows") == 1 and writer.step() == 1
    db.close()
    assert [row[0] for row in dump(tmp_path / "a.db")[0]] == ["r1"]


def test_refused_entries_are_kept_and_taken_back_by_a_writer_that_reads_them(r, tmp_path):
    alien = b"nianbao-rows/0+old\n" + pickle.dumps(("store", None))
    mine = encode("store", rows("r1", "http://a/1"))
    r.lpush("t:rows", alien, mine)
    writer, db = writer_for(r, tmp_path / "a.db")
    writer.step()
    assert r.lrange("t:rows:refused", 0, -1) == [alien] and sum(writer.summary.refused.values()) == 1
    r.rpush("t:rows:refused", mine)  # as if refused by a writer of another version
    writer.detach()
    db.close()
    writer, db = writer_for(r, tmp_path / "a.db")
    assert r.lrange("t:rows:refused", 0, -1) == [alien] and r.lrange("t:rows", 0, -1) == [mine]
    db.close()


def test_one_writer_per_database(r, tmp_path):
    db = ReportsDatabase(tmp_path / "a.db")
    Writer(r, Keys("t"), db, lock_seconds=30).attach()  # alive: its lock does not expire while it waits
    other = ReportsDatabase(tmp_path / "b.db")
    with pytest.raises(RuntimeError, match=r"another writer .* is attached to t: one writer per database"):
        Writer(r, Keys("t"), other, lock_seconds=2).attach()
    other.close()
    db.close()


def test_the_mirror_is_loaded_whole_when_a_writer_attaches(r, tmp_path):
    writer, db = writer_for(r, tmp_path / "a.db")
    r.lpush("t:rows", encode("store", rows("r1", "http://a/1")))
    writer.step()
    writer.detach()
    db.close()
    r.flushall()  # Redis lost everything (restarted without its files)
    writer, db = writer_for(r, tmp_path / "a.db")
    assert json.loads(r.hget("t:state", "http://a/1"))["status"] == "ok" and r.hget("t:reports", "r1") == b"hr1 2"
    assert json.loads(r.get("t:mirror"))["database"] == str(tmp_path / "a.db")
    db.close()


def test_run_outcome():
    w = lambda status, pages=5, blocked=0, errors=0: {"worker": "w", "status": status, "detail": "{}",  # noqa: E731
                                                      "pages": pages, "blocked": blocked, "errors": errors}  # fmt: skip
    assert run_outcome([w("ok"), w("ok", pages=0)])[0] == "ok"
    assert run_outcome([w("ok"), w("killed", pages=None)]) == (
        "ok",
        "everything found was stored or unchanged, by 1 workers (1 killed, their requests fetched by the others)",
    )
    assert run_outcome([w("blocked", blocked=2), w("ok")])[0] == "blocked"
    assert run_outcome([w("partial", errors=1), w("ok")])[0] == "partial"
    assert run_outcome([w("failed"), w("ok")])[0] == "failed"
    assert run_outcome([w("ok", pages=0)]) == (
        "failed",
        "no page could be fetched: a dead, moved or fully blocked portal",
    )
    assert run_outcome([w("killed")]) == ("failed", "no worker ended the run")


# -- worker mode, and what it relies on ------------------------------------------------------------------------
def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def test_worker_mode_changes_nothing_without_redis_url():
    settings, before = project_settings(), project_settings()
    WorkerMode().update_settings(settings)
    assert {k: settings[k] for k in settings} == {k: before[k] for k in before}


def test_worker_mode_with_redis_url():
    settings = project_settings(REDIS_URL="redis://127.0.0.1:1/0", DOWNLOAD_DELAY="0.7")
    WorkerMode().update_settings(settings)
    assert settings["SCHEDULER"] == "crawler.distributed.scheduler.RunScheduler"
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert SharedIdentifyPipeline in pipelines and pipelines[SharedIdentifyPipeline] == 100
    assert not any(str(k).endswith("identify.IdentifyReportPipeline") for k in pipelines)
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[ScrapyRobotsTxtMiddleware] is None and middlewares[RobotsTxtMiddleware] == 100
    # politeness moves to the shared gate: no local delay or AutoThrottle pushing requests past their turn
    assert settings.getfloat("REDIS_HOST_DELAY") == 0.7 and settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert issubclass(SharedIdentifyPipeline, IdentifyReportPipeline)


def test_the_engine_hooks_are_where_this_scrapy_keeps_them():
    from scrapy.core.engine import ExecutionEngine, _Slot

    assert callable(getattr(_Slot, "remove_request", None)) and "nextcall" in _Slot.__init__.__code__.co_varnames
    assert "self._slot.remove_request(request)" in __import__("inspect").getsource(ExecutionEngine._remove_request)


async def _three_waiters(middleware_cls) -> list:
    crawler = get_crawler(Spider, {"ROBOTSTXT_OBEY": True})
    crawler.spider = Spider(name="s")
    body = b"User-agent: *\nDisallow: /admin/\n"

    class Engine:
        async def download_async(self, request):
            await asyncio.sleep(0.05)
            return TextResponse(request.url, body=body, encoding="utf-8")

    crawler.engine = Engine()
    middleware = middleware_cls(crawler)
    asked = [deferred_from_coro(middleware.robot_parser(Request(f"http://a.test/admin/{i}"))) for i in range(3)]
    return [await d for d in asked]  # (Deferreds: pytest-twisted drives this coroutine)


@pytest_twisted.ensureDeferred
async def test_robots_txt_holds_for_requests_that_wait_for_it_together():
    ours = await _three_waiters(RobotsTxtMiddleware)
    assert all(parser is not None and not parser.allowed("http://a.test/admin/2", "nianbao") for parser in ours)
    # Scrapy 2.19 hands the parser to the first that waits on its Deferred; the next get None (robots.txt
    # ignored). When this fails, Scrapy is fixed and crawler/robots.py can go.
    assert (await _three_waiters(ScrapyRobotsTxtMiddleware))[2] is None


def test_annual_reports_makes_a_part_for_a_request_that_comes_before_its_start():
    """A worker may take a part's request from the shared queue before its own `start()` made that part,
    or (`-a url=`) without having read the column page that told the family."""
    from crawler.spiders.annual_reports import AnnualReportsSpider

    crawler = get_crawler(AnnualReportsSpider)
    region = AnnualReportsSpider.from_crawler(crawler, region="32")
    name = region.portal_classes[-1].name
    assert region.part(name) is region.part(name) and region.part(name).name == name
    one = AnnualReportsSpider.from_crawler(get_crawler(AnnualReportsSpider), url="http://trs.mock/nb/index.html")
    recipe = {"family": "hanweb", "name": "annual_reports_hanweb", "column_urls": ("http://trs.mock/nb/",),
              "region_code": None}  # fmt: skip
    made = one.part("annual_reports_hanweb", recipe)  # as a routed request's meta carries it
    assert type(made).family == "hanweb" and made.column_urls == ("http://trs.mock/nb/",) and made.recipe == recipe
    with pytest.raises(KeyError):
        one.part("annual_reports_nonsense")  # neither registered nor described: a bug, said
