"""Split report text into the six numbered sections of the national template.

Headings vary («五、存在的主要问题及下步改进措施», «一.», typos, older numberings such as
«六、存在的主要问题…» / «七、其他需要报告的事项» of the 2008 form, headings in the middle of a long
line or glued to the table digits before them: «…收费1836.5三、收到和处理…»), so a heading is
found by its text — number + keyword, anywhere — and scored; the best increasing sequence of
headings wins. The digits before a heading stay in the section before it (with its table).

Older reports (`report_sections`): a text that names itself a report (or has a report title) but
whose parts are not the template's six (thematic parts: «一、围绕建设法治人社全面推进政务公开…»)
keeps its printed parts as sections: `number` is then the printed part number (一 → 1, 二 → 2, …)
and the heading is printed. `section_checks` records which numbering a report's sections follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.tables.model import Check

NUMERALS = "一二三四五六"
# topic number → (keyword pattern that must occur in the heading, canonical phrase that scores extra)
TOPICS = {
    1: (r"总体|基本情况|概述|概况", r"总体情况"),
    2: (r"主动公开", r"主动公开政府信息"),
    3: (r"申请|收到和处理", r"收到和处理政府信息公开申请"),
    4: (r"复议|诉讼", r"(行政复议|复议).{0,4}(行政诉讼|诉讼)"),
    5: (r"问题|改进|不足", r"存在的主要问题"),
    6: (r"其他|其它", r"其[他它]需要报告"),
}
# Not after «（» / «第» (sub-items, «第二十条»); a digit before is fine: a table cell glued to the heading.
_CANDIDATE = re.compile(r"(?<![（(第])([一二三四五六七八九十])\s*[、.．,，]\s*")
_HEADING_END = re.compile(r"(情况|事项|措施|举措)")
# Where a heading visibly stops: a wide gap, sentence punctuation, a sub-heading «（一）», the next heading.
_HEADING_STOP = re.compile(r"\s{2,}|[。；;]|\s*[（(][一二三四五六七八九十][）)]|[一二三四五六][、.．]")
_MAX_HEADING = 40
# TOPICS compiled once: every candidate heading is scored against all six topics.
_TOPIC_RES = {topic: (re.compile(keyword), re.compile(phrase)) for topic, (keyword, phrase) in TOPICS.items()}
_INLINE_BODY = re.compile(r"(情况|事项|措施)\S")


@dataclass
class Section:
    number: int
    heading: str
    body: str
    start: int  # offset of the heading in the text
    tokens: str | None = None  # filled by the segmentation pipeline


@dataclass
class _Candidate:
    topic: int
    start: int
    heading_end: int
    heading: str
    score: int


def split_sections(text: str) -> list[Section]:
    candidates = _find_candidates(text)
    chosen = _best_sequence(candidates)
    if len(chosen) < 3 and not any(cand.score >= 4 for cand in chosen):
        return []  # two loose «三、…申请…» labels (e.g. a pre-2019 statistics table) are not a report
    sections = []
    for i, cand in enumerate(chosen):
        end = chosen[i + 1].start if i + 1 < len(chosen) else len(text)
        body = text[cand.heading_end : end].strip()
        sections.append(Section(cand.topic, cand.heading, body, cand.start))
    return sections


def _find_candidates(text: str) -> list[_Candidate]:
    found = []
    for match in _CANDIDATE.finditer(text):
        heading_end = _heading_end(text, match.end())
        heading = text[match.start() : heading_end]
        if "\n" in heading.strip():
            continue
        numeral = match.group(1)
        for topic, (keyword, phrase) in _TOPIC_RES.items():
            score = _score(numeral, topic, heading, keyword, phrase)
            if score >= 3:
                found.append(_Candidate(topic, match.start(), heading_end, " ".join(heading.split()), score))
    return found


def _score(numeral: str, topic: int, heading: str, keyword: re.Pattern[str], phrase: re.Pattern[str]) -> int:
    if not keyword.search(heading):
        return 0
    if topic == 3 and _TOPIC_RES[4][0].search(heading):
        return 0  # «被申请行政复议» is the review heading, not the applications one
    score = 1 + (2 if numeral == NUMERALS[topic - 1] else 0)
    return score + (3 if phrase.search(heading) else 0)


def _heading_end(text: str, pos: int) -> int:
    """The heading runs to the end of its line when short, else to its closing word (…情况/…事项)."""
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    window = text[pos : min(line_end, pos + _MAX_HEADING)]
    gap = _HEADING_STOP.search(window)
    if gap:
        window = window[: gap.start()]
    if line_end - pos <= _MAX_HEADING and not gap and not _has_inline_body(window):
        return pos + len(window)
    ends = list(_HEADING_END.finditer(window))
    if ends:
        return pos + ends[0].end()  # «…情况2022年…» / «…情况虽然…»: the first closing word ends it
    return pos + len(window)


def _has_inline_body(window: str) -> bool:
    return bool(_INLINE_BODY.search(window))


def _best_sequence(candidates: list[_Candidate]) -> list[_Candidate]:
    """Highest-scoring sequence with topics and positions both increasing (small DP)."""
    candidates.sort(key=lambda c: c.start)
    best: list[tuple[int, list[_Candidate]]] = []
    for cand in candidates:
        options = [
            (score, seq) for score, seq in best if seq[-1].topic < cand.topic and seq[-1].heading_end <= cand.start
        ]
        score, seq = max(options, key=lambda option: option[0], default=(0, []))
        best.append((score + cand.score, [*seq, cand]))
    return max(best, key=lambda option: option[0], default=(0, []))[1]


def _can_precede(earlier: _Candidate, later: _Candidate) -> bool:
    return earlier.topic < later.topic and earlier.heading_end <= later.start


# ---- older reports: printed parts ----

PRINTED = "printed part number (older report: its parts are not the six of the national template)"
# The text names itself a report: «现发布《…2018年度政府信息公开工作报告》», «现将我厅政务公开工作报告如下».
_NAMES_A_REPORT = re.compile(r"(?:政府信息公开|政务公开|信息公开)[^。；;\n]{0,10}?(?:年度报告|工作报告|年报)")
_REPORT_TITLE = re.compile(r"(?:信息公开|政务公开).{0,12}(?:年度报告|工作报告|年报)")
_NUMERALS = "一二三四五六七八九十"
# A top-level part: «一、», «十一、» — not «（一）», «第一», nor the 一 of «十一» / «统一、».
_PART = re.compile(r"(?<![（(第一二三四五六七八九十统唯同单])(十[一二三四五六七八九]?|[一二三四五六七八九])\s*[、.．]")
_PART_STOP = re.compile(r"[。；;！!？?，,：:]|\s{2,}|\n|[（(][一二三四五六七八九十][）)]|(?:19|20)\d{2}\s*年")


@dataclass
class PrintedSection(Section):
    """A part of an older report, numbered as printed (see the module docstring)."""


def report_sections(text: str, title: str | None = None) -> list[Section]:
    """The template's six sections when the headings follow it; else, for a text titled or naming itself a
    report, its printed parts (older reports); else none (not a report, unless it has tables)."""
    sections = split_sections(text)
    if sections or not _is_titled_report(text, title):
        return sections
    return printed_sections(text)


def _is_titled_report(text: str, title: str | None) -> bool:
    return bool(title and _REPORT_TITLE.search(title)) or bool(_NAMES_A_REPORT.search(text[:3000]))


def printed_sections(text: str) -> list[Section]:
    """The longest run of top-level parts «一、» «二、» … in order (at least two), bodies verbatim."""
    chain = _longest_chain([(m.start(), m.end(), _numeral(m.group(1))) for m in _PART.finditer(text)])
    if len(chain) < 2:
        return []
    out: list[Section] = []
    for i, (start, end, number) in enumerate(chain):
        stop = _PART_STOP.search(text, end, min(len(text), end + _MAX_HEADING))
        heading_end = stop.start() if stop else min(len(text), end + _MAX_HEADING)
        body_end = chain[i + 1][0] if i + 1 < len(chain) else len(text)
        heading = " ".join(text[start:heading_end].split())
        out.append(PrintedSection(number, heading, text[heading_end:body_end].strip(), start))
    return out


def _numeral(word: str) -> int:
    if word.startswith("十"):
        return 10 + (_NUMERALS.index(word[1]) + 1 if len(word) > 1 else 0)
    return _NUMERALS.index(word) + 1


def _longest_chain(parts: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Parts numbered 1, 2, 3, … in text order; the longest such chain (the earliest on a tie)."""
    best: dict[int, list[tuple[int, int, int]]] = {}  # last number → best chain ending with it so far
    longest: list[tuple[int, int, int]] = []
    for part in parts:
        number = part[2]
        chain = [part] if number == 1 else ([*best[number - 1], part] if number - 1 in best else None)
        if chain is None:
            continue
        if number not in best or len(chain) > len(best[number]):
            best[number] = chain
        if len(chain) > len(longest):
            longest = chain
    return longest


def section_checks(sections: list[Section]) -> list[Check]:
    """Which numbering `sections.number` follows, when it is not the template's (older reports)."""
    if not any(isinstance(section, PrintedSection) for section in sections):
        return []
    parts = "; ".join(section.heading for section in sections)
    return [Check("sections", "numbering", True, f"{PRINTED}: {parts}", hard=False)]
