"""OCR of image-only reports: cell recovery on clean and degraded scans, seconds per page, peak memory.

Answer keys are rendered in the national layout with Debian's CJK fonts (tests/formats/scans.py), rasterised,
degraded (rotation, JPEG, noise, blur), saved as image-only PDFs and read back by `pdf_to_document` +
`extract_tables`. Every key cell is counted as exact, NULL+flagged, wrong+flagged or silent (wrong or NULL
without any failed check: must be 0).

    python tests/benchmarks/bench_ocr.py                 # 4 fonts clean at 200 DPI + 12 degraded variants, 2 keys
    python tests/benchmarks/bench_ocr.py --degraded 40   # more degraded variants
    python tests/benchmarks/bench_ocr.py --degraded 0 --stress 6   # beyond the issue's ranges: failures flagged?
    NIANBAO_OCR_THREADS=1 python tests/benchmarks/bench_ocr.py --quick

The machine is shared: run `uptime` next to it; seconds are wall time of the conversion (CPU seconds too).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "formats")]

from keys import load_key  # noqa: E402
from ocr_keys import Score, score  # noqa: E402

from demo import scans  # noqa: E402
from pipelines.formats.ocr_engine import THREADS, engine  # noqa: E402
from pipelines.formats.pdf import pdf_to_document  # noqa: E402
from pipelines.sections import split_sections  # noqa: E402
from pipelines.tables import extract_tables  # noqa: E402

KEYS = ["001_huaian-city-2024.pdf", "005_hebei-education-dept-2021.txt"]


def run(key_name: str, scan: scans.Scan) -> tuple[Score, float, float, int, int]:
    key = load_key(key_name)
    pages = scans.report_pages(key, scan)
    data = scans.images_pdf(pages, scan.dpi)
    start, cpu = time.perf_counter(), time.process_time()
    document = pdf_to_document(data)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    result = score(extract_tables(document), key)
    sections = len(split_sections(document.text))
    return result, wall, cpu, len(pages), sections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--degraded", type=int, default=12)
    parser.add_argument("--stress", type=int, default=0, help="scans worse than issue 17's ranges (reported apart)")
    parser.add_argument("--quick", action="store_true", help="one clean and two degraded scans of one key")
    args = parser.parse_args()
    engine()  # load the models outside the timings
    clean = [scans.Scan(font=font, dpi=200) for font in scans.FONTS]
    degraded = scans.variants(args.degraded)
    keys = KEYS
    if args.quick:
        clean, degraded, keys = clean[:1], degraded[:2], KEYS[:1]
    print(f"onnxruntime threads: {THREADS}")
    kinds = {"clean": clean, "degraded": degraded, "stress": scans.stress(args.stress)}
    totals = {kind: Score() for kind in kinds}
    pages_seen = dict.fromkeys(kinds, 0)
    seconds = dict.fromkeys(kinds, 0.0)
    cpu_seconds = dict.fromkeys(kinds, 0.0)
    at_200 = [0.0, 0]
    print(
        f"{'scan':55} {'key':36} {'exact':>5} {'null+f':>6} {'wrong+f':>7} {'silent':>6} {'s/page':>6} {'cpu/p':>6} sec"
    )
    for kind, variants in kinds.items():
        for scan in variants:
            for key_name in keys:
                result, wall, cpu, pages, sections = run(key_name, scan)
                totals[kind].add(result)
                pages_seen[kind] += pages
                seconds[kind] += wall
                cpu_seconds[kind] += cpu
                if scan.dpi == 200:
                    at_200[0] += wall
                    at_200[1] += pages
                print(f"{scan.name:55} {key_name[:36]:36} {result.exact:5} {result.null_flagged:6} "
                      f"{result.wrong_flagged:7} {len(result.silent):6} {wall / pages:6.2f} {cpu / pages:6.2f} {sections}")  # fmt: skip
                for line in result.silent:
                    print("    SILENT", line)
    print()
    for kind, total in totals.items():
        if total.total:
            print(f"{kind:9} cells {total.total:5}: exact {total.exact} ({total.recovery:.1%}), NULL+flagged "
                  f"{total.null_flagged}, wrong+flagged {total.wrong_flagged}, in tables not found "
                  f"{total.table_missing}, silent {len(total.silent)}; "
                  f"{seconds[kind] / pages_seen[kind]:.2f} s/page wall, {cpu_seconds[kind] / pages_seen[kind]:.2f} "
                  f"CPU-s/page")  # fmt: skip
    if at_200[1]:
        print(f"A4 pages at 200 DPI: {at_200[0] / at_200[1]:.2f} s/page wall ({at_200[1]} pages)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (models, one page at a time)")


if __name__ == "__main__":
    main()
