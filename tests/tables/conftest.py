"""Shared fixtures for the table-extractor tests: where the corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """`$NIANBAO_CORPUS`, else `<repo>/../shared/corpus`, else `/work/shared/corpus`."""
    env = os.environ.get("NIANBAO_CORPUS")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")]
    for path in candidates:
        if (path / "docs").is_dir():
            return path
    return candidates[-1]


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_dir()
