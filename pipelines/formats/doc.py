"""DOC and WPS (Kingsoft, DOC-based) → Document, via LibreOffice headless → DOCX path; antiword fallback.

LibreOffice runs with a private profile (`-env:UserInstallation`) in a temporary directory, so parallel
conversions never share a profile lock, and in its own process group, so a hung conversion is killed
whole at the timeout. antiword gives text only (tables come out as text lines); the Document says so
in `warnings`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pipelines.document import Document, DocumentError
from pipelines.formats.cells import text_blocks
from pipelines.formats.docx import docx_to_document
from pipelines.formats.limits import CONVERT_TIMEOUT_SECONDS, check_size

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MISSING_TOOLS = "DOC needs LibreOffice (soffice) or antiword; neither is installed"


def doc_to_document(data: bytes, *, filename: str | None = None, timeout: float = CONVERT_TIMEOUT_SECONDS) -> Document:
    """Convert Word 97-2003 / WPS bytes; DocumentError names the missing tool or the failure."""
    check_size(data, "DOC")
    if not data.startswith(OLE_MAGIC):
        raise DocumentError("not a DOC/WPS file: no OLE2 header")
    kind = "wps" if (filename or "").lower().endswith(".wps") else "doc"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    antiword = shutil.which("antiword")
    if not soffice and not antiword:
        raise DocumentError(MISSING_TOOLS)
    failures = []
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        if soffice:
            try:
                document = docx_to_document(_libreoffice(soffice, source, timeout))
                document.format = kind
                return document
            except DocumentError as exc:
                failures.append(f"LibreOffice: {exc}")
        if antiword:
            try:
                return _antiword(antiword, source, kind, timeout)
            except DocumentError as exc:
                failures.append(f"antiword: {exc}")
    raise DocumentError(f"unreadable {kind.upper()}: " + "; ".join(failures))


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """Run in a new process group; on timeout kill that group (soffice forks soffice.bin)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise DocumentError(f"timed out after {timeout:g} s") from exc
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _detail(output: bytes) -> str:
    """A tool's complaint on one line, without LibreOffice's unrelated Java warning."""
    lines = [line for line in output.decode("utf-8", "replace").splitlines() if "javaldx" not in line]
    return " ".join(" ".join(lines).split())[:200]


def _libreoffice(soffice: str, source: Path, timeout: float) -> bytes:
    out = source.parent / "out"
    profile = (source.parent / "profile").as_uri()
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo"]
    command += ["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)]
    result = _run(command, timeout)
    converted = out / "input.docx"
    if not converted.is_file():
        detail = _detail(result.stderr or result.stdout)
        raise DocumentError(f"no output (exit {result.returncode}{': ' + detail if detail else ''})")
    return converted.read_bytes()


def _antiword(antiword: str, source: Path, kind: str, timeout: float) -> Document:
    result = _run([antiword, "-m", "UTF-8.txt", "-w", "0", str(source)], timeout)
    if result.returncode != 0:
        detail = _detail(result.stderr)
        raise DocumentError(f"exit {result.returncode}: {detail}")
    lines = [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines()]
    blocks = text_blocks(lines)
    if not blocks:
        raise DocumentError("no text")
    return Document(blocks=blocks, format=kind, warnings=["converted with antiword: tables are text, not grids"])


__all__ = ["MISSING_TOOLS", "doc_to_document"]
