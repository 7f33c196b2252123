"""Shared fixtures: the real-report corpus (outside the repository) and throw-away databases.

The corpus lives beside the repository (`../shared/corpus`, or `$NIANBAO_CORPUS`). On a bare clone, tests that
read it are skipped with one reason and everything else runs. CI sets NIANBAO_REQUIRE_CORPUS=1: there a missing
corpus is an error, and so is any skipped test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


REQUIRED = os.environ.get("NIANBAO_REQUIRE_CORPUS") == "1"


def find_corpus() -> Path | None:
    """`$NIANBAO_CORPUS`, else `../shared/corpus` beside the repository (as laid out for CI)."""
    configured = os.environ.get("NIANBAO_CORPUS")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    found = next((candidate for candidate in candidates if (candidate / "answers").is_dir()), None)
    if found is None and REQUIRED:
        raise RuntimeError(f"corpus not found (looked in {', '.join(map(str, candidates))}); set NIANBAO_CORPUS")
    return found


CORPUS = find_corpus()
MISSING = "needs the real-report corpus (../shared/corpus beside the repository, or $NIANBAO_CORPUS): not found"
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")


def corpus_dir() -> Path:
    """The corpus; without one, the test (or the module asking at import) is skipped with the reason."""
    if CORPUS is None:
        pytest.skip(MISSING, allow_module_level=True)
    return CORPUS


def shared_data_dir() -> Path:
    """`../shared/data` (division codes, the portal list): the inputs of `scrapy regions` / `scrapy portals`.
    Without it the test is skipped, like the corpus (and in CI its absence is an error)."""
    found = next(
        (c for c in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data") if c.is_dir()), None
    )
    if found is None:
        if REQUIRED:
            raise RuntimeError("../shared/data not found beside the repository")
        pytest.skip("needs the shared reference data (../shared/data beside the repository): not found")
    return found


def answer_keys(suffixes: tuple[str, ...] = TEXT_SUFFIXES) -> list[dict]:
    """The answer keys of the corpus documents with these suffixes (none without a corpus)."""
    if CORPUS is None:
        return []
    keys = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((CORPUS / "answers").glob("*.json"))]
    return [key for key in keys if key["doc"].endswith(suffixes)]


def corpus_doc(name: str) -> Path:
    return corpus_dir() / "docs" / name


def pytest_collection_modifyitems(items) -> None:
    """Tests parametrized over the answer keys have no cases without a corpus: say why, not «empty parameter set»."""
    if CORPUS is not None:
        return
    for item in items:
        empty = [m for m in item.own_markers if m.name == "skip" and "empty parameter set" in str(m.kwargs)]
        if empty:
            item.own_markers = [m for m in item.own_markers if m not in empty]
            item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_sessionfinish(session, exitstatus) -> None:
    """In CI nothing may skip: a skipped test is a test that did not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if REQUIRED and skipped and exitstatus == 0:
        reporter.write_line(f"NIANBAO_REQUIRE_CORPUS=1: {len(skipped)} tests were skipped; none may be", red=True)
        session.exitstatus = 1


def run_scrapy(*args: str, db: Path, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a `scrapy` command of this project in a subprocess (a fresh reactor each time)."""
    command = [sys.executable, "-m", "scrapy", *args, "-s", f"REPORTS_DB={db}"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reports.db"
