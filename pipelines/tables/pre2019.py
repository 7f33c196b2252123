"""Pre-2019 indicator tables (统计指标 / 单位 / 统计数): stored generically as `Indicator`s.

These tables are never mapped onto the 2019/2021 cells. Each indicator is a label, a unit and a
number; the path records the headings above it (「三、依申请公开情况 / （一）收到申请数」).
"""

from __future__ import annotations

import re

from pipelines.tables.model import Indicator
from pipelines.tables.values import parse_value

_UNIT = re.compile(r"^(条|件|次|篇|个|人|人次|项|万元|元|家|份|期|场|%)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_TOP = re.compile(r"^[一二三四五六七八九十]+\s*[、.]")
_SUB = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")


def _tokens(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        out.extend(t.strip() for t in re.split(r"[|\t]", line) if t.strip())
    return out


def indicators(text: str) -> list[Indicator]:
    tokens = _tokens(text)
    out: list[Indicator] = []
    top = sub = ""
    label: list[str] = []
    for i, token in enumerate(tokens):
        if _NUMBER.match(token) and label:
            unit = tokens[i - 1] if i and _UNIT.match(tokens[i - 1]) else None
            name = "".join(t for t in label if not _UNIT.match(t))
            kind = "money" if unit in ("万元", "元") or "." in token else "count"
            path = " / ".join(p for p in (top, sub) if p and p != name) or None
            out.append(Indicator(name, unit, None, parse_value(token, kind), token, path))
            label = []
        elif not _UNIT.match(token):
            top, sub, label = _heading(token, top, sub, label)
        else:
            label.append(token)
    return out


def _heading(token: str, top: str, sub: str, label: list[str]) -> tuple[str, str, list[str]]:
    if label and not _SUB.match(token) and not _TOP.match(token) and token.startswith(("（", "(")):
        return top, sub, [*label, token]  # a bracketed note continues the label
    if _TOP.match(token):
        return token, "", [token]
    if _SUB.match(token):
        return top, token, [token]
    return top, sub, [token]
