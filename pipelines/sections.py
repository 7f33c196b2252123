"""Split report text into the six numbered sections of the national template.

Headings vary («五、存在的主要问题及下步改进措施», «一.», typos, headings in the middle of a
long line, a narrative part numbered on its own before the statistical part), so a heading is
found by number + keyword and scored; the best increasing sequence of headings wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_CANDIDATE = re.compile(r"(?<![（(第\d])([一二三四五六七八九十])\s*[、.．,，]\s*")
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
