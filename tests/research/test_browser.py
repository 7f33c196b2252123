"""The static site in a real browser: headless Chromium draws the charts and the Chinese text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from research.site.charts import PALETTE
from research.site.data import slug
from tests.conftest import run_scrapy
from tests.research.browser import screenshot


def colour_pixels(png: Path, hex_colour: str, tolerance: int = 12) -> int:
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(png).convert("RGB")
    return sum(
        count
        for count, pixel in image.getcolors(maxcolors=1 << 24)
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, target, strict=True))
    )


@pytest.fixture(scope="module")
def site(shared_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    result = run_scrapy("site", "-o", str(out), db=shared_db)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize(
    ("page", "colours", "minimum"),
    [
        ("index.html", PALETTE[:2], 2_000),  # reports per year: ok and warning stacks
        (f"agency/{slug('示例县教育局')}.html", PALETTE[:4], 1_500),  # bars of every series
        ("region/990101.html", PALETTE[:1], 10_000),  # agencies compared
        ("compliance.html", PALETTE[:1], 2_000),
    ],
)
def test_charts_are_drawn(site, tmp_path, page, colours, minimum):
    png = screenshot(site / page, tmp_path / "page.png")
    for colour in colours:
        assert colour_pixels(png, colour) >= minimum, f"{page}: too few {colour} pixels: charts not drawn"


def test_a_page_without_charts_has_none_of_the_bar_colour(tmp_path):
    """The pixel count above measures the charts, not the page's own colours."""
    page = tmp_path / "plain.html"
    page.write_text('<html><body style="background:#fafafa"><p>无图表</p></body></html>', encoding="utf-8")
    assert colour_pixels(screenshot(page, tmp_path / "plain.png"), PALETTE[0]) == 0


def test_chinese_text_is_drawn_with_real_glyphs(site, tmp_path):
    """Without a CJK font Chromium draws every character as the same empty box, so two different words
    of the same length would give identical pictures."""
    css = (site / "site.css").resolve().as_uri()
    shots = []
    for word in ("信息公开", "行政复议"):
        page = tmp_path / f"{word}.html"
        page.write_text(
            f'<html><head><meta charset="utf-8"><link rel="stylesheet" href="{css}"></head>'
            f'<body><p style="font-size:64px">{word}</p></body></html>',
            encoding="utf-8",
        )
        shots.append(Image.open(screenshot(page, tmp_path / f"{word}.png", (400, 200))).convert("L").tobytes())
    assert shots[0] != shots[1]
