"""The PDF and DOCX corpus documents through their converters (pipelines/formats) and the extractor.

Integration check: the converters are owned elsewhere; these documents are not part of the
text/Markdown acceptance set, but both must come out exactly as their answer keys say.
"""

from __future__ import annotations

import pytest

from pipelines.formats.docx import docx_to_document
from pipelines.formats.pdf import pdf_to_document
from pipelines.tables import extract_tables, quality

from .answer_keys import ambiguous_scopes, expected_cells, is_ambiguous, load
from .conftest import corpus_dir
from .test_corpus import _matches

CONVERTERS = {".pdf": pdf_to_document, ".docx": docx_to_document}
DOCS = sorted(p.name for p in (corpus_dir() / "docs").iterdir() if p.suffix in CONVERTERS)


@pytest.mark.parametrize("name", DOCS)
def test_binary_documents_match_their_keys(name: str) -> None:
    path = corpus_dir() / "docs" / name
    extraction = extract_tables(CONVERTERS[path.suffix](path.read_bytes(), filename=name))
    key = load(corpus_dir() / "answers" / f"{name}.json")
    expected, scopes = expected_cells(key), ambiguous_scopes(key)
    got = {(c.table_name, c.row_key, c.col_key): c for c in extraction.cells}
    assert set(got) == set(expected)
    wrong = [k for k, exp in expected.items() if not _matches(got.get(k), exp, is_ambiguous(scopes, *k))]
    assert not wrong, wrong[:5]
    assert extraction.template == key["template"]
    if all(exp.value is None for exp in expected.values()):  # 028, the blank template
        assert quality(extraction)[0] != "ok"
