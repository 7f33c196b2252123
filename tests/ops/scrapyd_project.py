"""Helpers for the operations tests: a copy of the project as Scrapyd deploys it, and an environment
without the checkout on the import path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
