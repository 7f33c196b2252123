"""Benchmark the attachment converters (plain script, not collected by pytest).

    python tests/benchmarks/bench_formats.py [--runs 7]

Prints the median wall time per conversion for the real 6-page corpus PDF (and per 10 pages), a generated
10-page report PDF, the corpus DOCX and a generated report DOCX, then the peak RSS (sampled every 5 ms with
psutil) of a fresh process converting a generated 20-page and 200-page PDF (bounded memory: the two stay close).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "formats")]

from keys import corpus_dir, load_key  # noqa: E402

from demo import render  # noqa: E402
from pipelines.formats.docx import docx_to_document  # noqa: E402
from pipelines.formats.pdf import pdf_to_document  # noqa: E402

RSS_CHILD = """
import sys, threading, time
import psutil
sys.path[:0] = [{root!r}]
from pipelines.formats.pdf import pdf_to_document
data = open({path!r}, "rb").read()
process, samples, done = psutil.Process(), [], threading.Event()
def sample():
    while not done.is_set():
        samples.append(process.memory_info().rss)
        time.sleep(0.005)
before = process.memory_info().rss
sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
document = pdf_to_document(data)
seconds = time.perf_counter() - start
done.set()
sampler.join()
print(before // 1024, max(samples) // 1024, seconds, len(document.blocks))
"""


def median_ms(function, data: bytes, runs: int) -> float:
    function(data)  # warm caches (fonts, CMaps) once, as a long-running ingest would have them
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def page_count(data: bytes) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def report_pdf_with_pages(answers: dict, pages: int) -> bytes:
    """The generated report padded with narrative until it has at least `pages` pages."""
    filler = max(pages - 3, 0)
    data = render.report_pdf(answers, filler_pages=filler)
    while page_count(data) < pages:
        filler += 1
        data = render.report_pdf(answers, filler_pages=filler)
    return data


def peak_rss(data: bytes, tmp: Path) -> tuple[int, int, float]:
    path = tmp / f"bench-{len(data)}.pdf"
    path.write_bytes(data)
    code = RSS_CHILD.format(root=str(ROOT), path=str(path))
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    base, peak, seconds, _ = output.split()
    return int(base), int(peak), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    answers = load_key("001_huaian-city-2024.pdf")
    huaian = (corpus_dir() / "docs" / "001_huaian-city-2024.pdf").read_bytes()
    generated = report_pdf_with_pages(answers, 10)
    template = (corpus_dir() / "docs" / "028_blank-template-2021-format_NOT-A-REPORT.docx").read_bytes()
    report_docx = render.report_docx(answers)

    pages = page_count(huaian)
    ms = median_ms(pdf_to_document, huaian, runs)
    print(f"PDF 001_huaian ({pages} pages): {ms:.0f} ms median -> {ms * 10 / pages:.0f} ms per 10 pages (target 300)")
    pages = page_count(generated)
    ms = median_ms(pdf_to_document, generated, runs)
    print(f"PDF generated report ({pages} pages): {ms:.0f} ms median -> {ms * 10 / pages:.0f} ms per 10 pages")
    print(f"DOCX 028 blank template: {median_ms(docx_to_document, template, runs):.1f} ms median (target 50)")
    print(f"DOCX generated report: {median_ms(docx_to_document, report_docx, runs):.1f} ms median (target 50)")

    tmp = Path("/tmp") / "nianbao-bench"
    tmp.mkdir(exist_ok=True)
    for count in (20, 200):
        data = report_pdf_with_pages(answers, count)
        base, peak, seconds = peak_rss(data, tmp)
        print(
            f"PDF generated {page_count(data)} pages: {seconds:.1f} s, peak RSS {peak / 1024:.1f} MB "
            f"(before converting {base / 1024:.1f} MB, +{(peak - base) / 1024:.1f} MB while converting)"
        )


if __name__ == "__main__":
    main()
