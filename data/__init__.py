"""The project's data files, read the same way from a checkout and from a Scrapyd egg.

Scrapyd runs the project from an egg, which is a zip file: there is no file path inside it, so code reads
these files through `importlib.resources` (`resource("regions.csv").read_text(encoding="utf-8")`), never
through paths built from `__file__`. `pyproject.toml` ships them as package data (README "Scrapyd").
The directory also holds the default database (`reports.db`, written wherever REPORTS_DB says).
"""

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(name: str) -> Traversable:
    """A data file or directory of this package (a `Path` in a checkout, a `zipfile.Path` in an egg)."""
    return files(__name__).joinpath(name)
