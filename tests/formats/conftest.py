"""Shared fixtures for the attachment-converter tests: where the corpus lives, answer keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """`NIANBAO_CORPUS`, else `<repo>/../shared/corpus`, else `/work/shared/corpus`."""
    if os.environ.get("NIANBAO_CORPUS"):
        return Path(os.environ["NIANBAO_CORPUS"])
    beside = REPO.parent / "shared" / "corpus"
    return beside if beside.is_dir() else Path("/work/shared/corpus")


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    assert (path / "docs").is_dir(), f"corpus not found at {path} (set NIANBAO_CORPUS)"
    return path


def load_key(name: str) -> dict:
    return json.loads((corpus_dir() / "answers" / f"{name}.json").read_text(encoding="utf-8"))
