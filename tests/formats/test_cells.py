"""Cell text cleaning and grid helpers shared by every converter."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.formats.cells import GridBuilder, clean_cell, drop_covered


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("三、\n本\n年\n度\n办\n理\n结\n果", "三、本年度办理结果"),
        ("商 业 企\n业", "商业企业"),
        ("结 果\n维持", "结果维持"),
        ("\u3000\u3000", ""),
        ("\xa0 12 \n", "12"),
        ("72\n64", "72\n64"),  # two numbers stacked in one cell stay apart
        ("1.属于国家秘密\n2.其他", "1.属于国家秘密\n2.其他"),
        ("本年收费金额（单位：\n万元）", "本年收费金额（单位：万元）"),
        (None, ""),
    ],
)
def test_clean_cell(raw, clean):
    assert clean_cell(raw) == clean


CJK = re.compile(r"[\u4e00-\u9fff]")


@settings(database=None)  # no .hypothesis/ directory: pyproject's norecursedirs would warn about it
@given(st.text(alphabet=st.sampled_from(list("不予公开商业企 \n\u3000\xa0123.、（）")), max_size=40))
def test_clean_cell_properties(raw):
    cleaned = clean_cell(raw)
    assert clean_cell(cleaned) == cleaned  # idempotent
    assert cleaned == cleaned.strip() and "\u3000" not in cleaned and "  " not in cleaned
    for match in re.finditer(r"(?=(.)[ \n](.))", cleaned):
        assert not (CJK.match(match.group(1)) and CJK.match(match.group(2)))  # no break between two CJK chars
    assert re.sub(r"\s", "", cleaned) == re.sub(r"\s", "", raw)  # only whitespace changes


def test_grid_builder_and_drop_covered():
    builder = GridBuilder()
    builder.place(0, 0, "申请人情况", colspan=3)
    builder.place(1, 0, "三、本年度办理结果", rowspan=2)
    builder.place(1, 1, "12")
    assert builder.grid() == [["申请人情况", None, None], ["三、本年度办理结果", "12", ""], [None, "", ""]]
    # a column in which no cell starts only widens spans: it goes
    assert drop_covered([["a", None, "b"], ["c", None, "d"]]) == [["a", "b"], ["c", "d"]]
    assert drop_covered([["a", "b"], [None, None]]) == [["a", "b"]]
