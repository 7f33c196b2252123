"""Division codes for spiders: validity of a portal's code and of a `-a region=` prefix.

The table itself (`data/regions.csv`, built by `scrapy regions`: current codes down to townships, plus the
earlier codes reports still carry) is read by `pipelines.regions`; codes 99xxxx at its end are not real
codes: they name the synthetic demo county of `scrapy crawl demo`, so made-up reports are never
attributed to a real place.
"""

from __future__ import annotations

from pipelines.regions import is_valid_code, load_regions

__all__ = ["is_valid_code", "is_valid_prefix"]


def is_valid_prefix(prefix: str) -> bool:
    """2, 4, 6 or 9 digits that start at least one known code."""
    if not (isinstance(prefix, str) and len(prefix) in (2, 4, 6, 9) and prefix.isdigit()):
        return False
    return any(code.startswith(prefix) for code in load_regions())
