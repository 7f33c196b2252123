"""Benchmark: segmentation engines on the corpus text — speed and token agreement with jieba.

    python tests/benchmarks/bench_segment.py

Measures, on the corpus text/Markdown documents rotated into 50 pages of ~20 KB:
jieba (accurate and search mode), jieba across 2 processes (page-parallel, fork), and rjieba
(jieba-rs), all with the project's domain dictionary; then the share of jieba's tokens that rjieba
reproduces exactly (search mode, the mode `sections.tokens` uses) on every corpus document.
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipelines.segment import Segmenter  # noqa: E402
from tests.conftest import CORPUS, TEXT_SUFFIXES  # noqa: E402

TEXTS = [p.read_text(encoding="utf-8") for p in sorted((CORPUS / "docs").iterdir()) if p.suffix in TEXT_SUFFIXES]
_worker: Segmenter | None = None


def pages(count: int = 50, size: int = 9_000) -> list[str]:
    joined = "\n".join(TEXTS)
    return [(joined[i * 7919 % len(joined) :] + joined)[:size] for i in range(count)]


def timed(function, runs: int = 5) -> float:
    function()
    return statistics.median(_time(function) for _ in range(runs))


def _time(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _init(engine: str) -> None:
    global _worker
    _worker = Segmenter(engine)


def _segment(text: str) -> str:
    return _worker.segment(text)


def main() -> None:
    work = pages()
    mib = sum(len(page.encode()) for page in work) / 2**20
    for engine in ("jieba", "rjieba"):
        segmenter = Segmenter(engine)
        seconds = timed(lambda s=segmenter: [s.segment(page) for page in work])
        print(
            f"{engine:>7} search mode, 1 process: {mib / seconds:8.2f} MiB/s ({seconds / len(work) * 1000:.2f} ms per 20 KB page)"
        )
        if engine == "jieba":
            _init("jieba")
            with multiprocessing.get_context("fork").Pool(2) as pool:
                seconds = timed(lambda p=pool: p.map(_segment, work, chunksize=5), runs=3)
            print(f"{engine:>7} search mode, 2 processes: {mib / seconds:6.2f} MiB/s")
    reference, candidate = Segmenter("jieba"), Segmenter("rjieba")
    same = total = 0
    for text in TEXTS:
        expected = Counter(reference.tokens(text))
        got = Counter(candidate.tokens(text))
        same += sum((expected & got).values())
        total += sum(expected.values())
    print(f"token agreement rjieba vs jieba (search mode, domain dictionary, {len(TEXTS)} documents): "
          f"{same}/{total} = {same / total:.2%}")  # fmt: skip


if __name__ == "__main__":
    main()
