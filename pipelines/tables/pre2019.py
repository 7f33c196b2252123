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


def _periods(text: str) -> tuple[str | None, ...]:
    """Column periods: (年度, 历年累计) tables give two numbers per indicator; 统计数 tables one."""
    return ("年度", "历年累计") if "历年累计" in text else (None,)


def indicators(text: str) -> list[Indicator]:
    tokens = _tokens(text)
    periods = _periods(text)
    out: list[Indicator] = []
    top = sub = ""
    label: list[str] = []
    last: Indicator | None = None
    column = 0
    for i, token in enumerate(tokens):
        if _NUMBER.match(token) and (label or (last and column < len(periods))):
            if label:
                unit = tokens[i - 1] if i and _UNIT.match(tokens[i - 1]) else None
                name = "".join(t for t in label if not _UNIT.match(t))
                path = " / ".join(p for p in (top, sub) if p and not name.startswith(p)) or None
                column = 0
            else:
                name, unit, path = last.label, last.unit, last.path  # type: ignore[union-attr]
            kind = "money" if unit in ("万元", "元") or "." in token else "count"
            last = Indicator(name, unit, periods[column], parse_value(token, kind), token, path)
            out.append(last)
            column += 1
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
