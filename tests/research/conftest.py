"""A real reports database for the research tests: the demo portal crawled offline plus the corpus's
real documents ingested, built once per session with the project's own commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import corpus_dir, run_scrapy


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("research") / "reports.db"
    crawl = run_scrapy("crawl", "demo", db=path)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    ingest = run_scrapy("ingest", str(corpus_dir() / "docs"), db=path)
    assert ingest.returncode == 0, ingest.stdout[-2000:] + ingest.stderr[-2000:]
    return path


@pytest.fixture
def research_db(built_db: Path, tmp_path: Path) -> Path:
    """A copy of the session database that a test may change."""
    copy = tmp_path / "reports.db"
    source = sqlite3.connect(built_db)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


@pytest.fixture(scope="session")
def shared_db(built_db: Path) -> Path:
    """The session database, for tests that only read it."""
    return built_db
