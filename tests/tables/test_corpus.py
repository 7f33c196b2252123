"""The extractor against the hand-made answer keys of every text/Markdown corpus document."""

from __future__ import annotations

import pytest

from pipelines.document import Block, Document
from pipelines.tables import extract_tables
from pipelines.tables.quality import quality

from .answer_keys import Expected, ambiguous_scopes, expected_cells, is_ambiguous, load
from .conftest import corpus_dir

THIRD_PARTY = ("018_", "029_", "030_")
DOCS = sorted(p.name for p in (corpus_dir() / "docs").iterdir() if p.suffix in (".txt", ".md"))


def _score(name: str):
    corpus = corpus_dir()
    key = load(corpus / "answers" / f"{name}.json")
    text = (corpus / "docs" / name).read_text(encoding="utf-8")
    extraction = extract_tables(
        Document(blocks=[Block(text=text)], format="markdown" if name.endswith(".md") else "text")
    )
    got = {(c.table_name, c.row_key, c.col_key): c for c in extraction.cells}
    expected = expected_cells(key)
    scopes = ambiguous_scopes(key)
    wrong = []
    for cell_key, exp in expected.items():
        cell = got.get(cell_key)
        if not _matches(cell, exp, is_ambiguous(scopes, *cell_key)):
            wrong.append((cell_key, exp.value, None if cell is None else (cell.value, cell.raw, cell.unit)))
    extra = sorted(k for k in got if k not in expected)
    return key, extraction, expected, wrong, extra


def _matches(cell, exp: Expected, ambiguous: bool) -> bool:
    if cell is None:
        return False
    if ambiguous and cell.value is None:
        return True
    if exp.value is None or cell.value is None:
        return exp.value is None and cell.value is None
    if cell.value != exp.value or (exp.money and not isinstance(cell.value, float)):
        return False
    if not exp.money and not isinstance(cell.value, int):
        return False
    return not (exp.money and exp.unit is not None and cell.unit != exp.unit)


@pytest.mark.parametrize("name", DOCS)
def test_cells_match_answer_key(name: str) -> None:
    key, extraction, expected, wrong, extra = _score(name)
    assert not extra, f"cells for tables/rows the key lacks: {extra[:5]}"
    assert extraction.template == key["template"]
    right = len(expected) - len(wrong)
    if name.startswith(THIRD_PARTY):
        assert right >= 0.95 * len(expected), f"{right}/{len(expected)}: {wrong[:8]}"
        if wrong:
            assert quality(extraction)[0] != "ok", f"report left ok with wrong cells {wrong[:3]}"
    else:
        assert not wrong, f"{right}/{len(expected)} right; wrong: {wrong[:8]}"


@pytest.mark.parametrize("name", DOCS)
def test_ambiguous_cells_are_key_value_or_null(name: str) -> None:
    corpus = corpus_dir()
    key = load(corpus / "answers" / f"{name}.json")
    scopes = ambiguous_scopes(key)
    text = (corpus / "docs" / name).read_text(encoding="utf-8")
    extraction = extract_tables(Document(blocks=[Block(text=text)]))
    expected = expected_cells(key)
    for cell in extraction.cells:
        cell_key = (cell.table_name, cell.row_key, cell.col_key)
        if cell_key in expected and is_ambiguous(scopes, *cell_key):
            assert cell.value is None or cell.value == expected[cell_key].value, cell


@pytest.mark.parametrize("name", DOCS)
def test_tables_present_exactly_when_key_has_them(name: str) -> None:
    corpus = corpus_dir()
    key = load(corpus / "answers" / f"{name}.json")
    text = (corpus / "docs" / name).read_text(encoding="utf-8")
    extraction = extract_tables(Document(blocks=[Block(text=text)]))
    present = {t for t, rows in key["tables"].items() if rows is not None}
    assert {c.table_name for c in extraction.cells} == present
