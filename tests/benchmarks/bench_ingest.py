"""Benchmark: `scrapy ingest` over a synthetic corpus made from the corpus documents.

    python tests/benchmarks/bench_ingest.py [--sizes 500,1000,2000]

Writes N report files (the text/HTML/Markdown corpus documents, rotated, each made unique by a
changed agency line so nothing is skipped as unchanged), ingests them into a fresh database in a
subprocess, and prints reports/s end to end and the peak RSS of the ingest process. Running
several sizes shows whether memory stays flat in the number of documents.
Targets (issue 2): ≥ 150 reports/s, peak RSS < 300 MB, flat.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import CORPUS, TEXT_SUFFIXES  # noqa: E402


def make_corpus(folder: Path, count: int) -> int:
    sources = [p for p in sorted((CORPUS / "docs").iterdir()) if p.suffix in TEXT_SUFFIXES]
    texts = [(p.suffix, p.read_text(encoding="utf-8")) for p in sources]
    total = 0
    for i in range(count):
        suffix, text = texts[i % len(texts)]
        body = f"第{i}号示例机关{2019 + i % 6}年政府信息公开工作年度报告\n" + text
        data = body.encode("utf-8")
        (folder / f"report_{i:05d}{suffix}").write_bytes(data)
        total += len(data)
    return total


def run(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        size = make_corpus(folder, count)
        db = Path(tmp) / "bench.db"
        command = [sys.executable, "-m", "scrapy", "ingest", str(folder), "-s", f"REPORTS_DB={db}"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = psutil.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        peak = peak_tree = 0
        while process.poll() is None:
            try:
                main_rss = process.memory_info().rss
                workers = sum(child.memory_info().rss for child in process.children(recursive=True))
            except psutil.NoSuchProcess:
                break
            peak, peak_tree = max(peak, main_rss), max(peak_tree, main_rss + workers)
            time.sleep(0.2)  # memory is flat once the page cache has filled; polling costs the run CPU
        elapsed = time.perf_counter() - started
        summary = process.stdout.read().decode()
        process.wait()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        return {"count": count, "mb": size / 1e6, "seconds": elapsed, "rate": count / elapsed,
                "peak_mb": peak / 1e6, "tree_mb": peak_tree / 1e6, "cpu": cpu, "summary": summary.splitlines()[:2]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,1000,2000")
    args = parser.parse_args()
    for count in map(int, args.sizes.split(",")):
        result = run(count)
        print(
            f"{result['count']:>5} reports ({result['mb']:.1f} MB): {result['seconds']:.1f} s end to end "
            f"(process start included) = {result['rate']:.0f} reports/s, peak RSS {result['peak_mb']:.0f} MB "
            f"(main process), {result['tree_mb']:.0f} MB with its parser processes; CPU {result['cpu']:.1f} s in all processes = {result['count'] / result['cpu']:.0f} "
            f"reports per CPU-second, load average {os.getloadavg()[0]:.1f}"
        )
        print("       " + " | ".join(result["summary"]))


if __name__ == "__main__":
    main()
