"""ExtractTablesPipeline: the statistical tables → canonical cells, checks and report quality."""

from __future__ import annotations

from pipelines.tables import extract_tables
from pipelines.tables.model import TableExtraction


def quality_of(tables: TableExtraction, sections: list) -> tuple[str, list[str]]:
    """ok only when all three tables were found and every hard rule passed."""
    try:
        from pipelines.tables.quality import quality
    except ImportError:
        quality = None
    if quality is not None:
        return quality(tables)
    reasons = [f"failed {check.rule} ({check.scope}): {check.detail}" for check in tables.checks if not check.passed]
    missing = {"active_disclosure", "applications", "review_litigation"} - tables.tables_found
    reasons += [f"table missing: {name}" for name in sorted(missing)]
    return ("ok" if not reasons else "warning"), reasons


class ExtractTablesPipeline:
    """Adds `parsed.tables` and sets `parsed.quality` / `parsed.reasons`."""

    def process_item(self, item):
        parsed = item.parsed
        if parsed.unchanged:
            return item
        if parsed.error:
            parsed.quality, parsed.reasons = "error", [parsed.error]
            return item
        parsed.tables = extract_tables(parsed.document)
        parsed.quality, parsed.reasons = quality_of(parsed.tables, parsed.sections)
        if not parsed.sections and parsed.tables.template == "none":
            parsed.quality = "error"
            parsed.reasons.insert(0, "not a report: no report sections and no statistical tables")
        return item
