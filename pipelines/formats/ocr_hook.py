"""The converters' entry to OCR, importable without the OCR packages (rapidocr, onnxruntime, OpenCV).

When they are not installed, image-only pages stay unread as before (`image only, no text layer`).
Set NIANBAO_OCR=0 to switch OCR off (e.g. a run that must not spend CPU on scans).
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache


@cache
def _installed() -> bool:
    return all(importlib.util.find_spec(name) for name in ("rapidocr", "onnxruntime", "cv2", "numpy"))


def ocr_enabled() -> bool:
    return os.environ.get("NIANBAO_OCR", "1") != "0" and _installed()


def ocr_budget():
    """A fresh per-document OCR budget (`ocr.Budget`), or None when OCR is off or not installed."""
    if not ocr_enabled():
        return None
    from pipelines.formats.ocr import Budget

    return Budget()


def ocr_pdf_page(pdf, index: int, budget, flow: list) -> list:
    """The text bands and table pieces of an image-only PDF page ([] when OCR is off or finds no marks);
    `flow` is what the converter has so far (a table continued from the previous page is aligned to it)."""
    if budget is None:
        return []
    from pipelines.formats.ocr import OCR_DPI, align, blank, pdf_page_gray, read_page

    gray, dpi = pdf_page_gray(pdf, index, OCR_DPI)
    if blank(gray):
        return []
    return align(flow, read_page(gray, dpi, index, budget), index)


def ocr_gave_up(budget) -> None:
    """Raise DocumentError when OCR read nothing because it hit its time limit (not: found no text)."""
    if budget is not None and budget.timed_out and not budget.read:
        from pipelines.document import DocumentError

        raise DocumentError(f"OCR time limit exceeded: {budget.time_note()}")
