"""Output directories of `scrapy export` and `scrapy site`: what may be written, and where.

- A directory that exists and holds anything is refused unless `force`: a typo must not mix an
  export into someone's documents or overwrite last month's files.
- Every file goes to a path inside the directory, checked after resolving symbolic links (a link
  planted inside the directory must not lead a write elsewhere); a file is written beside its final
  name and then renamed over it, so an existing link is replaced, never followed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


class OutputError(ValueError):
    """The output directory cannot be used (a one-line reason for the person who gave it)."""


def prepare(directory: str | Path, force: bool) -> Path:
    """Create `directory` if needed; refuse an existing non-empty one unless `force`. Returns it resolved."""
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{directory} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise OutputError(f"{directory} is not empty: choose an empty or new directory, or add --force to overwrite")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def target(root: Path, relative: str) -> Path:
    """The path of `relative` inside `root`, refusing anything that would land outside it."""
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise OutputError(f"refusing to write {relative!r}: not a plain path inside {root}")
    path = root / relative
    parent = path.parent.resolve()
    if parent != root and root not in parent.parents:
        raise OutputError(f"refusing to write {relative!r}: {path.parent} leads outside {root}")
    return path


def write(root: Path, relative: str, produce: Callable[[IO], None], mode: str = "w", **open_args) -> Path:
    """Write `relative` inside `root` through `produce(handle)`, atomically (temporary file + rename)."""
    path = target(root, relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    target(root, relative)  # the directories just made must not have been links either
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with open(handle, mode, **open_args) as stream:
            produce(stream)
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes it private; the result is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text(root: Path, relative: str, text: str) -> Path:
    return write(root, relative, lambda stream: stream.write(text), encoding="utf-8", newline="")


def write_bytes(root: Path, relative: str, data: bytes) -> Path:
    return write(root, relative, lambda stream: stream.write(data), mode="wb")
