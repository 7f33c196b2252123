"""Distributed crawl benchmark: local vs 1 and 2 workers + the writer, on this machine (README "Scaling out").

    python tests/benchmarks/bench_distributed.py [--reports 2000] [--hosts 300] [--absorb 2000] [--only big|hosts|absorb]

1. The 2,000-report portal of bench_crawl.py (one host, politeness off, per-host concurrency 16): one local
   process, then 1 and 2 workers with `scrapy store --drain`. Wall time from the first worker's start to the
   writer's exit (everything written), responses per second over it, and the CPU seconds of each process
   (worker with its parser process, writer, redis-server, portal server).
2. A many-host polite crawl: `--hosts` hosts (h0.bench.test … routed to one loopback server), each a TRS
   column of 6 reports behind its own 1 s delay (DOWNLOAD_DELAY 1, jitter 0.5, per-host concurrency 1), all
   pipelines on: local, 1 worker, 2 workers. The floor set by politeness is (pages per host) × 1 s.
3. The writer's absorb rate alone: `--absorb` reports parsed once into their rows, queued in Redis, then one
   writer (in this process) applies them: reports per second, with its commits and mirror refresh.
Everything runs on this 2-core machine (also redis-server and the portal server), shared with others: the
load averages are printed before and after each run, and figures vary by ±15 % between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(REPO), str(HERE)]
HOST = "bench.nianbao.test"
ENV = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)])}


def loopback_addons() -> dict:
    from demo.loopback import ADDONS  # the project's add-ons (worker mode among them) and the loopback route

    return ADDONS


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def cpu_of(proc: subprocess.Popen) -> tuple[int, float]:
    """Wait for `proc`; (exit code, CPU seconds of it and of the children it reaped, e.g. its parser)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


class Redis:
    def __init__(self, root: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(root), "--save", "",
             "--appendonly", "yes"], stdout=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> float:
        cpu = sum(psutil.Process(self.proc.pid).cpu_times()[:2])
        self.proc.terminate()
        self.proc.wait()
        return cpu


def flags(settings: dict) -> list[str]:
    return [part for k, v in settings.items() for part in ("-s", f"{k}={v}")]


def crawl_cmd(spider_args: list[str], settings: dict) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", *spider_args, *flags(settings)]


def run_local(work: Path, spider_args: list[str], settings: dict, label: str) -> dict:
    out = work / f"{label}.json"
    settings = settings | {"REPORTS_DB": str(work / f"{label}.db"), "BENCH_OUT": str(out)}
    started = time.monotonic()
    proc = subprocess.Popen(crawl_cmd(spider_args, settings), cwd=REPO, env=ENV, stdout=subprocess.DEVNULL)
    code, cpu = cpu_of(proc)
    wall = time.monotonic() - started
    stats = json.loads(out.read_text())
    return {"label": label, "wall": wall, "responses": stats["responses"], "reports": stats["reports"],
            "cpu": {"crawl": round(cpu, 1)}, "codes": [code]}  # fmt: skip


def run_distributed(work: Path, spider_args: list[str], settings: dict, label: str, workers: int) -> dict:
    redis = Redis(work / f"{label}-redis")
    db = work / f"{label}.db"
    writer = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "store", "--drain", *flags({"REDIS_URL": redis.url, "REPORTS_DB": str(db),
                                                                      "LOG_LEVEL": "WARNING"})],
        cwd=REPO, env=ENV, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # the writer loads the (empty) mirror; workers would wait for it anyway
    started = time.monotonic()
    procs = []
    for i in range(workers):
        out = work / f"{label}-w{i}.json"
        procs.append((out, subprocess.Popen(crawl_cmd(spider_args, settings | {"REDIS_URL": redis.url, "BENCH_OUT": str(out)}),
                                            cwd=REPO, env=ENV, stdout=subprocess.DEVNULL)))  # fmt: skip
    cpu, codes, responses, reports = {}, [], 0, 0
    for i, (out, proc) in enumerate(procs):
        code, cpu[f"worker{i}"] = cpu_of(proc)
        codes.append(code)
        stats = json.loads(out.read_text())
        responses, reports = responses + stats["responses"], reports + stats["reports"]
    crawled = time.monotonic() - started
    code, cpu["writer"] = cpu_of(writer)
    codes.append(code)
    wall = time.monotonic() - started
    cpu["redis"] = redis.stop()
    import sqlite3

    with sqlite3.connect(db) as conn:
        stored = conn.execute("select count(*) from reports").fetchone()[0]
    return {"label": label, "wall": wall, "crawled": crawled, "responses": responses, "reports": reports,
            "stored": stored, "cpu": {k: round(v, 1) for k, v in cpu.items()}, "codes": codes}  # fmt: skip


def show(result: dict, floor: float | None = None) -> None:
    rate = result["responses"] / result["wall"]
    extra = (
        f", workers done at {result['crawled']:.1f} s, {result['stored']} reports in the database"
        if "crawled" in result
        else ""
    )
    floor_text = f"; politeness floor {floor:.0f} s" if floor else ""
    print(f"  {result['label']:>10}: {result['responses']} responses, {result['reports']} reports in {result['wall']:.1f} s "
          f"= {rate:.1f} pages/s{extra}{floor_text}; CPU s {result['cpu']}; exit {result['codes']}; load {load()}", flush=True)  # fmt: skip


# -- 1. the 2,000-report portal ------------------------------------------------------------------------------
def big(work: Path, reports: int) -> None:
    from bench_crawl import departments_for, start_server

    from demo.portal import build_portal

    portal = build_portal(seed=2024, page_size=20, n_extra_departments=departments_for(reports))
    portal.write(work / "portal")
    server, port = start_server(work / "portal")
    print(f"2,000-report portal: {len(portal.reports)} reports on one host, politeness off; load {load()}", flush=True)
    settings = {
        "LOOPBACK_ROUTES": json.dumps({HOST: f"127.0.0.1:{port}"}), "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "WARNING", "BENCH_MARKS": "1000000",
        "EXTENSIONS": json.dumps({"crawler.state.CrawlStateExtension": 500, "bench_crawl.RssProbe": 600}),
        "ADDONS": json.dumps(loopback_addons()),
    }  # fmt: skip
    args = ["annual_reports", "-a", f"url=http://{HOST}/zfxxgk/zfxxgknb/index.html"]
    runs = work / "big-runs"
    runs.mkdir()
    try:
        show(run_local(runs, args, settings, "local"))
        for n in (1, 2):
            show(run_distributed(runs, args, settings, f"{n} worker{'s' if n > 1 else ''}", n))
    finally:
        server.send_signal(signal.SIGTERM)
        print(
            f"  portal server CPU s {sum(psutil.Process(server.pid).cpu_times()[:2]) if server.poll() is None else '?'}"
        )
        server.kill()


# -- 2. many polite hosts --------------------------------------------------------------------------------------
def many_hosts_portal(root: Path, hosts: int, per_host: int = 6) -> None:
    import random

    from demo import synthetic
    from demo.portal import listing_page

    rng = random.Random(16)
    files: dict[str, bytes] = {}
    for h in range(hosts):
        host, rows = f"h{h}.bench.test", []
        for i in range(per_host):
            report = synthetic.make_report(rng, f"示例县第{h}单位{i}", 2019 + i % 5)
            ymd = report.published.replace("-", "")
            path = f"/zfxxgk/zfxxgknb/{ymd[:6]}/t{ymd}_{h * 100 + i}.html"
            files[host + path] = synthetic.detail_page(report, site=f"示例县{h}").encode("utf-8")
            rows.append(f'<li><a href=".{path[16:]}" title="{report.title}">{report.title}</a>'
                        f'<span class="date">{report.published}</span></li>')  # fmt: skip
        files[host + "/zfxxgk/zfxxgknb/index.html"] = listing_page("年报", rows, "", []).encode("utf-8")
    for key, body in files.items():
        target = root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    (root / "_headers.json").write_text("{}")


SERVE = """
import sys, threading
from pathlib import Path
from demo.server import PortalServer
root = Path(sys.argv[1])
server = PortalServer({p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.html")})
print(server.start(), flush=True)
threading.Event().wait(1800)
"""


def hosts_run(work: Path, hosts: int) -> None:
    many_hosts_portal(work / "hosts", hosts)  # served by "host/path", as the multi-host mock portal is
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(work / "hosts")], cwd=REPO, env=ENV,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    port = int(server.stdout.readline())
    print(f"{hosts} hosts x (1 listing + 6 reports), 1 s delay per host, all pipelines; load {load()}", flush=True)
    routes = {f"h{h}.bench.test": f"127.0.0.1:{port}" for h in range(hosts)}
    settings = {
        "LOOPBACK_ROUTES": json.dumps(routes), "DOWNLOAD_DELAY": "1", "DOWNLOAD_DELAY_JITTER": "0.5",
        "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
        "LOG_LEVEL": "WARNING", "BENCH_MARKS": "1000000", "SPIDER_MODULES": "crawler.spiders,bench_spiders",
        "EXTENSIONS": json.dumps({"crawler.state.CrawlStateExtension": 500, "bench_crawl.RssProbe": 600}),
        "ADDONS": json.dumps(loopback_addons()),
    }  # fmt: skip
    os.environ["BENCH_HOSTS"] = ENV["BENCH_HOSTS"] = str(hosts)
    floor = 8 * 1.0  # robots.txt, the listing and 6 reports per host, one per second
    runs = work / "hosts-runs"
    runs.mkdir()
    try:
        show(run_local(runs, ["bench_hosts"], settings, "local"), floor)
        for n in (1, 2):
            show(run_distributed(runs, ["bench_hosts"], settings, f"{n} worker{'s' if n > 1 else ''}", n), floor)
    finally:
        server.kill()


# -- 3. the writer alone ---------------------------------------------------------------------------------------
def absorb(work: Path, count: int) -> None:
    from demo.portal import build_portal
    from pipelines.database import ReportsDatabase
    from pipelines.relay import Keys, client, encode
    from pipelines.relay_writer import Writer

    portal = build_portal(seed=7, page_size=20, n_extra_departments=max(0, (count - 60) // 5))
    entries = [encode("store", rows) for rows in _parsed(portal, count)]
    print(f"writer alone: {len(entries)} reports queued ({sum(map(len, entries)) / len(entries) / 1024:.0f} KiB each); "
          f"load {load()}", flush=True)  # fmt: skip
    redis = Redis(work / "absorb-redis")
    server = client(redis.url)
    server.lpush("nianbao:rows", *entries)
    db = ReportsDatabase(work / "absorb.db")
    writer = Writer(server, Keys(), db)
    writer.attach()
    cpu0, started = time.process_time(), time.monotonic()
    while writer.step(timeout=0.1):
        pass
    wall, cpu = time.monotonic() - started, time.process_time() - cpu0
    db.close()
    print(f"  absorbed {writer.summary.reports} reports in {wall:.1f} s = {writer.summary.reports / wall:.0f} reports/s "
          f"(writer CPU {cpu:.1f} s, redis CPU {redis.stop():.1f} s); load {load()}")  # fmt: skip


def _parsed(portal, count: int) -> list:
    from crawler.items import ReportItem
    from pipelines.identify import content_hash, report_id
    from pipelines.parse import parse_item
    from pipelines.segment import Segmenter

    segmenter, out = Segmenter(), []
    for path, _report in list(portal.reports.items())[:count]:
        url = f"http://{HOST}{path}"
        item = ReportItem(source=url, body=portal.files[path], content_type="text/html; charset=utf-8",
                          encoding="utf-8", fetched_at="2026-01-01T00:00:00+00:00", region_code="990101")  # fmt: skip
        item.report_id, item.content_sha256 = report_id(item), content_hash(item)
        rows = parse_item(item, segmenter)
        rows.crawl_state = {"url": url, "kind": "document", "spider": "bench", "status": "ok", "reason": None,
                            "first_seen": "t", "last_seen": "t", "sha256": item.content_sha256}  # fmt: skip
        out.append(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--absorb", type=int, default=2000)
    parser.add_argument("--only", choices=("big", "hosts", "absorb"))
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    print(f"cores {os.cpu_count()}, load average {load()} (the machine is shared: figures vary)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only in (None, "absorb"):
            absorb(work, args.absorb)
        if args.only in (None, "big"):
            big(work, args.reports)
        if args.only in (None, "hosts"):
            hosts_run(work, args.hosts)


if __name__ == "__main__":
    main()
