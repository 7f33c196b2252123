"""Helpers for the operations tests: a copy of the project as Scrapyd deploys it, an environment without the
checkout on the import path, and `scrapy crawl demo` of a copy of the demo portal."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_scrapy

REPO = Path(__file__).resolve().parents[2]
# What an egg is built from (pyproject.toml says which packages and data files go in).
SHIPPED = ("crawler", "pipelines", "demo", "data", "setup.py", "pyproject.toml", "scrapy.cfg")


def bare_env() -> dict[str, str]:
    """The environment without PYTHONPATH or a settings module: only an egg can provide the project."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}


def copy_project(target: Path) -> Path:
    """The files an egg is built from, copied to `target` (scrapyd-deploy writes build folders beside them)."""
    target.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "reports.db*"))
        else:
            shutil.copy(source, target / name)
    return target


def scrapyd_deploy(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`scrapyd-deploy ARGS` run in `project`."""
    command = [sys.executable, "-m", "scrapyd_client.deploy", *args]
    return subprocess.run(command, cwd=project, env=bare_env(), capture_output=True, text=True, timeout=300)


def crawl(portal: Path, db: Path, *settings: str) -> subprocess.CompletedProcess:
    """`scrapy crawl demo` of the portal directory `portal` into `db`, parsing in the crawling process."""
    args = ["-s", f"DEMO_PORTAL_DIR={portal}", "-s", "REPORTS_PARSE_WORKERS=0", "-s", "LOG_LEVEL=WARNING"]
    return run_scrapy("crawl", "demo", *args, *[s for setting in settings for s in ("-s", setting)], db=db)


def alerts(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select run_id, target, monitor, resolved_by from alerts order by id").fetchall()


FIRST_PAGES = ("zfxxgk/zfxxgknb/index.html", "zfxxgk/zfxxgknb/bm/index.html", "zfxxgk/zfxxgknb/xzjd/xxgk_list.shtml")
CHALLENGE = '<html><script>document.cookie="acw_sc__v2=6a1b";location.reload()</script></html>'  # Aliyun's


def cut_listings(portal: Path) -> dict[str, str]:
    """A redesign our listing code reads badly: one entry left on each column's first page. Returns the pages
    as they were."""
    originals = {page: (portal / page).read_text(encoding="utf-8") for page in FIRST_PAGES}
    for page, html in originals.items():
        entries = re.findall(r"^<li><a .*$\n", html, flags=re.M)
        (portal / page).write_text(html.replace("".join(entries[1:]), ""), encoding="utf-8")
    return originals


def challenge(portal: Path, count: int) -> None:
    """The first `count` report pages answer with an anti-bot cookie challenge instead."""
    for page in sorted(portal.glob("zfxxgk/zfxxgknb/**/t20*.html"))[:count]:
        page.write_text(CHALLENGE, encoding="utf-8")
