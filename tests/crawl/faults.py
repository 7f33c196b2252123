"""A fault-injection portal on 127.0.0.1 and 127.0.0.2: every way a page can fail, one URL each.

`FaultPortal.start()` serves two loopback addresses (127.0.0.1 for `faults.test`, 127.0.0.2 for
`gone.test`) as HTTP proxies (the crawl reaches them through the loopback route, so URLs keep their host
names). Bodies that would be huge are generated while they are sent, never held here, and every answer is
bounded: the server never sends more than a caller's cap plus one chunk. `EXPECTED` says what each URL
must end as in `crawl_state` (status, a word of its reason).
"""

from __future__ import annotations

import asyncio
import gzip
import io
import threading
import zipfile

from demo import synthetic

HOST, OTHER = "faults.test", "gone.test"
LIST = "/nb/index.html"
CHUNK = 1 << 16


def _report_page(unit: str, year: int, extra: str = "") -> bytes:
    import random

    report = synthetic.make_report(random.Random(unit), unit, year)
    return synthetic.detail_page(report, site="示例县", body_html=synthetic.report_body_html(report) + extra).encode()


def _docx_bomb() -> bytes:
    """~150 KB DOCX whose word/document.xml inflates to ~49 MB (one paragraph repeated)."""
    para = "<w:p><w:r><w:t>" + "政府信息公开" * 40 + "</w:t></w:r></w:p>"
    xml = ('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
           'main"><w:body>' + para * (49_000_000 // len(para.encode())) + "</w:body></w:document>")  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def _gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip-compressed to ~1 MB."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as stream:
        zeros = bytes(1 << 20)
        for _ in range(1024):
            stream.write(zeros)
    return out.getvalue()


# path → (status in crawl_state, a word of its reason); pages that end stored have status "ok".
EXPECTED = {
    "/nb/t20240101_1.html": ("ok", None),
    "/nb/t20240102_404.html": ("gone", "http 404"),
    "/nb/t20240103_410.html": ("gone", "http 410"),
    "/nb/t20240104_500.html": ("error", "http 500"),
    "/nb/t20240105_loop.html": ("error", "redirect loop"),
    "/nb/t20240106_trunc.html": ("error", "truncated"),
    "/nb/t20240107_reset.html": ("error", "connection"),
    "/nb/t20240108_slow.html": ("error", "timeout"),
    "/nb/t20240109_bomb.html": ("error", "too large"),
    "/nb/t20240110_huge.html": ("error", "too large: 200.0 MiB"),
    "/nb/t20240111_stream.html": ("error", "too large"),
    "/nb/t20240112_aliyun.html": ("blocked", "acw_sc__v2"),
    "/nb/t20240113_news.html": ("skipped", "not a report"),
    "/nb/t20240114_att.html": ("error", "too large"),  # stored; fetched again because an attachment failed
    "/nb/P020240114_big.pdf": ("error", "too large: 60.0 MiB"),
    "/nb/P020240114_name.pdf": ("ok", None),
    "/nb/P020240114_bomb.docx": ("ok", None),  # fetched fine; the parser refuses it (a check says why)
    "/nb/t20240301_9.html": ("ok", None),  # listed on page 3, after a page of news only
}


class FaultPortal:
    def __init__(self) -> None:
        self.pages = {
            "/nb/t20240101_1.html": _report_page("示例县水务局", 2023),
            "/nb/t20240113_news.html": (
                "<html><head><title>关于开展植树活动的通知</title></head><body><div class='TRS_Editor'>"
                + "<p>各单位：春季植树活动定于三月举行，请做好准备。</p>" * 20
                + "</div></body></html>"
            ).encode(),
            # a page that only links to its report: the attachments are read (one too large, one a zip bomb)
            "/nb/t20240114_att.html": (
                "<html><head><title>示例县财政局2023年政府信息公开工作年度报告</title></head><body><div id='zoom'>"
                "<p>示例县财政局2023年政府信息公开工作年度报告（附件）</p>"
                + "<p>详见附件。</p>"
                * 40
                + '<p><a href="./P020240114_big.pdf">附件1</a><a href="./P020240114_name.pdf">附件2</a>'
                '<a href="./P020240114_bomb.docx">附件3</a></p></div></body></html>'
            ).encode(),
            "/nb/t20240301_9.html": _report_page("示例县林业局", 2022),
            "/nb/P020240114_name.pdf": synthetic.tiny_pdf(["示例县财政局2023年政府信息公开工作年度报告"]),
        }
        self.docx_bomb, self.gzip_bomb = _docx_bomb(), _gzip_bomb()
        self.servers: list[asyncio.AbstractServer] = []
        self.ports: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()

    def routes(self) -> dict[str, str]:
        return {HOST: f"127.0.0.1:{self.ports['127.0.0.1']}", OTHER: f"127.0.0.2:{self.ports['127.0.0.2']}"}

    def listing(self, page: int) -> bytes:
        reports = [path for path in EXPECTED if path.endswith(".html") and path != "/nb/t20240301_9.html"]
        if page == 1:
            rows = [
                f'<li><a href=".{p[3:]}">示例县第{i}局2023年政府信息公开工作年度报告</a></li>'
                for i, p in enumerate(reports)
            ]
        elif page == 2:  # news only: a mixed column must still be paged to its end
            rows = [f'<li><a href="./t2024020{i}_{i}.html">关于春季防火的通知{i}</a></li>' for i in range(1, 6)]
        else:
            rows = ['<li><a href="./t20240301_9.html">示例县林业局2022年政府信息公开工作年度报告</a></li>']
        script = f'<script>createPageHTML(3, {page - 1}, "index", "html");</script>'
        return f"<html><body><ul>{''.join(rows)}</ul>{script}</body></html>".encode()

    # -- the server -----------------------------------------------------------------------------------
    def start(self) -> dict[str, str]:
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True, name="faults").start()
        ready.wait(10)
        return self.routes()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        for address in ("127.0.0.1", "127.0.0.2"):
            server = self._loop.run_until_complete(asyncio.start_server(self._handle, address, 0))
            self.servers.append(server)
            self.ports[address] = server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        for server in self.servers:
            self._loop.call_soon_threadsafe(server.close)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                target = line.decode("latin-1").split(" ")[1]
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                host, _, path = target.removeprefix("http://").partition("/")
                if not await self._answer(writer, host, "/" + path.split("?")[0]):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, host: str, path: str) -> bool:
        """Send the answer for `path`; False when the connection must end (a fault, or after a stream)."""
        if host == OTHER or path == "/robots.txt":
            return self._send(writer, 404, b"not found")
        if path == LIST or path.startswith("/nb/index_"):
            page = 1 if path == LIST else int(path.rsplit("_", 1)[1].split(".")[0]) + 1
            return self._send(writer, 200, self.listing(page), "text/html; charset=utf-8")
        if path in self.pages:
            kind = "application/pdf" if path.endswith(".pdf") else "text/html; charset=utf-8"
            extra = {"Content-Disposition": 'attachment; filename="../../../etc/passwd.pdf"'} if "_name" in path else {}
            return self._send(writer, 200, self.pages[path], kind, extra)
        fault = path.rsplit("_", 1)[-1].split(".")[0]
        if fault in ("404", "410", "500"):
            return self._send(writer, int(fault), b"<html><body>error</body></html>", "text/html")
        if fault == "loop":
            return self._send(writer, 302, b"", extra={"Location": f"http://{HOST}{path}?again"})
        if fault == "trunc":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n" + b"x" * 1000)
            await writer.drain()
            return False
        if fault == "reset":
            return False
        if fault == "aliyun":  # Aliyun WAF's cookie challenge, answered with 200
            script = (
                b"<html><script>var arg1='3A1B';function setCookie(){document.cookie='acw_sc__v2='+x}</script></html>"
            )
            return self._send(writer, 200, script, "text/html")
        if fault == "slow":
            await asyncio.sleep(30)
            return False
        if fault == "bomb" and path.endswith(".docx"):
            return self._send(writer, 200, self.docx_bomb, "application/octet-stream")
        if fault == "bomb":
            return self._send(writer, 200, self.gzip_bomb, "text/html", {"Content-Encoding": "gzip"})
        if fault in ("huge", "big"):  # a declared size: refused from the headers, nothing sent
            size = 200 * 2**20 if fault == "huge" else 60 * 2**20
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n\r\n".encode())
            await writer.drain()
            await asyncio.sleep(5)
            return False
        if fault == "stream":  # no declared size: chunks until the crawler hangs up (or 200 MiB)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (CHUNK, b"<p>x</p>" * (CHUNK // 8))
            for _ in range(200 * 2**20 // CHUNK):
                writer.write(chunk)
                await writer.drain()
            return False
        return self._send(writer, 404, b"not found")

    @staticmethod
    def _send(writer, status: int, body: bytes, kind: str = "text/plain", extra: dict | None = None) -> bool:
        headers = {"Content-Type": kind, "Content-Length": str(len(body))} | (extra or {})
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1") + body)
        return True
