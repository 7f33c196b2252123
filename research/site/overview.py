"""Pages about the whole database: the index, data quality, compliance with the mandated form."""

from __future__ import annotations

from collections import Counter
from html import escape

from research.site import charts
from research.site.data import MIN_CASES, SiteData
from research.site.html import cell, link, page, quality_label, source_link, table, year

QUALITIES = ("ok", "warning", "error")
FORM_RULES = (
    ("form.section", "六个部分齐全"),
    ("form.order", "部分顺序"),
    ("form.numbering", "部分编号"),
    ("form.heading", "法定标题"),
    ("form.table", "三张统计表"),
    ("form.fee_statement", "信息处理费说明"),
)


def empty_page() -> str:
    body = (
        '<p class="empty">The database holds no reports yet, so there is nothing to show. '
        "Fill it first, e.g. <code>scrapy crawl demo</code> (offline demo portal) or "
        "<code>scrapy ingest PATH</code>, then run <code>scrapy site -o DIR</code> again.</p>"
    )
    return page("No reports yet", body)


def _quality_by_year(data: SiteData, shares: bool = False) -> str:
    years = sorted({r["year"] for r in data.reports if r["year"]})
    counts = Counter((r["year"], r["quality"]) for r in data.reports)
    title = "报告质量构成（%，按年度）" if shares else "报告数量与质量（按年度）"
    return charts.bar_chart(
        title, [str(y) for y in years],
        charts.series([(q, [counts[(y, q)] or None for y in years]) for q in QUALITIES]), stacked=True, percent=shares,
    )  # fmt: skip


def index_page(data: SiteData, region_names: dict[str, str]) -> str:
    quality = Counter(r["quality"] for r in data.reports)
    years = sorted({r["year"] for r in data.reports if r["year"]})
    span = f"{years[0]}–{years[-1]}" if years else "—"
    no_agency = sum(1 for r in data.reports if not r["agency"])
    no_region = sum(1 for r in data.reports if r["region_code"] not in region_names)
    summary = (
        f"<p>{len(data.reports)} reports · {len(data.agencies)} agencies · {len(data.regions)} regions · years {span}"
        f" · quality: {' · '.join(f'{quality_label(q)} {quality[q]}' for q in QUALITIES)}</p>"
    )
    unplaced = f'<p class="note">{no_agency} report(s) name no agency and {no_region} carry no known region code; '
    unplaced += "they are in the exports and the quality page, not on agency or region pages.</p>"
    parts = [summary, f'<div class="charts">{_quality_by_year(data)}</div>', unplaced]
    parts += ["<h2>Regions</h2>", _regions_table(data, region_names), "<h2>Agencies</h2>", _agencies_table(data)]
    return page("总览 Overview", "\n".join(parts))


def _regions_table(data: SiteData, region_names: dict[str, str]) -> str:
    by_id = {r["id"]: r for r in data.reports}
    rows = []
    for region in data.regions.values():
        reports = [by_id[i] for i in region.report_ids]
        agencies = {r["agency"] for r in reports if r["agency"]}
        ok = sum(1 for r in reports if r["quality"] == "ok")
        rows.append(
            [link(f"region/{region.code}.html", region_names[region.code]), escape(region.code),
             escape(region.level or ""), cell(len(reports)), cell(len(agencies)), f"{100 * ok / len(reports):.0f}%"]
        )  # fmt: skip
    return table(["region", "code", "level", "reports", "agencies", "quality ok"], rows, {3, 4, 5})


def _agencies_table(data: SiteData) -> str:
    rows = []
    for agency in data.agencies.values():
        years = sorted({r["year"] for r in agency.reports if r["year"]})
        quality = Counter(r["quality"] for r in agency.reports)
        hard = sum(1 for r in agency.reports for c in data.failed.get(r["id"], []) if c["severity"] == "hard")
        latest = agency.latest()
        rows.append(
            [link(f"agency/{agency.slug}.html", agency.name), cell(latest["county"] or latest["city"] or latest["province"]),
             escape(f"{years[0]}–{years[-1]}" if years else "—"), cell(len(agency.reports)),
             " ".join(f"{quality_label(q)}&nbsp;{quality[q]}" for q in QUALITIES if quality[q]),
             cell(latest["new_received"]), cell(hard)]
        )  # fmt: skip
    headers = ["agency", "region", "years", "reports", "quality", "新收申请 (latest)", "hard checks failed"]
    return table(headers, rows, {3, 5, 6})


def quality_page(data: SiteData) -> str:
    total = len(data.reports)
    counts = [c for c in data.check_counts if not c[0].startswith("form.")]  # those are on compliance.html
    top = counts[:15]
    chart = charts.hbar_chart(
        "最常见的未通过检查（报告数）", [f"{rule} ({severity})" for rule, severity, _ in top], [n for *_, n in top]
    )
    rows = [
        [escape(rule), escape(severity), cell(n), f"{100 * n / total:.0f}%"] for rule, severity, n in data.check_counts
    ]
    errors = [
        [cell(r["agency"]), year(r["year"]), source_link(r["source"], r["title"] or r["source"] or "")]
        for r in data.reports if r["quality"] == "error"
    ]  # fmt: skip
    parts = [
        f"<p>{total} reports. <b>ok</b>: all three tables found and every hard rule passes; <b>warning</b>: "
        "something is missing or a published number breaks a rule (see the checks); <b>error</b>: unreadable.</p>",
        f'<div class="charts">{_quality_by_year(data, shares=True)}{chart if top else ""}</div>',
        "<h2>Failed checks by rule</h2>",
        '<p class="note">The form checks (form.*) are on the <a href="compliance.html">compliance page</a>.</p>',
        table(["rule", "severity", "reports failing", "share of reports"], rows, {2, 3}),
        f"<h2>Unreadable reports ({len(errors)})</h2>",
        table(["agency", "year", "report (source)"], errors, {1}) if errors else "<p>None.</p>",
    ]
    return page("数据质量 Data quality", "\n".join(parts))


def compliance_page(data: SiteData) -> str:
    if not data.compliance:
        return page("格式合规 Compliance", "<p>No report was checked against the mandated form (all before 2019?).</p>")
    checked = len(data.compliance)
    counts = [data.form_rules.get(rule, (0, 0)) for rule, _ in FORM_RULES]
    shares = [100.0 * (n - failing) / n if n else None for n, failing in counts]
    notes = [f"{n - failing}/{n}" for n, failing in counts]
    labels = [label for _, label in FORM_RULES]
    chart = charts.hbar_chart("符合要求的报告比例（%）", labels, shares, unit="%", notes=notes)
    parts = [
        f"<p>{checked} reports from 2019 on checked against the mandated form (国办公开办函〔2019〕60号, "
        "〔2021〕30号): six sections in order and numbered, statutory headings, the three tables in their sections, "
        "and from 2021 the statement on 信息处理费 in section 六.</p>",
        f'<div class="charts">{chart}</div>',
        "<h2>Agencies ranked by share of form checks passed</h2>",
        _ranking(data),
        "<h2>Reports with form problems</h2>",
        _form_failures(data),
    ]
    return page("格式合规 Compliance", "\n".join(parts))


def _ranking(data: SiteData) -> str:
    totals: dict[str, list[int]] = {}
    for row in data.compliance:
        if row["agency"]:
            entry = totals.setdefault(row["agency"], [0, 0, 0])
            entry[0] += row["form_checks"]
            entry[1] += row["form_checks"] - row["form_failed"]
            entry[2] += 1
    ranked = sorted(totals.items(), key=lambda item: (item[1][0] < MIN_CASES, -item[1][1] / item[1][0], item[0]))
    shares = [ok / checks for _, (checks, ok, _) in ranked if checks >= MIN_CASES]
    rows = []
    for agency, (checks, ok, reports) in ranked:
        small = checks < MIN_CASES
        place = 1 + sum(1 for other in shares if other > ok / checks)  # ties share a place
        share = f'<span class="flag">{100 * ok / checks:.0f}% (n={checks} &lt;{MIN_CASES}, not ranked)</span>'
        rows.append(
            ["" if small else str(place), link(f"agency/{data.agencies[agency].slug}.html", agency), cell(reports),
             cell(checks), share if small else f"{100 * ok / checks:.1f}%"]
        )  # fmt: skip
    return table(["rank", "agency", "reports", "form checks", "passed"], rows, {0, 2, 3, 4})


def _form_failures(data: SiteData) -> str:
    by_id = {r["id"]: r for r in data.reports}
    rows = [
        [cell(row["agency"]), year(row["year"]), cell(row["form_failed"]), cell(row["failures"]),
         source_link(by_id[row["report_id"]]["source"], "source")]
        for row in data.compliance if row["form_failed"]
    ]  # fmt: skip
    if not rows:
        return "<p>Every checked report follows the form.</p>"
    return table(["agency", "year", "problems", "what", "report"], rows, {1, 2})
