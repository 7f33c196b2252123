"""Shared fixtures: the real-report corpus (outside the repository) and throw-away databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """`$NIANBAO_CORPUS`, else `../shared/corpus` beside the repository (as laid out for CI)."""
    configured = os.environ.get("NIANBAO_CORPUS")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    for candidate in candidates:
        if (candidate / "answers").is_dir():
            return candidate
    raise RuntimeError(f"corpus not found (looked in {', '.join(map(str, candidates))}); set NIANBAO_CORPUS")


CORPUS = corpus_dir()
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")


def answer_keys(suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[dict]:
    keys = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((CORPUS / "answers").glob("*.json"))]
    return [key for key in keys if key["doc"].endswith(suffixes)]


def corpus_doc(name: str) -> Path:
    return CORPUS / "docs" / name


def run_scrapy(*args: str, db: Path, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a `scrapy` command of this project in a subprocess (a fresh reactor each time)."""
    command = [sys.executable, "-m", "scrapy", *args, "-s", f"REPORTS_DB={db}"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reports.db"
