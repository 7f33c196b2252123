"""Pages about one agency or one region."""

from __future__ import annotations

from html import escape

from research.site import charts
from research.site.data import MIN_CASES, OUTCOMES, Agency, Region, SiteData, rate, slug
from research.site.html import cell, link, page, quality_label, source_link, table, year

FIGURE_LABELS = (
    ("new_received", "新收申请"),
    ("carried_over", "上年结转"),
    ("granted", "予以公开"),
    ("partially_granted", "部分公开"),
    ("denied", "不予公开"),
    ("results_total", "办理结果总计"),
    ("carried_forward", "结转下年度"),
    ("review_total", "行政复议"),
    ("review_corrected", "复议结果纠正"),
    ("lit_direct_total", "直接起诉"),
    ("lit_after_review_total", "复议后起诉"),
    ("normative_docs_in_force", "规范性文件现行有效"),
    ("licensing_decisions", "行政许可决定"),
    ("penalty_decisions", "行政处罚决定"),
    ("fee_amount_wan", "收费金额（万元）"),
)


def _sum(*values):
    """Sum of values, or None if any is unknown (a blank is not 0)."""
    return None if any(v is None for v in values) else sum(values)


def litigation(report: dict) -> tuple[int | None, int | None]:
    total = _sum(report["lit_direct_total"], report["lit_after_review_total"])
    corrected = _sum(report["lit_direct_corrected"], report["lit_after_review_corrected"])
    return total, corrected


def agency_page(agency: Agency, data: SiteData, region_names: dict[str, str]) -> str:
    years = agency.by_year()
    labels = [str(year) for year in years]
    reports = list(years.values())
    parts = [_agency_facts(agency, region_names)]
    received = charts.bar_chart(
        "本年新收申请（件）", labels, charts.series([("新收申请", [r["new_received"] for r in reports])])
    )
    flagged = [f"{y}*" if (r["results_total"] or 0) < MIN_CASES else str(y) for y, r in years.items()]
    shares = charts.bar_chart(
        "办理结果构成（%）", flagged, charts.series([(name, [r[key] for r in reports]) for key, name in OUTCOMES]),
        stacked=True, percent=True,
    )  # fmt: skip
    review = charts.bar_chart(
        "行政复议、行政诉讼（件）",
        labels,
        charts.series(
            [
                ("复议总数", [r["review_total"] for r in reports]),
                ("复议纠正", [r["review_corrected"] for r in reports]),
                ("诉讼总数", [litigation(r)[0] for r in reports]),
                ("诉讼纠正", [litigation(r)[1] for r in reports]),
            ]
        ),
    )
    parts.append(f'<div class="charts">{received}{shares}{review}</div>')
    parts.append(
        f'<p class="note">* fewer than {MIN_CASES} applications handled that year: the shares are shown, '
        "but say little. A bar missing means the figure is blank in the report (unknown), not 0.</p>"
    )
    parts.append("<h2>Headline figures by year</h2>")
    rows = [[escape(label)] + [cell(r[key]) for r in reports] for key, label in FIGURE_LABELS]
    parts.append(table(["figure", *labels], rows, numeric=set(range(1, len(labels) + 1))))
    parts.append(_reports_table(agency))
    parts.append(_failed_checks(agency, data))
    return page(agency.name, "\n".join(parts), depth=1)


def _agency_facts(agency: Agency, region_names: dict[str, str]) -> str:
    regions = ", ".join(
        link(f"../region/{code}.html", region_names.get(code, code)) for code in sorted(agency.region_codes)
    )
    years = sorted({r["year"] for r in agency.reports if r["year"]})
    span = f"{years[0]}–{years[-1]}" if years else "—"
    return f"<p>Region: {regions or '—'} · reports: {len(agency.reports)} · years {span}</p>"


def _reports_table(agency: Agency) -> str:
    rows = [
        [year(r["year"]), source_link(r["source"], r["title"] or r["source"] or ""), cell(r["template"]),
         quality_label(r["quality"]), cell(r["region_source"])]
        for r in sorted(agency.reports, key=lambda r: (r["year"] or 0, r["id"]))
    ]  # fmt: skip
    return "<h2>Reports</h2>" + table(["year", "report (source)", "template", "quality", "region from"], rows, {0})


def _failed_checks(agency: Agency, data: SiteData) -> str:
    rows = []
    for report in sorted(agency.reports, key=lambda r: (r["year"] or 0, r["id"])):
        for check in data.failed.get(report["id"], []):
            rows.append(
                [year(report["year"]), source_link(report["source"], "source"), cell(check["rule"]),
                 cell(check["scope"]), cell(check["severity"]), cell(check["detail"])]
            )  # fmt: skip
    if not rows:
        return "<h2>Failed checks</h2><p>Every check passed.</p>"
    headers = ["year", "report", "rule", "scope", "severity", "detail"]
    return f"<h2>Failed checks ({len(rows)})</h2>" + table(headers, rows, {0})


def region_page(region: Region, data: SiteData, region_names: dict[str, str]) -> str:
    """Agencies of the region (and of the regions below it) compared on their latest report."""
    reports = [r for r in data.reports if r["id"] in region.report_ids]
    latest: dict[str, dict] = {}
    for report in sorted(reports, key=lambda r: (r["year"] or 0, r["id"])):
        if report["agency"]:
            latest[report["agency"]] = report
    ranked = sorted(latest.values(), key=lambda r: -(r["new_received"] or -1))
    names = [r["agency"] for r in ranked]
    received = charts.hbar_chart("本年新收申请（件，最近一年）", names, [r["new_received"] for r in ranked])
    grant = [rate(_sum(r["granted"], r["partially_granted"]), r["results_total"]) for r in ranked]
    notes = [
        None
        if value is not None
        else (f"n={r['results_total']} <{MIN_CASES}" if r["results_total"] is not None else None)
        for value, r in zip(grant, ranked, strict=True)
    ]
    granted = charts.hbar_chart("公开率（予以公开+部分公开，%）", names, grant, unit="%", notes=notes)
    parts = [
        f"<p>Division code {escape(region.code)} ({escape(region.level or 'level unknown')}) · "
        f"{len(reports)} reports from {len(latest)} agencies, here and in the divisions below</p>",
        _children(region, data, region_names),
        f'<div class="charts">{received}{granted}</div>' if ranked else "<p>No report names its agency.</p>",
        f'<p class="note">Rates are shown only for at least {MIN_CASES} cases (applications handled; reviews and '
        "lawsuits); below that the count is shown instead. — means blank in the report (unknown).</p>",
        "<h2>Agencies compared (latest report of each)</h2>",
        _comparison(ranked),
    ]
    return page(region.name if not region.full_name else region.full_name, "\n".join(parts), depth=1)


def _children(region: Region, data: SiteData, region_names: dict[str, str]) -> str:
    children = [r for r in data.regions.values() if r.parent == region.code and r.report_ids]
    if not children:
        return ""
    items = ", ".join(link(f"{c.code}.html", f"{region_names[c.code]} ({len(c.report_ids)})") for c in children)
    return f"<p>Within: {items}</p>"


def _guarded(part, whole) -> str:
    value = rate(part, whole)
    if value is not None:
        return f"{value:.1f}%"
    if whole is None or part is None:
        return "—"
    return f'<span class="flag">n={whole} (&lt;{MIN_CASES}, no rate)</span>'


def _comparison(ranked: list[dict]) -> str:
    rows = []
    for r in ranked:
        lit_total, lit_corrected = litigation(r)
        cases = _sum(r["review_total"], lit_total)
        corrected = _sum(r["review_corrected"], lit_corrected)
        rows.append(
            [link(f"../agency/{slug(r['agency'])}.html", r["agency"]), year(r["year"]), cell(r["new_received"]),
             cell(r["results_total"]), _guarded(_sum(r["granted"], r["partially_granted"]), r["results_total"]),
             cell(cases), _guarded(corrected, cases), quality_label(r["quality"])]
        )  # fmt: skip
    headers = ["agency", "year", "新收申请", "办理总计", "公开率", "复议+诉讼", "纠正率", "quality"]
    return table(headers, rows, {1, 2, 3, 4, 5, 6})
