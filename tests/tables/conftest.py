"""Shared fixtures for the table-extractor tests: where the corpus lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_dir  # the one corpus locator


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_dir()
