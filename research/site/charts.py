"""SVG charts drawn in Python: no JavaScript, no CDN, nothing to download — the site works offline.

Text is SVG <text> rendered by the browser with the page's fonts (a CJK font must be installed for
Chinese labels: fonts-wqy-zenhei in .ci/run). A value that is NULL draws no bar and is labelled
「无数据」, never as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6db5", "#e07b39", "#4a9e5c", "#c9483b", "#8a63b8", "#8c6d4f", "#d4a017", "#5b9aa0")
NO_DATA = "无数据"
FONT = "font-family=\"'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei','PingFang SC',sans-serif\""


@dataclass
class Series:
    name: str
    values: list[float | int | None]
    color: str


def series(names_values: list[tuple[str, list]]) -> list[Series]:
    return [Series(name, values, PALETTE[i % len(PALETTE)]) for i, (name, values) in enumerate(names_values)]


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _scale_max(values: list[float]) -> float:
    """The axis top: four ticks of a round step (1, 2, 5 × 10^k; at least 1) above the largest value."""
    top = max(values, default=0)
    if top <= 0:
        return 4.0
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return max(step, 1) * 4


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {FONT}><title>{escape(title)}</title>'
        f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


def _legend(items: list[Series], x: int, y: int) -> list[str]:
    out = []
    for item in items:
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{item.color}"/>')
        out.append(f'<text x="{x + 16}" y="{y}" font-size="12">{escape(item.name)}</text>')
        x += 24 + 13 * len(item.name)
    return out


def bar_chart(title: str, categories: list[str], data: list[Series], *, stacked: bool = False,
              percent: bool = False, width: int = 560, height: int = 280) -> str:  # fmt: skip
    """Vertical bars per category: grouped side by side, or stacked (`percent`: each category's stack
    as shares of its total, 100 %)."""
    left, right, top, bottom = 56, 12, 48, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] or 0 for s in data) for i in range(len(categories))]
    if stacked:
        peak = 100.0 if percent else _scale_max(totals)
    else:
        peak = _scale_max([v for s in data for v in s.values if v is not None])
    body = _legend(data, left, 36) if len(data) > 1 else []
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        label = f"{value:.0f}%" if percent else _number(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>')
    slot = plot_w / max(len(categories), 1)
    for i, category in enumerate(categories):
        x0 = left + i * slot
        body.append(
            f'<text x="{x0 + slot / 2:.1f}" y="{height - bottom + 16}" font-size="12" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
        if all(s.values[i] is None for s in data):
            body.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{top + plot_h - 6}" font-size="11" fill="#888" '
                f'text-anchor="middle">{NO_DATA}</text>'
            )
            continue
        body += _stack(data, i, x0, slot, peak, top + plot_h, plot_h, totals[i], percent) if stacked else []
        body += [] if stacked else _group(data, i, x0, slot, peak, top + plot_h, plot_h)
    return _svg(width, height, title, body)


def _group(data: list[Series], i: int, x0: float, slot: float, peak: float, base: float, plot_h: float) -> list[str]:
    out = []
    bar_w = slot * 0.8 / len(data)
    for j, item in enumerate(data):
        value = item.values[i]
        if value is None:
            continue
        h = plot_h * value / peak
        x = x0 + slot * 0.1 + j * bar_w
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
            f'fill="{item.color}"><title>{escape(item.name)}: {_number(value)}</title></rect>'
        )
        if len(data) <= 4:
            out.append(
                f'<text x="{x + bar_w * 0.45:.1f}" y="{base - h - 3:.1f}" font-size="10" text-anchor="middle">'
                f"{_number(value)}</text>"
            )
    return out


def _stack(data: list[Series], i: int, x0: float, slot: float, peak: float, base: float, plot_h: float,
           total: float, percent: bool) -> list[str]:  # fmt: skip
    out = []
    y = base
    for item in data:
        value = item.values[i]
        if not value or (percent and not total):
            continue
        shown = 100.0 * value / total if percent else value
        h = plot_h * shown / peak
        label = f"{shown:.0f}%" if percent else _number(value)
        out.append(
            f'<rect class="bar" x="{x0 + slot * 0.2:.1f}" y="{y - h:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{h:.1f}" fill="{item.color}"><title>{escape(item.name)}: {label}</title></rect>'
        )
        y -= h
    return out


def hbar_chart(title: str, labels: list[str], values: list[float | None], *, unit: str = "",
               notes: list[str] | None = None, width: int = 640, color: str = PALETTE[0]) -> str:  # fmt: skip
    """Horizontal bars, one per label (agency names are long): a value or a note («n<30») at the bar's end."""
    row_h, left, top = 24, min(300, 16 + 13 * max((len(label) for label in labels), default=4)), 32
    height = top + row_h * len(labels) + 12
    plot_w = width - left - 80
    peak = _scale_max([v for v in values if v is not None])
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        body.append(
            f'<text x="{left - 8}" y="{y + 16}" font-size="12" text-anchor="end">{escape(_clip(label, 22))}'
            f"<title>{escape(label)}</title></text>"
        )
        note = notes[i] if notes and notes[i] else None
        if value is None:
            body.append(
                f'<text x="{left + 4}" y="{y + 16}" font-size="11" fill="#888">{escape(note or NO_DATA)}</text>'
            )
            continue
        w = plot_w * value / peak
        body.append(
            f'<rect class="bar" x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
            f"<title>{escape(label)}: {_number(value)}{unit}</title></rect>"
        )
        text = f"{_number(value)}{unit}" + (f" {note}" if note else "")
        body.append(f'<text x="{left + w + 4:.1f}" y="{y + 16}" font-size="11">{escape(text)}</text>')
    return _svg(width, height, title, body)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
