"""Report metadata: title, agency, year, publication date, the 索引号 block, region code.

Each value comes from the most trustworthy place that has it (HTML <meta> tags and the
metadata block, then the title line, then sentences of the report itself, then hints from
where the document came from: the listing title, or the file name for local documents),
and records where it came from so researchers can judge it (`reports.field_sources`).
The year comes from the document (title, sentences, the year it talks about, its publication
date); a year in the file name is the last resort — never for the blank report form, which is
about no year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from pipelines.dates import all_dates, parse_date, plausible_year, url_date
from pipelines.document import Document
from pipelines.regions import is_within, region_code_for, region_name_at, region_names_in
from pipelines.titles import REPORT_WORDS, clean_title, site_suffix, title_year

# Organisation names end in one of these (longest first so 管理委员会 wins over 会).
_ORG_SUFFIX = (
    r"(?:人民政府办公厅|人民政府办公室|人民政府|管理委员会|委员会|街道办事处|办事处|政府办公室|政府办|"
    r"办公厅|办公室|厅|局|委|署|院|中心|总局|办|馆|会)"
)
_ORG = rf"[\u4e00-\u9fff（）()]{{2,30}}?{_ORG_SUFFIX}"
_YEAR_NUM = r"((?:19|20)\d{2})"
_YEAR = _YEAR_NUM + r"\s*年度?"
# Compiled once: these run on every report (re's own cache still costs a lookup and an f-string per call).
_YEAR_RE = re.compile(_YEAR)
_ORG_RE = re.compile(_ORG)
_YEAR_MENTION = re.compile(rf"{_YEAR_NUM}\s*年(?!\d{{1,2}}月\d)")
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_BEFORE_YEAR = re.compile(rf"(.+?){_YEAR}")
_AFTER_YEAR = re.compile(rf"{_YEAR}(.+?)(?:关于)?(?:政府信息公开|政务公开)")
_FIRST_SECTION = re.compile(r"(?:^|\s)一\s*[、.．]\s*(?:总体|基本)情况")
_WIDE_GAP = re.compile(r"\s{2,}")
_SENTENCE_PUNCT = re.compile(r"[，。；,;！]")
_REPORT_END = re.compile(r"(年度报告|工作报告|年报)$")
_WHITESPACE = re.compile(r"\s+")
_ORG_LEAD = re.compile(r"^(关于|发布|现将|编写了)")
_FIELD_KEYS = {"index_no": ("索引号",), "publisher": ("发布机构", "发文机关", "公开主体"),
               "doc_date": ("发文日期", "成文日期", "生成日期"), "doc_number": ("文号", "发文字号")}  # fmt: skip


@dataclass
class Metadata:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    region_code: str | None = None
    index_no: str | None = None
    publisher: str | None = None
    doc_date: str | None = None
    doc_number: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field → where it came from


def extract_metadata(
    document: Document, hints: dict | None = None, filename: str | None = None, url: str | None = None
) -> Metadata:
    """`hints`: what the listing said of the document (`list_title`, `list_date`) and the portal's
    `region_code`; `filename`: the file's name for local documents; `url`: where it was fetched."""
    hints = hints or {}
    text = document.text
    meta = Metadata()
    fields = {**text_field_block(text), **document.meta}
    for name, labels in _FIELD_KEYS.items():
        setattr(meta, name, next((fields[label] for label in labels if fields.get(label)), None))
    _set(meta, "title", find_title(document), "document")
    _set(meta, "title", clean_title(hints.get("list_title")), "listing")
    _set(meta, "published", parse_date(fields.get("pubdate") or fields.get("发布日期")), "page")
    # (databases written before 2026-12 keep the spider's page date as `published`)
    _set(meta, "published", parse_date(hints.get("list_date") or hints.get("published")), "listing")
    _set(meta, "published", url_date(url), "url")
    _set(meta, "published", parse_date(meta.doc_date), "metadata block")
    _set(meta, "published", signature_date(text), "signature")
    _set(meta, "year", title_year(meta.title), "title")
    _set(meta, "year", year_from_text(text), "text")
    _set(meta, "year", most_mentioned_year(text), "most mentioned year")
    _check_year(meta)
    _set(meta, "year", int(meta.published[:4]) - 1 if meta.published else None, "publication year - 1")
    if not is_blank_form(text, meta.title):  # a blank form is about no year, whatever its file is called
        _set(meta, "year", year_from_name(filename), "file name")  # the last resort, recorded as such
        _check_year(meta)
    _set(meta, "agency", agency_from_title(meta.title), "title")
    _set(meta, "agency", meta.publisher, "metadata block")
    _set(meta, "agency", agency_from_text(text), "text")
    _set(meta, "agency", document.meta.get("contentsource"), "page")
    meta.agency = complete_agency(meta.agency, text) if meta.agency else None
    _set_region(meta, hints.get("region_code"), region_code_for(meta.agency), region_code_for(site_name(document)))
    return meta


def _set_region(meta: Metadata, portal: str | None, agency: str | None, site: str | None) -> None:
    """The region and how it was decided (`sources["region_code"]`, shown as report_summary.region_source):
    "portal" — the registered portal's division (a fact about where it was published); "agency in portal"
    — a division named in the agency name, inside the portal's (more precise: a county's bureau on the
    city portal); "agency" — named in the agency name, no portal known (a reading of the name);
    "site" — named in the web site's name (<meta SiteName>, the «…_XX市人民政府» title suffix), the
    weakest: a site may publish its departments' reports too."""
    if portal and agency and agency != portal and is_within(agency, portal):
        _set(meta, "region_code", agency, "agency in portal")
    _set(meta, "region_code", portal, "portal")
    _set(meta, "region_code", agency, "agency")
    _set(meta, "region_code", site, "site")


def site_name(document: Document) -> str | None:
    """The publishing web site's name: <meta name="SiteName">, else the «…_示例县人民政府» title suffix."""
    if document.meta.get("sitename"):
        return document.meta["sitename"]
    return site_suffix(document.meta.get("title"))


def _check_year(meta: Metadata) -> None:
    if meta.year and not plausible_year(meta.year, meta.published):
        meta.year = None
        meta.sources.pop("year", None)


# The official form's own wording: «政府信息公开工作年度报告格式模板», and «（文字描述）» where the text goes.
_BLANK_FORM = re.compile(r"格式模板|报告模板|[（(]\s*文字描述")


def is_blank_form(text: str, title: str | None) -> bool:
    """The document is the blank report form (its title says template, its sections say «文字描述»)."""
    return bool(_BLANK_FORM.search(title or "") or _BLANK_FORM.search(text[:20_000]))


_TEXT_FIELD = re.compile(
    r"(索\s*引\s*号|发\s*布\s*机\s*构|发\s*文\s*机\s*关|公\s*开\s*主\s*体|发\s*文\s*日\s*期|成\s*文\s*日\s*期|"
    r"生\s*成\s*日\s*期|发\s*布\s*日\s*期|发\s*文\s*字\s*号|文\s*号)\s*[:：|]\s*([^\s|:：]{1,60})"
)


def text_field_block(text: str) -> dict[str, str]:
    """«索引号 | 000014349/2024-06673 | 分类 | …» or «发布机构：…» lines before the report starts."""
    fields: dict[str, str] = {}
    for match in _TEXT_FIELD.finditer(text[:1500]):
        fields.setdefault(_WHITESPACE.sub("", match.group(1)), match.group(2))
    return fields


def _set(meta: Metadata, name: str, value, source: str) -> None:
    if getattr(meta, name) is None and value not in (None, ""):
        setattr(meta, name, value)
        meta.sources[name] = source


def find_title(document: Document) -> str | None:
    """<meta ArticleTitle>/<title>/PDF Title when it names a year's report, else the title line of the text."""
    meta_titles = [clean_title(document.meta.get(key)) for key in ("articletitle", "title")]
    meta_titles = [title for title in meta_titles if title and REPORT_WORDS.search(title)]
    for title in meta_titles:
        if _YEAR_RE.search(title):
            return title
    # a generic container title («政府信息公开工作年度报告», a file's Title field) loses to the text's own
    return title_from_text(document.text) or (meta_titles[0] if meta_titles else None)


def title_from_text(text: str) -> str | None:
    """A standalone line naming the report, before the first section (pieces split over two lines joined)."""
    head = _FIRST_SECTION.split(text, maxsplit=1)[0][:3000]
    pieces = [part.strip(" #*") for line in head.split("\n") for part in _WIDE_GAP.split(line)]
    pieces = [piece for piece in pieces if piece]
    for i, piece in enumerate(pieces):
        # A title may be split in two: «2024 年上海市科委政府信息公开工作» + «年度报告»,
        # «河北省工业和信息化厅» + «2020年政府信息公开工作年度报告».
        joined = clean_title(piece + pieces[i + 1]) if i + 1 < len(pieces) else None
        single = clean_title(piece)
        for title in (joined, single):
            if title and _is_title(title):
                return title
    return None


def _is_title(line: str) -> bool:
    if len(line) > 60 or _SENTENCE_PUNCT.search(line) or line.startswith(("附件", "根据", "依据", "发布")):
        return False
    return "信息公开" in line and bool(_REPORT_END.search(line))


_YEAR_SENTENCES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"统计期限\D{{0,4}}{_YEAR_NUM}\s*年\s*1\s*月",
        rf"{_YEAR}.{{0,30}}?(?:政府信息公开|政务公开).{{0,8}}(?:年度报告|工作报告|年报)",
        rf"(?:^|\n|\s{{2}})\s*(?:一\s*[、.．]\s*\S{{2,6}}情况\s*)?{_YEAR_NUM}\s*年(?:度|以来)?[，,]",
    )
)


def year_from_text(text: str) -> int | None:
    head = text[:20_000]
    for pattern in _YEAR_SENTENCES:
        match = pattern.search(head)
        if match:
            return int(match.group(1))
    return None


def most_mentioned_year(text: str) -> int | None:
    """The year the text talks about most («2020年…», «2020年度…»), when one clearly dominates."""
    counts: dict[int, int] = {}
    for match in _YEAR_MENTION.finditer(text):
        counts[int(match.group(1))] = counts.get(int(match.group(1)), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    if ranked and ranked[0][1] >= 3 and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
        return ranked[0][0]
    return None


def year_from_name(filename: str | None) -> int | None:
    """A year in the file name (the «source title» of a local document), e.g. ``…-2018-stats-table.txt``."""
    match = _NAME_YEAR.search(PurePath(filename or "").name)
    return int(match.group(1)) if match else None


def agency_from_title(title: str | None) -> str | None:
    if not title:
        return None
    before = _BEFORE_YEAR.match(title)
    if before and len(before.group(1)) >= 2:
        return _org(before.group(1))
    after = _AFTER_YEAR.match(title)
    return _org(after.group(2)) if after else None


def _org(text: str) -> str | None:
    text = _ORG_LEAD.sub("", text.strip(" 《》:：,，"))
    place = region_name_at(text)
    text = text[place:] if place else text  # «…事项无河北省人力资源和社会保障厅» → from the place name on
    return text if _ORG_RE.fullmatch(text) else None


_AGENCY_SENTENCES = tuple(
    re.compile(pattern)
    for pattern in (
        # 发布河北省教育厅2021年… / 现将红谷滩区政府办2023年… / 《河北省工业和信息化厅2019年度…报告》 / 附件：…
        rf"(?:发布|现将|编写了《|附件[:：]\s*)({_ORG})\s*{_YEAR}",
        # signature: «河北省教育厅\n2020年1月15日»
        rf"({_ORG})\s*\n?\s*(?:19|20)\d{{2}}年\d{{1,2}}月\d{{1,2}}日[^\n]{{0,40}}\s*$",
        # «2022年，河北省科学技术厅坚持…» / «2020年以来，…»
        rf"(?:19|20)\d{{2}}\s*年(?:度|以来)?[，,]\s*({_ORG})(?=坚持|深入|认真|高度|紧紧|围绕|全面|严格|积极|始终|以)",
    )
)


def agency_from_text(text: str) -> str | None:
    head, tail = text[:20_000], text[-600:]
    for pattern in _AGENCY_SENTENCES:
        match = pattern.search(tail if "$" in pattern.pattern else head)
        if match:
            return _org(match.group(1))
    return None


def complete_agency(agency: str, text: str) -> str:
    """«省工业和信息化厅» / «县投资促进局» written without the place: add the one place the report names."""
    if agency[0] not in "省市县区":
        return agency
    places = region_names_in(text, agency[0])
    return places.pop() + agency[1:] if len(places) == 1 else agency


def signature_date(text: str) -> str | None:
    """The date under the signature at the end of the report (last date in its final lines)."""
    tail_start = max(0, len(text) - 200)
    dates = [iso for offset, iso in all_dates(text[tail_start:])]
    return dates[-1] if dates else None
