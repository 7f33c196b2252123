"""Synthetic 政府信息公开工作年度报告: made-up numbers in the national form, rendered as realistic HTML.

Nothing here is copied from a real report. `make_report(rng, …)` draws a report whose tables satisfy the
hard consistency rules R3.1–R3.3 and R4.1 of `shared/spec/template.md` (v2021 or v2019 form);
`report_body_html()` renders it the way portals do (rowspan/colspan headers, six headings) and
`detail_page()` wraps it in a TRS-style detail page with the standard <meta> tags and the
索引号/发布机构/成文日期/文号 block. Everything is driven by a seeded `random.Random`, so the same seed
always gives the same bytes. `demo/portal.py` arranges these pages into a whole portal.
"""

from __future__ import annotations

import html
import io
import random
import zipfile
from dataclasses import dataclass, field

from pipelines.compliance import STATUTORY_HEADINGS

APP_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org"]
DENIED = ["state_secret", "law_prohibited", "security_stability", "third_party", "internal_affairs"]
DENIED += ["process_info", "enforcement_file", "admin_inquiry"]
UNABLE = ["not_held", "need_creation", "unclear"]
NOT_PROCESSED = ["complaint", "duplicate", "publication", "excessive", "reconfirm"]
OTHER_V2021 = ["other_no_correction", "other_fee_unpaid", "other_misc"]
REVIEW_ROWS = ["review", "lit_direct", "lit_after_review"]
REVIEW_COLS = ["upheld", "corrected", "other", "pending"]

HEADINGS = list(STATUTORY_HEADINGS.values())

# Row labels of table 三 in print order: (row key, group label or None, label).
APP_ROWS_RESULT = (
    [
        ("granted", None, "（一）予以公开"),
        ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    + [
        (f"denied_{k}", "（三）不予公开", f"{i}.{t}")
        for i, (k, t) in enumerate(
            zip(
                DENIED,
                [
                    "属于国家秘密",
                    "其他法律行政法规禁止公开",
                    "危及“三安全一稳定”",
                    "保护第三方合法权益",
                    "属于三类内部事务信息",
                    "属于四类过程性信息",
                    "属于行政执法案卷",
                    "属于行政查询事项",
                ],
                strict=True,
            ),
            1,
        )
    ]
    + [
        (f"unable_{k}", "（四）无法提供", f"{i}.{t}")
        for i, (k, t) in enumerate(
            zip(
                UNABLE, ["本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"], strict=True
            ),
            1,
        )
    ]
    + [
        (f"not_processed_{k}", "（五）不予处理", f"{i}.{t}")
        for i, (k, t) in enumerate(
            zip(
                NOT_PROCESSED,
                [
                    "信访举报投诉类申请",
                    "重复申请",
                    "要求提供公开出版物",
                    "无正当理由大量反复申请",
                    "要求行政机关确认或重新出具已获取信息",
                ],
                strict=True,
            ),
            1,
        )
    ]
)
OTHER_LABELS_V2021 = [
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
]


@dataclass
class Report:
    unit: str
    year: int
    version: str  # "v2021" | "v2019"
    published: str  # YYYY-MM-DD
    title: str
    index_no: str
    doc_no: str
    active: dict[str, dict[str, str]] = field(default_factory=dict)
    applications: dict[str, dict[str, int]] = field(default_factory=dict)
    review: dict[str, dict[str, int]] = field(default_factory=dict)
    image_only: bool = False


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` spread over `parts` non-negative integers, most mass in the first parts (as in real reports)."""
    out = [0] * parts
    for _ in range(total):
        out[min(int(rng.expovariate(0.6)), parts - 1)] += 1
    return out


def _application_column(rng: random.Random, version: str, scale: int, carried: int | None) -> dict[str, int]:
    new = rng.randint(0, scale)
    carried = rng.randint(0, max(1, scale // 10)) if carried is None else carried
    forward = rng.randint(0, min(new + carried, max(1, scale // 10)))
    resolved = new + carried - forward  # R3.1: new + carried == results_total + forward
    other_keys = OTHER_V2021 if version == "v2021" else ["other_total"]
    keys = [k for k, _, _ in APP_ROWS_RESULT] + other_keys
    col = dict(zip(keys, _split(rng, resolved, len(keys)), strict=True))
    col.update(new_received=new, carried_over=carried, results_total=resolved, carried_forward=forward)
    return col


def _applications(rng: random.Random, version: str, previous: Report | None) -> dict[str, dict[str, int]]:
    """`previous`: the same unit's report for the year before, whose 结转下年度 becomes this 上年结转 (soft
    cross-year rule of template.md)."""
    scales = [60, 8, 2, 2, 2, 3]
    carried = {c: previous.applications[c]["carried_forward"] if previous else None for c in APP_COLS}
    table = {c: _application_column(rng, version, s, carried[c]) for c, s in zip(APP_COLS, scales, strict=True)}
    table["total"] = {k: sum(table[c][k] for c in APP_COLS) for k in table[APP_COLS[0]]}  # R3.2
    return table


def _review(rng: random.Random) -> dict[str, dict[str, int]]:
    rows = {}
    for row in REVIEW_ROWS:
        cells = {c: rng.choice([0, 0, 0, 1, 2, 3]) for c in REVIEW_COLS}
        cells["total"] = sum(cells.values())  # R4.1
        rows[row] = cells
    return rows


def _documents(rng: random.Random, key: str, hi: tuple[int, int, int], previous: Report | None) -> dict[str, str]:
    """规章/规范性文件 counts; with last year's v2021 report, 现行有效 = last year's + 制发 − 废止 (soft rule)."""
    issued = rng.randint(0, hi[0])
    if previous is None or previous.version != "v2021":
        return {"issued": str(issued), "repealed": str(rng.randint(0, hi[1])), "in_force": str(rng.randint(0, hi[2]))}
    before = int(previous.active[key]["in_force"])
    repealed = rng.randint(0, min(hi[1], before + issued))
    return {"issued": str(issued), "repealed": str(repealed), "in_force": str(before + issued - repealed)}


def _active(rng: random.Random, version: str, previous: Report | None = None) -> dict[str, dict[str, str]]:
    n = lambda hi: str(rng.randint(0, hi))  # noqa: E731 - local shorthand keeps the tables readable
    if version == "v2021":
        return {
            "regulations": _documents(rng, "regulations", (3, 2, 30), previous),
            "normative_docs": _documents(rng, "normative_docs", (12, 5, 120), previous),
            "admin_licensing": {"decisions": n(3000)},
            "admin_penalty": {"decisions": n(800)},
            "admin_coercion": {"decisions": n(60)},
            "admin_fees": {"fee_amount": f"{rng.uniform(0, 5000):.4f}"},
        }
    three = lambda: {"prev_year_items": n(400), "items_change": f"{rng.randint(-20, 40):+d}", "decisions": n(900)}  # noqa: E731
    return {
        "regulations": {"newly_made": n(3), "newly_published": n(3), "total_published": n(30)},
        "normative_docs": {"newly_made": n(12), "newly_published": n(12), "total_published": n(120)},
        "admin_licensing": three(),
        "other_admin_services": three(),
        "admin_penalty": three(),
        "admin_coercion": three(),
        "admin_fees": {"prev_year_items": n(20), "items_change": f"{rng.randint(-3, 3):+d}"},
        "gov_central_procurement": {"projects": n(80), "amount": f"{rng.uniform(10, 9000):.2f}万元"},
    }


TITLE_SHAPES = [
    "{unit}{year}年政府信息公开工作年度报告",
    "{unit}{year}年度政府信息公开工作年度报告",
    "{unit}{year}年政府信息公开年报",
    "{year}年{unit}政府信息公开工作年度报告",
    "关于{unit}{year}年政府信息公开工作年度报告",
    "{unit} {year} 年政府信息公开工作年度报告",
]


def make_title(rng: random.Random, unit: str, year: int) -> str:
    """A title in one of the real shapes of portals.md §8.1 (most often the dominant one)."""
    shape = TITLE_SHAPES[0] if rng.random() < 0.6 else rng.choice(TITLE_SHAPES[1:])
    return shape.format(unit=unit, year=year)


def make_report(
    rng: random.Random, unit: str, year: int, *, version: str | None = None, previous: Report | None = None
) -> Report:
    version = version or ("v2019" if year < 2021 else "v2021")
    late = rng.random() < 0.1  # a few reports are uploaded after the statutory deadline
    month = rng.randint(4, 11) if late else rng.randint(1, 3)
    published = f"{year + 1}-{month:02d}-{rng.randint(1, 28):02d}"
    return Report(
        unit=unit,
        year=year,
        version=version,
        published=published,
        title=make_title(rng, unit, year),
        index_no=f"{rng.randint(10**8, 10**9 - 1)}/{year + 1}-{rng.randint(1, 99999):05d}",
        doc_no="" if rng.random() < 0.7 else f"示政办〔{year + 1}〕{rng.randint(1, 40)}号",
        active=_active(rng, version, previous),
        applications=_applications(rng, version, previous),
        review=_review(rng),
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _td(text: object, rowspan: int = 1, colspan: int = 1) -> str:
    span = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{span}>{_e(text)}</td>"


ACTIVE_LAYOUT = {
    "v2021": [
        (
            "第二十条第（一）项",
            ["本年制发件数", "本年废止件数", "现行有效件数"],
            [("regulations", "规章"), ("normative_docs", "行政规范性文件")],
        ),
        ("第二十条第（五）项", ["本年处理决定数量"], [("admin_licensing", "行政许可")]),
        ("第二十条第（六）项", ["本年处理决定数量"], [("admin_penalty", "行政处罚"), ("admin_coercion", "行政强制")]),
        ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("admin_fees", "行政事业性收费")]),
    ],
    "v2019": [
        (
            "第二十条第（一）项",
            ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
            [("regulations", "规章"), ("normative_docs", "规范性文件")],
        ),
        (
            "第二十条第（五）项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("admin_licensing", "行政许可"), ("other_admin_services", "其他对外管理服务事项")],
        ),
        (
            "第二十条第（六）项",
            ["上一年项目数量", "本年增/减", "处理决定数量"],
            [("admin_penalty", "行政处罚"), ("admin_coercion", "行政强制")],
        ),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("admin_fees", "行政事业性收费")]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额"], [("gov_central_procurement", "政府集中采购")]),
    ],
}


def active_table(report: Report) -> str:
    rows = []
    for article, headers, items in ACTIVE_LAYOUT[report.version]:
        rows.append(f"<tr>{_td(article, colspan=4)}</tr>")
        span = 3 // len(headers) if len(headers) < 3 else 1
        rows.append("<tr>" + _td("信息内容") + "".join(_td(h, colspan=span) for h in headers) + "</tr>")
        for key, label in items:
            values = list(report.active[key].values())
            rows.append("<tr>" + _td(label) + "".join(_td(v, colspan=span) for v in values) + "</tr>")
    return '<table border="1" cellspacing="0">' + "".join(rows) + "</table>"


def _app_row(cells: list[str], table: dict[str, dict[str, int]], key: str) -> str:
    return "<tr>" + "".join(cells) + "".join(_td(table[c][key]) for c in [*APP_COLS, "total"]) + "</tr>"


def applications_table(report: Report) -> str:
    t = report.applications
    head = (
        "<tr>"
        + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3)
        + _td("申请人情况", colspan=7)
        + "</tr>"
        "<tr>" + _td("自然人", 2) + _td("法人或其他组织", colspan=5) + _td("总计", 2) + "</tr>"
        "<tr>" + "".join(_td(x) for x in ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]) + "</tr>"
    )
    others = OTHER_V2021 if report.version == "v2021" else ["other_total"]
    n_result = len(APP_ROWS_RESULT) + len(others) + 1
    rows = [_app_row([_td("一、本年新收政府信息公开申请数量", colspan=3)], t, "new_received")]
    rows.append(_app_row([_td("二、上年结转政府信息公开申请数量", colspan=3)], t, "carried_over"))
    group_sizes = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5}
    seen: set[str] = set()
    for i, (key, group, label) in enumerate(APP_ROWS_RESULT):
        cells = [_td("三、本年度办理结果", n_result)] if i == 0 else []
        if group is None:
            cells.append(_td(label, colspan=2))
        else:
            cells += [] if group in seen else [_td(group, group_sizes[group])]
            seen.add(group)
            cells.append(_td(label))
        rows.append(_app_row(cells, t, key))
    if report.version == "v2021":
        for j, (key, label) in enumerate(zip(OTHER_V2021, OTHER_LABELS_V2021, strict=True)):
            rows.append(_app_row(([_td("（六）其他处理", 3)] if j == 0 else []) + [_td(label)], t, key))
    else:
        rows.append(_app_row([_td("（六）其他处理", colspan=2)], t, "other_total"))
    rows.append(_app_row([_td("（七）总计", colspan=2)], t, "results_total"))
    rows.append(_app_row([_td("四、结转下年度继续办理", colspan=3)], t, "carried_forward"))
    return '<table border="1" cellspacing="0">' + head + "".join(rows) + "</table>"


def review_table(report: Report) -> str:
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    row1 = "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>"
    row2 = (
        "<tr>"
        + "".join(_td(h, 2) for h in heads)
        + _td("未经复议直接起诉", colspan=5)
        + _td("复议后起诉", colspan=5)
        + "</tr>"
    )
    row3 = "<tr>" + "".join(_td(h) for h in heads * 2) + "</tr>"
    values = [report.review[r][c] for r in REVIEW_ROWS for c in [*REVIEW_COLS, "total"]]
    row4 = "<tr>" + "".join(_td(v) for v in values) + "</tr>"
    return '<table border="1" cellspacing="0">' + row1 + row2 + row3 + row4 + "</table>"


def _p(text: str) -> str:
    return f"<p>{_e(text)}</p>"


def report_body_html(report: Report) -> str:
    """The report as portals print it inside the article container: six headings, three tables."""
    total = report.applications["total"]
    overview = (
        f"根据《中华人民共和国政府信息公开条例》要求，现公布{report.unit}{report.year}年政府信息公开工作年度报告。"
        f"{report.year}年，本机关共收到政府信息公开申请{total['new_received']}件，"
        f"上年结转{total['carried_over']}件，办结{total['results_total']}件。"
    )
    parts = [
        _p(HEADINGS[0]), _p(overview), _p("（一）主动公开情况。持续完善政府信息公开平台，及时发布政策文件。"),
        _p(HEADINGS[1]), active_table(report),
        _p(HEADINGS[2]), applications_table(report),
        _p(HEADINGS[3]), review_table(report),
        _p(HEADINGS[4]), _p("一是公开内容的全面性仍需加强；二是政策解读形式较为单一。下一步将加强培训，提升公开质量。"),
        _p(HEADINGS[5]), _p(f"{report.year}年未收取信息处理费。本机关无其他需要报告的事项。"),
    ]  # fmt: skip
    return "\n".join(parts)


def meta_block(report: Report, agency: str) -> str:
    """The 政府信息公开 metadata table (portals.md §1.4), with ideographic spaces in labels as printed."""
    cells = [
        ("索引号", report.index_no), ("主题分类", "综合政务/政务公开"),
        ("发布机构", agency), ("成文日期", report.published),
        ("文\u3000\u3000号", report.doc_no), ("发布日期", report.published),
    ]  # fmt: skip
    rows = ["".join(f"<th>{_e(k)}</th><td>{_e(v)}</td>" for k, v in cells[i : i + 2]) for i in range(0, 6, 2)]
    return '<table class="xxgk_table">' + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def detail_page(
    report: Report,
    *,
    site: str,
    charset: str = "utf-8",
    attachments: list[tuple[str, str]] = (),
    body_html: str | None = None,
) -> str:
    """A TRS-style detail page; `attachments` are (href, link text) pairs."""
    links = "".join(f'<p><a href="{_e(h)}">{_e(t)}</a></p>' for h, t in attachments)
    body = report_body_html(report) if body_html is None else body_html
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{_e(report.title)}_{_e(site)}</title>
<meta name="SiteName" content="{_e(site)}"><meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{_e(report.title)}"><meta name="PubDate" content="{report.published} 09:30">
<meta name="ContentSource" content="{_e(report.unit)}">
</head><body><div class="header">{_e(site)}</div>
<div class="crumb">首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
{meta_block(report, report.unit)}
<h1 class="title">{_e(report.title)}</h1>
<div class="info">发布日期：{report.published}　来源：{_e(report.unit)}</div>
<div class="TRS_Editor">
{body}
</div>
<div class="fj">{links}</div>
<div class="footer">主办：{_e(site)}办公室</div></body></html>
"""


def report_text(report: Report) -> list[str]:
    """Plain paragraphs for attachment files (PDF/DOCX)."""
    t = report.applications["total"]
    return [
        report.title, HEADINGS[0], f"本年共收到政府信息公开申请{t['new_received']}件，办结{t['results_total']}件。",
        HEADINGS[1], HEADINGS[2], HEADINGS[3], HEADINGS[4], HEADINGS[5],
    ]  # fmt: skip


def tiny_pdf(lines: list[str]) -> bytes:
    """A small PDF with CJK text (reportlab's built-in STSong-Light CID font); byte-identical per input."""
    from reportlab.pdfbase import pdfmetrics  # dev dependency; imported here so crawling never needs it
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setFont("STSong-Light", 11)
    for i, line in enumerate(lines):
        c.drawString(60, 780 - 18 * i, line)
    c.save()
    return buf.getvalue()


def tiny_docx(lines: list[str]) -> bytes:
    """A minimal valid .docx (one paragraph per line), with fixed zip timestamps so it is reproducible."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paras = "".join(f"<w:p><w:r><w:t>{_e(line)}</w:t></w:r></w:p>" for line in lines)
    pkg = "http://schemas.openxmlformats.org/package/2006"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    rel_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    parts = {
        "[Content_Types].xml": f'{head}<Types xmlns="{pkg}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="rId1" Type="{rel_type}" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f"{head}<w:document {ns}><w:body>{paras}</w:body></w:document>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()
