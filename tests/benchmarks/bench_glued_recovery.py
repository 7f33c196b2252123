"""Glued-table recovery: how many cells the extractor recovers, and how many the rules leave open.

Run: `python tests/benchmarks/bench_glued_recovery.py [N]` (from the repo root; N tables per case,
default 200). Draws random rule-consistent tables (the property tests' strategy, derandomised so every
run sees the same tables), renders them glued — without blank cells, and with blanks dropped — and
compares, cell by cell, the extractor's result with the brute-force oracle (`tests/tables/oracle.py`):

- recovered: the printed value; NULL: no value (never a wrong one: counted as `wrong` if it happens);
- open: the rules admit several values (a NULL there is the right answer);
- missed: the rules determine the cell but the extractor left it NULL (a search bound, or a weaker solver).

`--pipelines DIR` runs an older checkout's extractor (e.g. `git archive <commit> pipelines | tar -x -C DIR`)
against the same tables and oracle; `--tables FILE` keeps the drawn tables (pickled) so that two runs
measure exactly the same ones.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOW = "--show" in sys.argv  # print the first missed cell with its row's checks


def show(key, values, extraction) -> None:
    print("missed", key, "determined as", values)
    for check in extraction.checks:
        if check.scope.startswith(f"{key[0]}.{key[1]}") or (check.rule == "split" and not check.passed):
            print("   ", check.rule, check.scope, check.passed, check.detail[:300])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument("--pipelines", help="directory holding the pipelines package to measure")
    parser.add_argument("--show", action="store_true", help="print the first cell the extractor missed")
    parser.add_argument("--tables", help="pickle file: load the tables from it, or save the drawn ones to it")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.pipelines:
        sys.path.insert(0, args.pipelines)
    from pipelines.tables import extract_tables
    from pipelines.tables.values import parse_value
    from tests.tables.oracle import determined
    from tests.tables.render import text_document
    from tests.tables.test_properties import table_sets

    if args.tables and Path(args.tables).exists():
        drawn = pickle.loads(Path(args.tables).read_bytes())
    else:
        drawn = {blanks: draw(args.n, table_sets(blanks=blanks)) for blanks in (False, True)}
        if args.tables:
            Path(args.tables).write_bytes(pickle.dumps(drawn))
    for blanks in (False, True):
        measure_case(drawn[blanks], blanks, extract_tables, parse_value, determined, text_document)


def draw(n: int, strategy) -> list:
    from hypothesis import HealthCheck, Phase, given, settings

    tables: list = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(ts) -> None:
        tables.append(ts)

    collect()
    return tables


def measure_case(tables: list, blanks: bool, extract_tables, parse_value, determined, text_document) -> None:
    totals = dict.fromkeys(("cells", "recovered", "open", "missed", "guessed", "wrong", "skipped"), 0)
    seconds = [0.0]

    def measure(ts) -> None:
        start = time.process_time()
        extraction = extract_tables(text_document(ts, "glued"))
        seconds[0] += time.process_time() - start
        got = {(c.table_name, c.row_key, c.col_key): c for c in extraction.cells}
        verdict = determined(ts, blanks and any(text == "" for text in ts.printed().values()))
        if verdict is None:  # the oracle's product of open rows was too large: not compared
            totals["skipped"] += 1
            return
        for key, values in verdict.items():
            cell = got.get(key)
            value = cell.value if cell else None
            kind = "money" if key[2] in ("fee_amount", "amount") else "count"
            expected = parse_value(ts.printed()[key], kind)
            totals["cells"] += 1
            if value is not None and (value != expected or type(value) is not type(expected)):
                totals["wrong"] += 1
            elif len(values) != 1:  # the rules admit several cells here (or none: the row has no reading)
                totals["open" if value is None else "guessed"] += 1
            elif value is None and expected is not None:
                totals["missed"] += 1
                if SHOW and totals["missed"] == 1:
                    show(key, values, extraction)
            else:
                totals["recovered"] += 1  # the printed number, or NULL for a printed blank

    for ts in tables:
        measure(ts)
    n = len(tables)
    t = totals
    label = "with blanks dropped" if blanks else "no blank cells"

    def share(name: str) -> str:
        return f"{t[name]} ({100 * t[name] / t['cells']:.1f} %)"

    print(f"glued, {label}: {n} tables ({t['skipped']} too large for the oracle), {t['cells']} cells compared, "
          f"extractor CPU {seconds[0]:.1f} s")  # fmt: skip
    print(f"  determined by the rules and recovered {share('recovered')}; determined but left NULL {share('missed')}")
    print(f"  open (the rules admit several cells) and NULL {share('open')}; open but given a value {t['guessed']}")
    print(f"  wrong numbers {t['wrong']}")


if __name__ == "__main__":
    main()
