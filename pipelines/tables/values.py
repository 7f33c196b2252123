"""Cell values: what a printed cell means (number, signed delta, money with unit, or a blank/NULL marker)."""

from __future__ import annotations

import re

NULL_MARKERS = frozenset({"-", "—", "——", "--", "/", "无", "－", "／", "―", "–", "不适用"})
UNITS = ("万元", "元")
NARRATIVE_UNITS = frozenset("年月日号件条个次人项篇位%％余多千百亿起宗例家份名期场天")
_NUMBER = re.compile(r"^[+-]?\d+(?:,\d{3})*(?:\.\d+)?$")


def digit_count(raw: str) -> int:
    """How many digits `raw` holds (a glued run fills one cell per digit); all-digit runs need no scan."""
    return len(raw) if raw.isdigit() else sum(ch.isdigit() for ch in raw)


def split_unit(raw: str) -> tuple[str, str | None]:
    """'102339.45万元' → ('102339.45', '万元')."""
    text = raw.strip()
    if not text.endswith("元"):  # every unit ends with 元: most cells skip the loop
        return text, None
    for unit in UNITS:
        if text.endswith(unit):
            return text[: -len(unit)].strip(), unit
    return text, None


def is_null_marker(text: str) -> bool:
    return text.strip() in NULL_MARKERS


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(split_unit(text)[0]))


def parse_value(raw: str, kind: str) -> int | float | None:
    """Parse one cell leniently (the cell boundaries are known). Blank and markers → None."""
    if raw.isdigit() and raw.isascii():
        return float(raw) if kind == "money" else int(raw)
    text, _unit = split_unit(raw)
    if not text or is_null_marker(text) or not _NUMBER.match(text):
        return None
    text = text.replace(",", "")
    if kind == "money":
        return float(text)
    if "." in text:
        number = float(text)
        return int(number) if number.is_integer() else number
    return int(text)


def strip_ordinal(run: str, rest: str) -> str:
    """A run like '00000002.' (or '…2、') followed by a label is the next row's ordinal glued on: drop it."""
    if run.endswith(".") and (not rest or not rest[0].isdigit()):
        return run[:-2] if len(run) >= 2 and run[-2].isdigit() else run[:-1]
    if rest.startswith("、") and run[-1:].isdigit():
        return run[:-1]
    return run


_RUN = re.compile(r"[+-]?\d[\d.+-]*(?:万元|元)?")
_OPEN, _CLOSE = "（([【", "）)]】"


def split_piece(text: str) -> list[tuple[str, str]]:
    """A field of text → ordered ('num', run) / ('text', words) parts.

    Digits glued to labels are values ('规章000', '0000000三、本年度办理结果'), but digits inside
    brackets (「保留4位小数」), before a narrative unit (「2023年」, 「10条」) or forming an ordinal
    (「2.其他」) are text.
    """
    parts: list[tuple[str, str]] = []
    pos = depth = 0
    for match in _RUN.finditer(text):
        before = text[pos : match.start()]
        depth += sum(before.count(c) for c in _OPEN) - sum(before.count(c) for c in _CLOSE)
        run = strip_ordinal(match.group(0), text[match.end() :])
        after = text[match.start() + len(run) : match.start() + len(run) + 1]
        if depth > 0 or not any(ch.isdigit() for ch in run) or (after and after in NARRATIVE_UNITS):
            continue
        _push_text(parts, text[pos : match.start()])
        parts.append(("num", run))
        pos = match.start() + len(run)
    _push_text(parts, text[pos:])
    return parts


def _push_text(parts: list[tuple[str, str]], text: str) -> None:
    if text.strip(" \u3000.、:："):
        parts.append(("text", text.strip()))
