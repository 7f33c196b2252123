"""Kill -9 at random points, run again: does every rerun complete the portal? (issue 12)

    python tests/benchmarks/kill_resume.py [--trials 20] [--reports 300] [--seed 1]

Serves a synthetic TRS portal (demo/portal.py) from its own process, then for each trial: a fresh database,
`scrapy crawl annual_reports` killed with SIGKILL at a random moment (sometimes the crawling process,
sometimes its parser process, then the crawl), then the same crawl again to its end. A trial passes when the
rerun exits 0, the database holds every report of the portal exactly once, and the killed run is recorded as
`killed` (or had already ended `ok` with every report stored: killed while its process shut down). Prints each trial and how many resumed fully (all must).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def loopback_addons() -> dict:
    sys.path.insert(0, str(REPO))
    from demo.loopback import ADDONS

    return ADDONS


HOST = "bench.nianbao.test"


def crawl_command(port: int, db: Path) -> list[str]:
    settings = {
        "REPORTS_DB": str(db), "LOOPBACK_ROUTES": json.dumps({HOST: f"127.0.0.1:{port}"}),
        "ADDONS": json.dumps(loopback_addons()), "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0.01", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    flags = [part for key, value in settings.items() for part in ("-s", f"{key}={value}")]
    url = f"http://{HOST}/zfxxgk/zfxxgknb/index.html"
    return [sys.executable, "-m", "scrapy", "crawl", "annual_reports", "-a", f"url={url}", *flags]


def stored(db: Path) -> list[str]:
    try:
        with sqlite3.connect(db) as connection:
            return [source for (source,) in connection.execute("select source from reports")]
    except sqlite3.OperationalError:
        return []


def trial(port: int, db: Path, expected: set[str], rng: random.Random, full_seconds: float) -> tuple[bool, str]:
    command = crawl_command(port, db)
    process = psutil.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    if rng.random() < 0.3:  # early: during start-up, around the run record, the first listing pages
        time.sleep(rng.uniform(0.3, 4.0))
    else:  # once a random share of the reports is committed, plus up to a second
        target = rng.randrange(1, len(expected))
        while process.poll() is None and len(stored(db)) < target and time.monotonic() - started < full_seconds * 3:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 1.0))
    moment = time.monotonic() - started
    victim = "crawl"
    helpers = [p for p in process.children(recursive=True)]
    if helpers and rng.random() < 0.3:  # a helper first (the parser), then the crawl: any unclean end
        victim = "parser, then crawl"
        helpers[0].kill()
        time.sleep(rng.uniform(0, 0.5))
    with_reports = len(stored(db))
    if process.poll() is not None:
        return True, f"finished before the kill at {moment:.1f} s"
    process.send_signal(signal.SIGKILL)
    process.wait()
    psutil.wait_procs(helpers, timeout=10)
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    sources = stored(db)
    with sqlite3.connect(db) as connection:
        runs = [status for (status,) in connection.execute("select status from crawl_runs order by id")]
    ok = rerun.returncode == 0 and len(sources) == len(set(sources)) and set(sources) == expected
    # the first run is marked killed by the rerun, or (killed before its record) absent, or it had ended ok
    # with every report stored and the kill came while its process was shutting down
    first_run_true = runs[0] == "killed" or len(runs) == 1 or (runs[0] == "ok" and with_reports == len(expected))
    ok = ok and runs[-1] == "ok" and first_run_true
    note = (f"killed {victim} at {moment:.1f} s with {with_reports} reports stored; rerun exit {rerun.returncode}, "
            f"{len(set(sources))}/{len(expected)} reports, {len(sources) - len(set(sources))} duplicates, runs {runs}")  # fmt: skip
    return ok, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from demo.portal import build_portal

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        portal = build_portal(seed=2024, page_size=20, n_extra_departments=max(0, (args.reports - 60) // 5))
        portal.write(work / "portal")
        expected = {f"http://{HOST}{path}" for path in portal.reports}
        server = subprocess.Popen([sys.executable, "-m", "demo.server", str(work / "portal"), "0", "3600"],
                                  cwd=REPO, stdout=subprocess.PIPE, text=True)  # fmt: skip
        port = int(server.stdout.readline())
        try:
            started = time.monotonic()
            clean = subprocess.run(crawl_command(port, work / "clean.db"), cwd=REPO, capture_output=True, timeout=600)
            full_seconds = time.monotonic() - started
            assert clean.returncode == 0 and set(stored(work / "clean.db")) == expected, "the clean crawl failed"
            print(f"portal: {len(expected)} reports; a clean crawl takes {full_seconds:.1f} s")
            passed = 0
            for number in range(1, args.trials + 1):
                ok, note = trial(port, work / f"trial{number}.db", expected, rng, full_seconds)
                passed += ok
                print(f"trial {number:>2}: {'resumed fully' if ok else 'FAILED'} — {note}", flush=True)
        finally:
            server.kill()
    print(f"{passed} of {args.trials} trials resumed fully")
    sys.exit(0 if passed == args.trials else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(REPO))
    main()
