"""The Scrapyd deployment, for real: a `scrapyd` process on 127.0.0.1 with its own configuration and folders,
the project deployed as an egg with `scrapyd-deploy`, `demo` scheduled through schedule.json with the
database given as a setting, and the reports found in that database.

The project is copied aside and deleted once the egg is built, so the job can only run from the egg: data
files read through paths from `__file__` (region codes, dictionary, PDF font, demo portal) would fail here.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from ops_tools import bare_env, copy_project, scrapyd_deploy
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd on a free port, everything it writes under tmp_path/scrapyd; its URL."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "poll_interval = 0.5\nmax_proc = 1\n",
        encoding="utf-8",
    )
    log = (home / "scrapyd.log").open("wb")
    # bare_env: the jobs import the project from the egg only
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, env=bare_env(), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                if call(url + "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.2)
            assert process.poll() is None, (home / "scrapyd.log").read_text()
        else:
            pytest.fail("scrapyd did not answer: " + (home / "scrapyd.log").read_text())
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def deploy(tmp_path: Path, url: str) -> None:
    """`scrapyd-deploy` to `url` from a copy of the project, which is then deleted: jobs run from the egg."""
    project = copy_project(tmp_path / "project")
    config = (project / "scrapy.cfg").read_text(encoding="utf-8")  # the [deploy] target, on the test's port
    (project / "scrapy.cfg").write_text(config.replace("http://127.0.0.1:6800/", url), encoding="utf-8")
    done = scrapyd_deploy(project, "-v", "r1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "ok", done.stdout
    shutil.rmtree(project)


def schedule(url: str, spider: str, **settings: str) -> str:
    answer = call(url + "schedule.json", [("project", "nianbao"), ("spider", spider)] +
                  [("setting", f"{key}={value}") for key, value in settings.items()])  # fmt: skip
    assert answer["status"] == "ok", answer
    return answer["jobid"]


def wait_finished(url: str, job: str, timeout: float = 400) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = call(url + "listjobs.json?project=nianbao")
        finished = [j for j in jobs["finished"] if j["id"] == job]
        if finished:
            return finished[0]
        time.sleep(1)
    pytest.fail(f"job {job} did not finish in {timeout} s: {jobs}")


def spider_names() -> list[str]:
    settings = Settings()
    settings.setmodule("crawler.settings")
    return SpiderLoader.from_settings(settings).list()


def runs(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select spider, status, new, json_extract(detail, '$.why') from crawl_runs").fetchall()


def test_demo_deployed_to_scrapyd_and_scheduled(tmp_path, scrapyd):
    deploy(tmp_path, scrapyd)
    assert call(scrapyd + "listspiders.json?project=nianbao")["spiders"] == sorted(spider_names())

    db = tmp_path / "reports.db"
    job = schedule(scrapyd, "demo", REPORTS_DB=str(db))
    wait_finished(scrapyd, job)
    log = next((tmp_path / "scrapyd" / "logs" / "nianbao" / "demo").glob(f"{job}.log")).read_text(encoding="utf-8")
    assert runs(db) == [("demo", "ok", 60, "everything found was stored or unchanged")], log[-3000:]
    with sqlite3.connect(db) as conn:  # portal, region codes, dictionary: from the egg
        assert conn.execute(
            "select template, quality, region_code, count(*) from reports group by 1, 2, 3"
        ).fetchall() == [
            ("v2019", "ok", "990101", 24),
            ("v2021", "ok", "990101", 35),
            ("v2021", "warning", "990101", 1),  # the scanned report: read by OCR (models from the wheel)
        ]
        assert conn.execute("select count(*) from sections where tokens like '% 政府信息公开条例 %'").fetchone()[0] > 0


def test_a_failed_job_is_listed_finished_only_the_database_tells(tmp_path, scrapyd):
    """scrapy/scrapyd#555: listjobs.json has no exit code, a job that exits 1 is "finished" like any other."""
    deploy(tmp_path, scrapyd)
    db = tmp_path / "reports.db"
    job = schedule(scrapyd, "demo", REPORTS_DB=str(db), DEMO_PORTAL_DIR=str(tmp_path / "no-portal"))
    finished = wait_finished(scrapyd, job)
    assert "exit" not in json.dumps(finished).lower()  # nothing in the listing says it failed
    assert runs(db) == [("demo", "failed", 0, "the run did not finish: start_error")]
