"""A small, fast loopback HTTP/1.1 server for offline portals (demo, tests, benchmark).

Files are held in memory (`{path: bytes}`); every file gets an ETag (content hash) and a Last-Modified
(the time it was set), and conditional GETs are answered with 304, so the crawler's incremental logic
is exercised for real. `headers` overrides response headers per path (e.g. a Content-Type without
charset, or with a wrong one). An optional `dynamic(request) -> Reply | None` hook serves computed
routes first (APIs, error hosts). Keep-alive and preloaded bodies keep it out of the way of
benchmarks (portals.md has no server-side requirement beyond correctness).

Run it in a background thread (`PortalServer(...).start()` returns the port) or, for benchmarks, in
its own process: `python -m demo.server DIR [PORT]` (serves a directory written by
`demo.portal.Portal.write`, including its `_headers.json`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import unquote, urlsplit

REASONS = {200: "OK", 302: "Found", 304: "Not Modified", 403: "Forbidden", 404: "Not Found", 412: "Precondition Failed"}


@dataclass
class Request:
    method: str
    path: str  # decoded path, no query
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def content_type(path: str) -> str:
    if path.endswith((".html", ".shtml", ".htm", "/")):
        return "text/html; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


class PortalServer:
    def __init__(
        self,
        files: dict[str, bytes],
        headers: dict[str, dict[str, str]] | None = None,
        dynamic: Callable[[Request], Reply | None] | None = None,
    ):
        self.files: dict[str, tuple[bytes, str, float]] = {}
        self.headers = headers if headers is not None else {}
        self.dynamic = dynamic
        self.hits: Counter[str] = Counter()  # (method, path) counts: tests assert what was fetched
        self.log: list[tuple[str, str, int]] = []
        for path, body in files.items():
            self.set(path, body)
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def set(self, path: str, body: bytes) -> None:
        """Add or change a file; a change gets a new ETag and Last-Modified."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        self.files[path] = (body, etag, time.time())

    def remove(self, path: str) -> None:
        self.files.pop(path, None)

    def static(self, req: Request) -> Reply:
        """Keys with the query string, then "host/path" (multi-host mocks), then plain "/path"."""
        path = req.path + "index.html" if req.path.endswith("/") else req.path
        host = req.headers.get("host", "").split(":")[0]
        query = "?" + req.query if req.query else ""
        path = next((k for k in (host + path + query, path + query, host + path) if k in self.files), path)
        if path not in self.files:
            return Reply(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"})
        body, etag, mtime = self.files[path]
        headers = {"Content-Type": content_type(path), "ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        headers.update(self.headers.get(path, {}))
        if self._not_modified(req, etag, mtime):
            return Reply(304, b"", {"ETag": etag, "Last-Modified": headers["Last-Modified"]})
        return Reply(200, body, headers)

    @staticmethod
    def _not_modified(req: Request, etag: str, mtime: float) -> bool:
        if "if-none-match" in req.headers:
            return etag in req.headers["if-none-match"]
        since = req.headers.get("if-modified-since")
        try:
            return bool(since) and int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while req := await self._read_request(reader):
                reply = (self.dynamic(req) if self.dynamic else None) or self.static(req)
                self.hits[f"{req.method} {req.path}"] += 1
                self.log.append((req.method, req.path + ("?" + req.query if req.query else ""), reply.status))
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                writer.write(self._encode(reply, req.method))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> Request | None:
        line = await reader.readline()
        if not line.strip():
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = h.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0) or 0))
        parts = urlsplit(target)
        return Request(method, unquote(parts.path), parts.query, headers, body)

    @staticmethod
    def _encode(reply: Reply, method: str) -> bytes:
        head = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}"]
        headers = {"Content-Length": str(len(reply.body)), "Server": "nianbao-mock"} | reply.headers
        head += [f"{k}: {v}" for k, v in headers.items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        return raw if method == "HEAD" else raw + reply.body

    def start(self) -> int:
        threading.Thread(target=self._run, daemon=True, name="portalserver").start()
        self._ready.wait(10)
        return self.port

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        """Stop listening. The loop (a daemon thread) stays so open keep-alive handlers end quietly."""
        if self._loop:
            self._loop.call_soon_threadsafe(self._server.close)


def load_dir(root: Traversable) -> tuple[dict[str, bytes], dict[str, dict[str, str]]]:
    """Files of a portal directory keyed by URL path, plus its `_headers.json` overrides. `root` may be a
    `Path` or a directory inside a zip (the demo portal read from a Scrapyd egg): only `iterdir` is used."""
    files: dict[str, bytes] = {}
    folders = [(root, "/")]
    while folders:
        folder, prefix = folders.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                folders.append((entry, f"{prefix}{entry.name}/"))
            elif entry.name != "_headers.json":
                files[prefix + entry.name] = entry.read_bytes()
    headers_file = root / "_headers.json"
    headers = json.loads(headers_file.read_text(encoding="utf-8")) if headers_file.is_file() else {}
    return files, headers


def main(argv: list[str]) -> None:
    files, headers = load_dir(Path(argv[0]))
    server = PortalServer(files, headers)
    server.port = int(argv[1]) if len(argv) > 1 else 0
    server.start()
    sys.stdout.write(f"{server.port}\n")
    sys.stdout.flush()
    threading.Event().wait(float(argv[2]) if len(argv) > 2 else 600)  # stops by itself


if __name__ == "__main__":
    main(sys.argv[1:])
