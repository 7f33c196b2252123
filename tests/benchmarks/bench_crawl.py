"""Crawl benchmark: a 2,000-report synthetic TRS portal on loopback, with all pipelines and with none.

    python tests/benchmarks/bench_crawl.py [--reports 2000] [--concurrency 16] [--repeat 3] [--workers N]

Writes the portal (demo/portal.py, seeded) to a temp dir, serves it from the preloaded
asyncio keep-alive server (`python -m demo.server`, its own process), then runs
`scrapy crawl annual_reports` twice in fresh processes — ITEM_PIPELINES as configured, and empty —
with DOWNLOAD_DELAY 0, AutoThrottle off and per-host concurrency raised (politeness is not what is
measured here), `--repeat` times each, interleaved: on this machine the same crawl varies by ±15 %
from one minute to the next, so the medians are compared. Prints pages/s (responses received / elapsed, from Scrapy's stats) for both, their
ratio, the RSS of the crawler and of its process tree (its parser process) when
a quarter, half and all of the reports had been scraped, and the CPU seconds of each process at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
from scrapy import signals

REPO = Path(__file__).resolve().parents[2]


def loopback_addons() -> dict:
    sys.path.insert(0, str(REPO))
    from demo.loopback import ADDONS

    return ADDONS


HOST = "bench.nianbao.test"


class RssProbe:
    """Extension loaded into the measured crawl: RSS at report counts, final stats → BENCH_OUT."""

    def __init__(self, crawler):
        self.crawler, self.count, self.rss, self.cpu = crawler, 0, {}, {}
        self.marks = {int(n) for n in crawler.settings["BENCH_MARKS"].split(",")}
        crawler.signals.connect(self.scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def scraped(self, item, spider):
        self.count += 1
        if self.count in self.marks:
            self.rss[self.count] = _tree_rss_mib()
            self.cpu = _tree_cpu()  # the parser process has ended by spider_closed

    def closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        out = {
            "responses": stats.get("response_received_count", 0),
            "elapsed": stats.get("elapsed_time_seconds", 0),
            "reports": self.count,
            "rss_mib": self.rss,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "cpu": self.cpu,
            "status": stats.get("nianbao/run_status"),
        }
        Path(self.crawler.settings["BENCH_OUT"]).write_text(json.dumps(out))


def _tree_rss_mib() -> dict[str, int]:
    """RSS of the crawling process and of the whole tree (its parser process)."""
    main = psutil.Process()
    rss = main.memory_info().rss
    children = 0
    for child in main.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            children += child.memory_info().rss
    return {"crawler": rss // 2**20, "tree": (rss + children) // 2**20}


def _tree_cpu() -> dict[str, float]:
    """CPU seconds so far of the crawling process and of each child process (by pid)."""
    main = psutil.Process()
    out = {"crawler": round(sum(main.cpu_times()[:2]), 1)}
    for child in main.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            out[str(child.pid)] = round(sum(child.cpu_times()[:2]), 1)
    return out


def departments_for(reports: int) -> int:
    """Extra 部门 units (5 reports each) so the portal holds about `reports` reports (60 are fixed)."""
    return max(0, (reports - 60) // 5)


def start_server(root: Path) -> tuple[subprocess.Popen, int]:
    cmd = [sys.executable, "-m", "demo.server", str(root), "0", "900"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline())


def crawl(port: int, work: Path, label: str, pipelines: bool, concurrency: int, workers: int | None, marks) -> dict:
    out = work / f"{label}.json"
    settings = {
        "REPORTS_DB": str(work / f"{label}.db"), "LOOPBACK_ROUTES": json.dumps({HOST: f"127.0.0.1:{port}"}),
        "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "LOG_LEVEL": "WARNING", "BENCH_OUT": str(out),
        "BENCH_MARKS": ",".join(str(n) for n in marks),
        "EXTENSIONS": json.dumps({"crawler.state.CrawlStateExtension": 500, "bench_crawl.RssProbe": 600}),
        "ADDONS": json.dumps(loopback_addons()),
    }  # fmt: skip
    if not pipelines:
        settings["ITEM_PIPELINES"] = "{}"
    elif workers is not None:
        settings["REPORTS_PARSE_WORKERS"] = str(workers)
    flags = [part for k, v in settings.items() for part in ("-s", f"{k}={v}")]
    url = f"http://{HOST}/zfxxgk/zfxxgknb/index.html"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a", f"url={url}", *flags]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent)])}
    subprocess.run(cmd, cwd=REPO, env=env, check=False, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="REPORTS_PARSE_WORKERS for the full run")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved bare/full pairs (medians are compared)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from demo.portal import build_portal

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        portal = build_portal(seed=2024, page_size=20, n_extra_departments=departments_for(args.reports))
        portal.write(work / "portal")
        sizes = [len(b) for p, b in portal.files.items() if p.endswith(".html")]
        print(
            f"portal: {len(portal.reports)} reports, {len(portal.files)} files, mean page {sum(sizes) / len(sizes) / 1024:.1f} KB"
        )
        server, port = start_server(work / "portal")
        marks = (len(portal.reports) // 4, len(portal.reports) // 2, len(portal.reports))
        runs: dict[str, list[dict]] = {"bare": [], "full": []}
        try:
            for i in range(args.repeat):  # interleaved, so that a slow spell of the machine hits both
                folder = work / f"run{i}"  # fresh databases for every pair
                folder.mkdir()
                for label in ("bare", "full"):
                    full = label == "full"
                    runs[label].append(crawl(port, folder, label, full, args.concurrency, args.workers, marks))
        finally:
            server.kill()
    rates: dict[str, list[float]] = {}
    for label, results in runs.items():
        for r in results:
            rate = r["responses"] / r["elapsed"] if r["elapsed"] else 0
            rates.setdefault(label, []).append(rate)
            print(
                f"{label:>5}: {r['reports']} reports, {r['responses']} responses in {r['elapsed']:.1f} s = {rate:.0f} pages/s; "
                f"RSS MiB at {r['rss_mib']}, crawler peak {r['peak_rss_mib']}; run {r['status']}; CPU s {r['cpu']}"
            )
    if all(rates.values()):
        bare, full = (statistics.median(rates[k]) for k in ("bare", "full"))
        pairs = ", ".join(f"{f / b:.0%}" for b, f in zip(rates["bare"], rates["full"], strict=True))
        print(f"median: bare {bare:.0f} pages/s, full {full:.0f} pages/s; full / bare = {full / bare:.0%} "
              f"(target >= 50%; per interleaved pair: {pairs})")  # fmt: skip


if __name__ == "__main__":
    main()
