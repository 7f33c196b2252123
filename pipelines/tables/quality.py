"""Report quality from an extraction: `ok` only with all three tables, every check passed, no flags."""

from __future__ import annotations

from pipelines.tables.model import TABLE_NAMES, TableExtraction


def quality(extraction: TableExtraction) -> tuple[str, list[str]]:
    """(level, reasons): `ok` or `warning`. The store decides `error` for inputs it could not read."""
    reasons = []
    missing = [t for t in TABLE_NAMES if t not in extraction.tables_found]
    if extraction.template in ("none", "pre2019"):
        reasons.append(f"no 2019/2021 statistical tables (template {extraction.template})")
    elif missing:
        reasons.append("tables not found: " + ", ".join(missing))
    for check in extraction.checks:
        if not check.passed:
            kind = "hard" if check.hard else "soft"
            reasons.append(f"{check.rule} {check.scope} failed ({kind}): {check.detail}")
    return ("ok" if not reasons else "warning"), reasons
