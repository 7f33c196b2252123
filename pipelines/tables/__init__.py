"""Statistical-table extractor: `extract_tables(document) -> TableExtraction`.

Module map (all pure, Scrapy-free):
- `template.py`  canonical row/column keys and column kinds of the national template
- `labels.py`    text normalisation, row aliases/keywords, table anchors and section headings
- `grid.py`      table grids (HTML/DOCX/PDF converters) → tab-separated text rows
- `flatten.py`   flattened text (pipes, tabs, one cell per line, spaces, glued) → cell pieces
- `values.py`    one cell's value: numbers, signed deltas, money units, NULL markers
- `locate.py`    table regions and row spans anchored by labels
- `glued.py`     per-row readings of glued digit runs and dropped blanks: exact dynamic programme
- `solver.py`    the readings the column rules (R3.1, R3.3) admit together: exact, work-capped
- `alternatives.py` the readings left open, kept for evidence from outside the report
- `evidence.py`  cross-year evidence: neighbouring years' carry-over figures choose among them
- `rules.py`     consistency checks on the final cells (R3.1–R3.3, R4.1, R0)
- `narrative.py` soft checks: numbers quoted in the text, cross-year carry-over
- `pre2019.py`   pre-2019 indicator tables → `Indicator`s
- `quality.py`   report quality (ok / warning) and its reasons
- `extract.py`   the orchestration
"""

from pipelines.tables.extract import extract_tables
from pipelines.tables.model import Cell, Check, Indicator, TableExtraction
from pipelines.tables.narrative import carryover_checks, narrative_checks
from pipelines.tables.quality import quality

__all__ = [
    "Cell",
    "Check",
    "Indicator",
    "TableExtraction",
    "carryover_checks",
    "extract_tables",
    "narrative_checks",
    "quality",
]
