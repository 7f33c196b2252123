"""`scrapy site -o DIR`: a static website of the database that opens offline in any browser.

Pages: `index.html` (regions and agencies, data quality at a glance), `agency/<id>.html` (year-over-year
charts: applications received, outcome shares, review/litigation corrected; failed checks linked to
the source), `region/<code>.html` (its agencies compared, with small-number guards), `quality.html`
(quality shares, most frequent failed checks) and `compliance.html` (the mandated form). Charts are
SVG drawn in Python (`charts.py`): no script, no CDN.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from research import outdir
from research.site.data import load
from research.site.html import CSS
from research.site.overview import compliance_page, empty_page, index_page, quality_page
from research.site.units import agency_page, region_page


def build_site(conn: sqlite3.Connection, root: Path) -> list[str]:
    """Write the site into `root` (prepared by `outdir.prepare`); returns the pages written."""
    data = load(conn)
    pages: dict[str, str] = {}
    if data.empty:
        pages = {"index.html": empty_page(), "quality.html": empty_page(), "compliance.html": empty_page()}
    else:
        names = {code: region.full_name or region.name for code, region in data.regions.items()}
        pages["index.html"] = index_page(data, names)
        pages["quality.html"] = quality_page(data)
        pages["compliance.html"] = compliance_page(data)
        for agency in data.agencies.values():
            pages[f"agency/{agency.slug}.html"] = agency_page(agency, data, names)
        for region in data.regions.values():
            pages[f"region/{region.code}.html"] = region_page(region, data, names)
    outdir.write_text(root, "site.css", CSS)
    for name, html in pages.items():
        outdir.write_text(root, name, html)
    return ["site.css", *pages]
