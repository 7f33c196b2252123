"""Headless Chromium (Debian's `chromium`) for screenshots of local pages: no network, a fresh profile."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--hide-scrollbars",
)  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("chromium is not installed (apt-get install chromium fonts-wqy-zenhei; see .ci/run)")
    return found


def screenshot(page: Path, out: Path, size: tuple[int, int] = (1280, 1600)) -> Path:
    """A PNG of `page` (a local file) as Chromium renders it."""
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as profile:
        command = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
                   f"--screenshot={out}", page.resolve().as_uri()]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-1000:]}")
    return out
