"""`scrapy regions`: regenerate data/regions.csv from the current division codes (crawler/divisions.py).

    scrapy regions [--divisions DIR] [--base CSV] [--changes TSV] [--out CSV]

Defaults: the divisions of `../shared/data/divisions` (NBS 2023, see ../shared/data/README.md), the earlier
GB/T 2260 table `data/sources/regions-gbt2260-cpca.csv`, the change list `data/sources/division-changes.tsv`,
written to `data/regions.csv`. Prints what it wrote; exits 2 when an input is missing.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.divisions import build_regions, read_changes, read_csv, summary, write_regions

REPO = Path(__file__).resolve().parent.parent.parent


def shared_data() -> Path:
    """`../shared/data` beside the repository (as laid out for CI), or two levels up (a git worktree)."""
    candidates = [REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def short_desc(self) -> str:
        return "Regenerate data/regions.csv from the current division codes (townships included)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--divisions", default=str(shared_data() / "divisions"))
        parser.add_argument("--base", default=str(REPO / "data" / "sources" / "regions-gbt2260-cpca.csv"))
        parser.add_argument("--changes", default=str(REPO / "data" / "sources" / "division-changes.tsv"))
        parser.add_argument("--out", default=str(REPO / "data" / "regions.csv"))

    def run(self, args: list[str], opts) -> None:
        divisions, base, changes = Path(opts.divisions), Path(opts.base), Path(opts.changes)
        for path in (divisions / "areas.csv", base, changes):
            if not path.is_file():
                raise UsageError(f"{path}: not found (see data/README.md for the inputs)", print_help=False)
        rows = build_regions(divisions, read_csv(base), read_changes(changes))
        count = write_regions(rows, Path(opts.out))
        print(f"wrote {count} regions to {opts.out}")
        for key, value in summary(rows).items():
            print(f"  {key}: {value}")
