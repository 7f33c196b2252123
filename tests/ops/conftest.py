"""Fixtures of the operations tests."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture
def portal(tmp_path) -> Path:
    """A copy of the demo portal, for `scrapy crawl demo -s DEMO_PORTAL_DIR=…` (tests change it)."""
    copy = tmp_path / "portal"
    shutil.copytree(REPO / "data" / "demo_portal", copy)
    return copy
