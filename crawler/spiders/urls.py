"""`urls`: fetch and ingest exactly the reports a researcher lists — no listing pages, no discovery.

    scrapy crawl urls -a file=links.txt        one URL per line (blank lines and # comments skipped)
    scrapy crawl urls -a file=links.csv        a CSV (UTF-8 or GBK, as Excel/WPS save it): the column whose
                                               values are URLs, or the one named by -a column=链接
    … -a dry_run=1                             fetch and parse, print year, agency and region guessed for
                                               each, write nothing (the run uses a throw-away database)
    … -a limit=N                               the first N URLs only

A URL on a registered portal's host (crawler/spiders/<province>/) gets that portal's division code;
otherwise the region is read from the report (agency, site name; see reports.field_sources). Pages go
through `ReportSpider.parse_report` like any crawl: attachments, incremental state, cross-posts.
"""

import csv
import io
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from crawler.families.base import FALSE, TRUE, ReportSpider
from crawler.families.detect import portal_classes
from crawler.families.pages import Link

_URL = re.compile(r"^https?://[^\s/]+\S*$", re.I)
PREVIEW_PIPELINES = {
    "pipelines.identify.IdentifyReportPipeline": 100,
    "pipelines.parse.ParseReportPipeline": 200,
    "pipelines.preview.PreviewReportPipeline": 300,
}


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel and WPS save CSV in the local code page (GBK)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"-a file={path}: neither UTF-8 nor GBK text")


def read_urls(path: Path, column: str | None = None) -> list[str]:
    """The URLs of a list or CSV file, in order, each once; ValueError names the first line that is not one."""
    text = read_text(path)
    lines = [line.strip() for line in text.splitlines()]
    if column is not None or any("," in line or "\t" in line for line in lines[:5]):
        urls = _csv_column(text, column)
    else:
        urls, bad = [], []
        for number, line in enumerate(lines, start=1):
            if not line or line.startswith("#"):
                continue
            if _URL.match(line):
                urls.append(line)
            else:
                bad.append(f"line {number}: {line[:60]!r}")
        if bad:
            raise ValueError(f"-a file={path}: {len(bad)} line(s) are not http(s) URLs, first {bad[0]}")
    if not urls:
        raise ValueError(f"-a file={path}: no http(s) URL found")
    return list(dict.fromkeys(urls))


def _csv_column(text: str, column: str | None) -> list[str]:
    dialect = csv.excel_tab if "\t" in text.splitlines()[0] else csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    header = [cell.strip() for cell in rows[0]]
    if column is not None:
        if column not in header:
            raise ValueError(f"-a column={column!r}: not a column of the file (columns: {', '.join(header)})")
        index = header.index(column)
    else:
        counts = [sum(1 for row in rows[1:] if i < len(row) and _URL.match(row[i].strip())) for i in range(len(header))]
        if not counts or max(counts) == 0:
            raise ValueError("no column of URLs in the CSV file; name it with -a column=<header>")
        index = counts.index(max(counts))
    values = [row[index].strip() for row in rows[1:] if index < len(row) and row[index].strip()]
    bad = [value for value in values if not _URL.match(value)]
    if bad:
        raise ValueError(f"column {header[index]!r}: {len(bad)} value(s) are not http(s) URLs, first {bad[0][:60]!r}")
    return values


class UrlsSpider(ReportSpider):
    name = "urls"
    family = "urls"
    arguments = ("file", "column", "dry_run", *ReportSpider.arguments)

    def __init__(self, *args, file=None, column=None, dry_run=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not file:
            raise ValueError("urls needs -a file=<list of report URLs, one per line, or a CSV file>")
        if not Path(file).is_file():
            raise ValueError(f"-a file={file}: no such file")
        if str(dry_run or "").lower() not in TRUE + FALSE:
            raise ValueError(f"-a dry_run={dry_run!r}: expected 1 or 0")
        self.dry_run = str(dry_run or "").lower() in TRUE
        self.urls = read_urls(Path(file), column)[: self.limit]
        self.hosts = {urlsplit(u).hostname: p.region_code for p in portal_classes() for u in p.column_urls}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.dry_run:  # parse but do not store, into a database that is thrown away at the end
            spider.scratch = tempfile.mkdtemp(prefix="nianbao-dry-run-")
            # above "cmdline" (40): -s REPORTS_DB=… must not receive a dry run's crawl state either
            crawler.settings.set("REPORTS_DB", str(Path(spider.scratch) / "dry-run.db"), priority=50)
            crawler.settings.set("ITEM_PIPELINES", PREVIEW_PIPELINES, priority=50)
        return spider

    async def start(self):
        for url in self.urls:
            code = self.hosts.get(urlsplit(url).hostname)
            yield self.report_request(Link(url, ""), {"region_code": code} if code else {})

    def closed(self, reason):
        if getattr(self, "scratch", None):
            shutil.rmtree(self.scratch, ignore_errors=True)
