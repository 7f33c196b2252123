"""Statistical-table extractor: `extract_tables(document) -> TableExtraction` (slot; filled by its own issue)."""

from pipelines.document import Document
from pipelines.tables.model import Cell, Check, Indicator, TableExtraction

__all__ = ["Cell", "Check", "Indicator", "TableExtraction", "extract_tables"]


def extract_tables(document: Document) -> TableExtraction:
    """Find the three statistical tables in `document` and map them onto canonical cells."""
    return TableExtraction()
