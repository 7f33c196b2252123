"""Arrange synthetic reports into a TRS-style static portal (files in memory or on disk).

Layout (portals.md §2 and the mock-portal checklist §10):
    /zfxxgk/zfxxgknb/index.html            年报 column = 本级 reports; 4-arg createPageHTML, index_N.html (0-based)
    /zfxxgk/zfxxgknb/bm/index.html         sub-column 部门; same paging
    /zfxxgk/zfxxgknb/xzjd/xxgk_list.shtml  sub-column 乡镇街道; 6-arg createPageHTML, xxgk_list_N.shtml (1-based)
    <column>/YYYYMM/tYYYYMMDD_ID.html      detail pages (`./` links; some listed through `../` chains)
    <column>/YYYYMM/P0YYYYMMDD….pdf|docx   attachments
Extras: one GBK page declared only in <meta>, a non-report item (工作要点) in a list, and a headers
map (`_headers.json`) the portal server applies (e.g. a Content-Type without charset).

`build_portal()` returns `Portal(files, headers, reports)`; `reports` maps every report URL path to its
`Report`, which is what a crawl must find (and nothing else).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from demo import synthetic
from demo.synthetic import Report

SITE = "示例县人民政府"
ROOT = "/zfxxgk/zfxxgknb/"
COLUMNS = {  # path → (column name, paging convention)
    ROOT + "index.html": ("本级", "trs4"),
    ROOT + "bm/index.html": ("部门", "trs4"),
    ROOT + "xzjd/xxgk_list.shtml": ("乡镇街道", "trs6"),
}
DEPARTMENTS = ["发展和改革局", "教育局", "财政局", "自然资源局", "卫生健康委员会", "市场监督管理局"]
TOWNS = ["城关镇人民政府", "河西镇人民政府", "东湖街道办事处", "石桥镇人民政府"]


@dataclass
class Portal:
    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)  # URL path → report

    def write(self, root: Path) -> None:
        for path, data in self.files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "_headers.json").write_text(json.dumps(self.headers, ensure_ascii=False, indent=1, sort_keys=True))


def _units(column: str, n_extra: int) -> list[str]:
    if column == "本级":
        return [SITE, "示例县人民政府办公室"]
    if column == "部门":
        return ["示例县" + d for d in DEPARTMENTS] + [f"示例县第{i}专项工作办公室" for i in range(1, n_extra + 1)]
    return ["示例县" + t for t in TOWNS]


def _page_url(column_path: str, scheme: str, k: int) -> str:
    """URL path of page k (1-based) under the two TRS conventions."""
    stem, ext = column_path.rsplit(".", 1)
    if k == 1:
        return column_path
    return f"{stem}_{k - 1 if scheme == 'trs4' else k}.{ext}"


def _paging_script(scheme: str, pages: int, k: int, stem: str, ext: str, total: int) -> str:
    if scheme == "trs4":  # classic: createPageHTML(countPage, currentIndex(0-based), "index", "html")
        return (
            f'<script>var countPage = {pages}//共多少页\ncreatePageHTML({pages}, {k - 1}, "{stem}", "{ext}");</script>'
        )
    return f"<script>createPageHTML('page_div', {pages}, {k}, '{stem}', '{ext}', {total});</script>"


def listing_page(title: str, rows: list[str], script: str, subcolumns: list[tuple[str, str]]) -> str:
    nav = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in subcolumns)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_{SITE}</title>
<meta name="SiteName" content="{SITE}"><meta name="ColumnName" content="{title}"></head>
<body><div class="navLeft"><ul>{nav}</ul></div>
<div class="right-list-box"><ul class="list">
{chr(10).join(rows)}
</ul><div class="page" id="page_div">{script}</div></div></body></html>
"""


def _list_row(href: str, title: str, date: str, *, truncate: bool = False) -> str:
    shown = title[:14] + "…" if truncate else title
    return f'<li><a href="{href}" title="{title}" target="_blank">{shown}</a><span class="date">{date}</span></li>'


@dataclass
class _Entry:
    report: Report
    path: str  # detail URL path
    href: str  # as written in the list (relative)


def _detail_paths(rng: random.Random, column_dir: str, report: Report, doc_id: int) -> tuple[str, str]:
    ymd = report.published.replace("-", "")
    rel = f"./{ymd[:6]}/t{ymd}_{doc_id}.html"
    if column_dir.endswith("/xzjd/"):  # this template writes ../ chains back into its own directory
        return column_dir + rel[2:], "../xzjd/" + rel[2:]
    return column_dir + rel[2:], rel


def _attach(portal: Portal, rng: random.Random, column_dir: str, report: Report, kind: str) -> tuple[str, str]:
    ymd = report.published.replace("-", "")
    name = f"P0{ymd}{rng.randint(10**11, 10**12 - 1)}.{kind}"
    lines = synthetic.report_text(report)
    portal.files[f"{column_dir}{ymd[:6]}/{name}"] = (
        synthetic.tiny_pdf(lines) if kind == "pdf" else synthetic.tiny_docx(lines)
    )
    return f"./{name}", f"{report.title}.{kind}"


def _column_reports(rng: random.Random, column: str, years: range, n_extra: int) -> list[Report]:
    reports = []
    for unit in _units(column, n_extra):
        previous = None
        for year in years:  # year by year, so 上年结转 repeats last year's 结转下年度
            previous = synthetic.make_report(rng, unit, year, previous=previous)
            reports.append(previous)
    return sorted(reports, key=lambda r: (r.published, r.title), reverse=True)


def _render_scanned(portal: Portal, column_dir: str, entry: _Entry) -> None:
    """A report published only as a scan (图片版): its page links a PDF of page images, no text layer.
    Rendered with reportlab and PDFium (`demo/scans.py`, development requirements); OCR reads it back."""
    from demo import scans

    ymd = entry.report.published.replace("-", "")
    name = f"P0{ymd}{int(hashlib.sha1(entry.path.encode()).hexdigest(), 16) % 10**12:012d}.pdf"
    portal.files[f"{column_dir}{ymd[:6]}/{name}"] = scans.image_report_pdf(scans.synthetic_key(entry.report))
    body = f'<p>附件：<a href="./{name}">{entry.report.title}（图片版）.pdf</a></p>'
    portal.files[entry.path] = synthetic.detail_page(entry.report, site=SITE, body_html=body).encode("utf-8")


def _render_detail(portal: Portal, rng: random.Random, column_dir: str, entry: _Entry, extras: dict) -> None:
    if extras.get("scanned"):
        return _render_scanned(portal, column_dir, entry)
    atts = [_attach(portal, rng, column_dir, entry.report, extras["attach"])] if extras.get("attach") else []
    if extras.get("gbk"):  # an older subsystem page: GBK, declared only in <meta>, server sends no charset
        page = synthetic.detail_page(entry.report, site=SITE, charset="gbk", attachments=atts)
        portal.files[entry.path] = page.encode("gb18030")
        portal.headers[entry.path] = {"Content-Type": "text/html"}
    else:
        portal.files[entry.path] = synthetic.detail_page(entry.report, site=SITE, attachments=atts).encode("utf-8")


def build_portal(
    seed: int = 2024,
    *,
    years: range = range(2019, 2024),
    page_size: int = 8,
    n_extra_departments: int = 0,
    scanned: bool = False,
) -> Portal:
    """The demo portal; `n_extra_departments` scales the 部门 column (the benchmark uses ~400); `scanned`
    publishes one report of the 本级 column as a scan only (the committed demo does, so that
    `scrapy crawl demo` goes through OCR)."""
    rng = random.Random(seed)
    portal = Portal(files={"/robots.txt": b"User-agent: *\nDisallow: /admin/\n"})
    doc_id = 4410000
    crosspost = None
    subcols = [
        (ROOT + "index.html", "本级"),
        (ROOT + "bm/index.html", "部门"),
        (ROOT + "xzjd/xxgk_list.shtml", "乡镇街道"),
    ]
    for column_path, (column, scheme) in COLUMNS.items():
        column_dir = column_path.rsplit("/", 1)[0] + "/"
        entries = []
        for report in _column_reports(rng, column, years, n_extra_departments):
            doc_id += rng.randint(1, 900)
            path, href = _detail_paths(rng, column_dir, report, doc_id)
            entries.append(_Entry(report, path, href))
            portal.reports[path] = report
        for i, entry in enumerate(entries):
            extras = {
                "attach": "pdf" if i % 7 == 3 else ("docx" if i % 11 == 5 else None),
                "gbk": column == "部门" and i == 2,
                "scanned": scanned and column == "本级" and i == 1,
            }
            _render_detail(portal, rng, column_dir, entry, extras)
        _write_listing(portal, column_path, column, scheme, entries, page_size, subcols, crosspost)
        crosspost = crosspost or entries[0]
    return portal


def _write_listing(
    portal: Portal, column_path: str, column: str, scheme: str, entries: list[_Entry], size: int, subcols, crosspost
) -> None:
    pages = max(1, -(-len(entries) // size))
    stem, ext = column_path.rsplit("/", 1)[1].rsplit(".", 1)
    for k in range(1, pages + 1):
        chunk = entries[(k - 1) * size : k * size]
        rows = [_list_row(e.href, e.report.title, e.report.published, truncate=(j == 1)) for j, e in enumerate(chunk)]
        if k == 1 and column == "本级":  # a non-report item sharing the column: must not be stored
            rows.insert(1, _list_row("./202402/t20240205_4409999.html", "示例县2024年政务公开工作要点", "2024-02-05"))
        script = _paging_script(scheme, pages, k, stem, ext, len(entries))
        if k == 1 and column == "部门" and crosspost:  # the county report cross-posted here through a ../ link
            rows.append(
                _list_row("../" + crosspost.path[len(ROOT) :], crosspost.report.title, crosspost.report.published)
            )
        page = listing_page(f"政府信息公开年报-{column}", rows, script, subcols)
        portal.files[_page_url(column_path, scheme, k)] = page.encode("utf-8")
    if column == "本级":
        portal.files[ROOT + "202402/t20240205_4409999.html"] = _plain_page("示例县2024年政务公开工作要点")


def _plain_page(title: str) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}"></head>'
        f'<body><h1>{title}</h1><div class="TRS_Editor"><p>一、加强政策解读。二、优化公开平台。</p></div></body></html>'
    ).encode()
