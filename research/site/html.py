"""Page layout and small HTML helpers. Every text from the database goes through `escape`; links to a
report's source are made only for http(s) URLs (a `javascript:` source must not become a link)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

CSS = """
body { font-family: 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif;
       margin: 0; color: #222; background: #fafafa; }
header { background: #1f4e79; color: white; padding: 12px 24px; }
header a { color: white; margin-right: 18px; text-decoration: none; }
header .title { font-size: 20px; font-weight: bold; margin-right: 32px; }
main { padding: 16px 24px; max-width: 1180px; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0 16px; background: white; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: 13px; } .flag { color: #a05a00; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: white; border: 1px solid #ddd; }
.q-ok { color: #2e7d32; } .q-warning { color: #a05a00; } .q-error { color: #b71c1c; }
.empty { font-size: 18px; padding: 32px; background: white; border: 1px solid #ddd; }
"""

NAV = (
    ("index.html", "总览 Overview"),
    ("quality.html", "数据质量 Data quality"),
    ("compliance.html", "格式合规 Compliance"),
)


def page(title: str, body: str, depth: int = 0) -> str:
    """A whole page; `depth` is how many directories below the site root it lives (for relative links)."""
    up = "../" * depth
    nav = "".join(f'<a href="{up}{href}">{escape(label)}</a>' for href, label in NAV)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · 政府信息公开年报</title>"
        f'<link rel="stylesheet" href="{up}site.css"></head>\n'
        f'<body><header><span class="title">政府信息公开工作年度报告</span>{nav}</header>\n'
        f"<main><h1>{escape(title)}</h1>\n{body}\n</main></body></html>\n"
    )


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """`rows` hold HTML already (escape values with `cell`); columns in `numeric` are right-aligned."""
    numeric = numeric or set()
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{v}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value) -> str:
    """A value for a table cell: NULL shows as «—» (unknown), never as 0."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def year(value) -> str:
    return "—" if value is None else escape(str(value))


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def source_link(source: str | None, text: str) -> str:
    """A link to the report as published, or the plain text when the source is a local file."""
    if source and urlsplit(source).scheme in ("http", "https"):
        return f'<a href="{escape(source)}">{escape(text)}</a>'
    return escape(text) + (f' <span class="note">({escape(source)})</span>' if source else "")


def quality_label(quality: str | None) -> str:
    return f'<span class="q-{escape(quality or "")}">{escape(quality or "—")}</span>'
