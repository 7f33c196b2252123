"""Chinese publication dates and report years: pure functions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(text: str | None) -> str | None:
    """«2024年1月26日», «2024-01-26 09:30», «2024/1/26», «[2024.01.26]» → «2024-01-26»; Unix seconds too."""
    if not text:
        return None
    text = str(text).strip()
    if re.fullmatch(r"\d{9,10}", text):
        return datetime.fromtimestamp(int(text), tz=UTC).date().isoformat()
    match = _DATE.search(text)
    return _iso(*match.groups()) if match else None


# TRS `/t20240118_4411328.html`, Hanweb `/art/2024/1/18/art_…`: the date a CMS put into the page's URL.
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/")


def url_date(url: str | None) -> str | None:
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    return _iso(*(match.groups()[:3] if match.group(1) else match.groups()[3:]))


def all_dates(text: str) -> list[tuple[int, str]]:
    """Every valid date in `text` with its offset, in order."""
    found = []
    for match in _DATE.finditer(text):
        iso = _iso(*match.groups())
        if iso:
            found.append((match.start(), iso))
    return found


def _iso(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def plausible_year(year: int, published: str | None = None) -> bool:
    """Reports exist from 2008 (the first 条例); a report year cannot be after its publication."""
    if not 2007 <= year <= date.today().year:
        return False
    return published is None or year <= int(published[:4])
