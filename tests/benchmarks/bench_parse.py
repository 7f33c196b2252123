"""Benchmark: CPU time per report of each pure parsing stage (plain script, not collected by pytest).

    python tests/benchmarks/bench_parse.py [--runs 5] [--generated 300] [--profile STAGE]

Inputs, in three groups: the corpus text/Markdown/HTML documents, the demo portal's report pages
(`data/demo_portal/**/t*.html`) and `--generated` documents of `bench_ingest.make_corpus`.
Prints, per group and stage, the median over the documents of the per-document best-of-`runs`
process time (ms): decode (bytes → Document), metadata, sections, tables, segment (rjieba + token
filter, all section bodies), zlib (the stored raw body), and their sum. `--profile STAGE` runs that
stage under cProfile over all inputs and prints the top functions by own time.

Best-of-runs repeats a document, so per-process caches (e.g. `flatten._classify`) are warm with that
document's own fields: the tables column is a lower bound. In a run each document is read once and
only the fields shared across documents ('0', '—', row labels) hit the cache.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipelines.formats import to_document  # noqa: E402
from pipelines.metadata import extract_metadata  # noqa: E402
from pipelines.sections import split_sections  # noqa: E402
from pipelines.segment import Segmenter  # noqa: E402
from pipelines.tables import extract_tables  # noqa: E402
from tests.benchmarks.bench_ingest import make_corpus  # noqa: E402
from tests.conftest import CORPUS, TEXT_SUFFIXES  # noqa: E402

STAGES = ("decode", "metadata", "sections", "tables", "segment", "zlib")


def inputs(generated: int) -> dict[str, list[tuple[str, bytes, str | None]]]:
    """group → [(name, body, content type)]."""
    corpus = [(p.name, p.read_bytes(), None) for p in sorted((CORPUS / "docs").iterdir()) if p.suffix in TEXT_SUFFIXES]
    demo = [(p.name, p.read_bytes(), "text/html") for p in sorted((REPO / "data" / "demo_portal").rglob("t*.html"))]
    with tempfile.TemporaryDirectory() as tmp:
        make_corpus(Path(tmp), generated)
        made = [(p.name, p.read_bytes(), None) for p in sorted(Path(tmp).iterdir())]
    return {"corpus text": corpus, "demo html": demo, "make_corpus": made}


def stage_calls(name: str, body: bytes, content_type: str | None, segmenter: Segmenter) -> dict:
    """Each stage as a zero-argument call on fresh inputs (a Document caches nothing across stages here)."""
    document = to_document(body, filename=name, content_type=content_type)
    sections = split_sections(document.text)

    def fresh():
        return to_document(body, filename=name, content_type=content_type)

    return {
        "decode": (fresh, None),
        "metadata": (fresh, lambda doc: extract_metadata(doc, {}, name)),
        "sections": (fresh, lambda doc: split_sections(doc.text)),
        "tables": (fresh, extract_tables),
        "segment": (None, lambda _: [segmenter.segment(section.body) for section in sections]),
        "zlib": (None, lambda _: zlib.compress(body, 6)),
    }


def timed(setup, call, runs: int) -> float:
    """Best of `runs` process times (ms) of `call(setup())`, setup excluded (decode times setup itself)."""
    best = float("inf")
    for _ in range(runs):
        if call is None:
            start = time.process_time()
            setup()
        else:
            arg = setup() if setup else None
            start = time.process_time()
            call(arg)
        best = min(best, time.process_time() - start)
    return best * 1000


def measure(groups, segmenter: Segmenter, runs: int) -> None:
    print(f"{'group':<12} {'docs':>4} " + " ".join(f"{s:>9}" for s in (*STAGES, "total")) + "   (median ms per report)")
    for group, docs in groups.items():
        per_stage: dict[str, list[float]] = {s: [] for s in STAGES}
        totals = []
        for name, body, content_type in docs:
            calls = stage_calls(name, body, content_type, segmenter)
            times = {stage: timed(*calls[stage], runs) for stage in STAGES}
            for stage, ms in times.items():
                per_stage[stage].append(ms)
            totals.append(sum(times.values()))
        cells = [statistics.median(per_stage[s]) for s in STAGES] + [statistics.median(totals)]
        print(f"{group:<12} {len(docs):>4} " + " ".join(f"{ms:9.3f}" for ms in cells))


def profile(groups, segmenter: Segmenter, stage: str, top: int) -> None:
    prepared = []
    for docs in groups.values():
        for name, body, content_type in docs:
            setup, call = stage_calls(name, body, content_type, segmenter)[stage]
            prepared.append((setup, call))
    args = [setup() if (setup and call) else None for setup, call in prepared]
    profiler = cProfile.Profile()
    profiler.enable()
    for (setup, call), arg in zip(prepared, args, strict=True):
        call(arg) if call else setup()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--generated", type=int, default=300)
    parser.add_argument("--profile", choices=STAGES)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    groups = inputs(args.generated)
    segmenter = Segmenter("rjieba")
    if args.profile:
        profile(groups, segmenter, args.profile, args.top)
    else:
        measure(groups, segmenter, args.runs)


if __name__ == "__main__":
    main()
