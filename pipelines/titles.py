"""Report titles: what names a 年报, its year, and a title without the site's name. Pure functions.

Shared by the spiders (which links of a listing to follow) and metadata (which title to keep), so that the
two agree on what a report title is (portals.md §8.2).
"""

from __future__ import annotations

import re
import unicodedata

REPORT_WORDS = re.compile(r"年度报告|年报|信息公开.{0,12}报告")
# 解读 (explainers), 工作要点 (plans), budgets and audits carry report-like words but are other documents.
EXCLUDE_WORDS = re.compile(r"解读|图解|工作要点|预算|决算|统计公报|审计")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_BARE_YEAR = re.compile(r"(?:19|20)\d{2}")
# «…年度报告_示例县人民政府网» / «… - 示例市政府门户网站»: the site's name after a separator.
_SITE_SUFFIX = re.compile(r"\s*(?:_{1,2}|-{1,2}|—|\|)\s*(?=[^_\-—|]*(?:网|政府|门户)[^_\-—|]*$)")
_SPACE = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """NFKC (full-width digits and colons), ideographic spaces removed, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "").replace("\u3000", " ")).strip()


def is_report_title(title: str | None) -> bool:
    """A 年报 title: a year plus 年度报告/年报/信息公开…报告, and not 解读/工作要点/预决算."""
    text = norm(title)
    return bool(_BARE_YEAR.search(text)) and bool(REPORT_WORDS.search(text)) and not EXCLUDE_WORDS.search(text)


def title_year(title: str | None) -> int | None:
    """The year a title names («2023年…», «２０２３年度…»)."""
    match = _YEAR.search(norm(title))
    return int(match.group(1)) if match else None


def site_suffix(title: str | None) -> str | None:
    """The site's name a page title ends with («…年度报告_示例县人民政府网» → 示例县人民政府网), or None."""
    parts = _SITE_SUFFIX.split(title or "")
    return parts[-1].strip() or None if len(parts) > 1 else None


def clean_title(title: str | None) -> str | None:
    """Without the site's name, spaces, quotes and a leading 关于."""
    if not title:
        return None
    title = _SITE_SUFFIX.split(title)[0]
    title = _SPACE.sub("", title).strip('《》"“”')
    return re.sub(r"^关于", "", title) or None
