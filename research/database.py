"""Opening the reports database for the research commands."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from pipelines.schema import open_database


class NoDatabase(ValueError):
    """The database file does not exist (a research command never creates one)."""


def open_existing(path: str | Path) -> Database:
    """The database at `path`, brought up to date by the migrations (an older file gains the views and
    the search index); `NoDatabase` if there is no file, rather than an empty new one."""
    if not Path(path).is_file():
        raise NoDatabase(f"no database at {path} (run `scrapy crawl demo` or give -s REPORTS_DB=PATH)")
    return open_database(str(path))
