"""Shared fixtures for the attachment-converter tests: where the corpus lives, answer keys."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from keys import corpus_dir

# Keep hypothesis' caches out of the repo: a .hypothesis/ dir at the root breaks collection under -W error,
# because pyproject's norecursedirs replaces pytest's default ignores (the lead may prefer to fix it there).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "nianbao-hypothesis")


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_dir()
