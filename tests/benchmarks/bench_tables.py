"""Benchmark the table extractor: per-report time on the corpus text documents, and pathological inputs.

Run: `python tests/benchmarks/bench_tables.py` (from the repo root). Targets: median ≤ 5 ms per report, worst
case (long glued runs included) ≤ 50 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pipelines.document import Block, Document
from pipelines.tables import extract_tables
from pipelines.tables.glued import MAX_CANDIDATES, MAX_PART_DIGITS, MAX_STATES, _read_cached
from pipelines.tables.solver import MAX_JOINT_WORK


def corpus_docs() -> list[Path]:
    root = Path(os.environ.get("NIANBAO_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
    if not (root / "docs").is_dir():
        root = Path("/work/shared/corpus")
    return sorted(p for p in (root / "docs").iterdir() if p.suffix in (".txt", ".md"))


def timed(document: Document, repeat: int) -> float:
    """Best-of-`repeat` wall time in ms, row cache cleared before each run (each report read cold)."""
    best = float("inf")
    for _ in range(repeat):
        _read_cached.cache_clear()
        start = time.perf_counter()
        extract_tables(document)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def pathological() -> dict[str, Document]:
    heads = "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和）申请人情况"
    labels = [
        "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开",
        "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
        "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
        "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
        "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
        "5.要求行政机关确认或重新出具已获取信息", "1.申请人无正当理由逾期不补正", "2.申请人逾期未按收费通知要求缴纳费用",
        "3.其他", "（七）总计", "四、结转下年度继续办理",
    ]  # fmt: skip
    sixty = heads + labels[0] + "1234567890" * 6 + "".join(f"{lab}0000000" for lab in labels[1:])
    # every row: 1,1,0,0,0,0,2 printed with one blank dropped → many placements per row, all rows ambiguous
    ambiguous = heads + "".join(f"{lab}1102" for lab in labels) + "四、政府信息公开行政复议、行政诉讼情况"
    # consistent but coupled: 新收 10 and 总计 10 in one applicant column, ten result rows of 1 each, blanks
    # dropped: only R3.3 across all rows says the ten 1s share 总计's column (6 joint readings)
    coupled = heads + labels[0] + "1010" + labels[1] + "0" + "".join(f"{lab}11" for lab in labels[2:12])
    coupled += (
        "".join(labels[12:23]) + labels[23] + "1010" + labels[24] + "0" + "四、政府信息公开行政复议、行政诉讼情况"
    )
    long_review = (
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持总计" + "12" * 30 + "五、存在的主要问题"
    )
    return {
        "60-digit run in a 7-cell row": Document(blocks=[Block(text=sixty)]),
        "25 rows all glued, blanks dropped, all ambiguous": Document(blocks=[Block(text=ambiguous)]),
        "60-digit review/litigation run (15 cells)": Document(blocks=[Block(text=long_review)]),
        "12 glued rows, blanks dropped, coupled by R3.3": Document(blocks=[Block(text=coupled)]),
    }


def main() -> None:
    docs = corpus_docs()
    times = []
    for path in docs:
        document = Document(blocks=[Block(text=path.read_text(encoding="utf-8"))])
        times.append((timed(document, 5), path.name))
    values = sorted(t for t, _ in times)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    worst = max(times)
    print(f"corpus text/Markdown documents: {len(values)}")
    print(f"median {statistics.median(values):.2f} ms   p95 {p95:.2f} ms   worst {worst[0]:.2f} ms ({worst[1]})")
    print(
        f"rules and caps: ≤{MAX_PART_DIGITS} digits per number; readings listed up to {MAX_CANDIDATES} per row "
        f"(counted exactly beyond); ≤{MAX_STATES} partial-sum states per row; joint search ≤{MAX_JOINT_WORK} steps"
    )
    for name, document in pathological().items():
        ms = timed(document, 3)
        extraction = extract_tables(document)
        flagged = sum(1 for c in extraction.checks if c.rule == "split" and not c.passed)
        nulls = sum(1 for c in extraction.cells if c.value is None)
        print(f"pathological: {name}: {ms:.1f} ms, {flagged} failed split checks, {nulls} NULL cells")


if __name__ == "__main__":
    main()
