"""Shared fixtures for the attachment-converter tests: where the corpus lives, answer keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from keys import corpus_dir


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    assert (path / "docs").is_dir(), f"corpus not found at {path} (set NIANBAO_CORPUS)"
    return path
