"""`scrapy portals`: regenerate the portal registry data/portals.csv (crawler/portals.py).

    scrapy portals [--places TSV] [--review TSV] [--out CSV]

Defaults: `../shared/data/portals/government-portals.tsv`, `data/sources/portal-review.tsv`, written to
`data/portals.csv`, matched against `data/regions.csv` (regenerate that first with `scrapy regions`).
Hand-written portal spiders (`scrapy list`, crawler/spiders/<province>/) are attached to the row of
their host, with their documented column as evidence. Prints the counts and every unmatched place.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.regions import REPO, shared_data
from crawler.families.detect import portal_classes
from crawler.portals import build_registry, read_source, summary, write_portals
from pipelines.regions import load_regions


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def short_desc(self) -> str:
        return "Regenerate data/portals.csv (portal home pages matched to division codes)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--places", default=str(shared_data() / "portals" / "government-portals.tsv"))
        parser.add_argument("--review", default=str(REPO / "data" / "sources" / "portal-review.tsv"))
        parser.add_argument("--out", default=str(REPO / "data" / "portals.csv"))

    def run(self, args: list[str], opts) -> None:
        places, review = Path(opts.places), Path(opts.review)
        for path in (places, review):
            if not path.is_file():
                raise UsageError(f"{path}: not found (see data/README.md for the inputs)", print_help=False)
        rows = build_registry(read_source(places), read_source(review), load_regions(), portal_classes())
        print(f"wrote {write_portals(rows, Path(opts.out))} portals to {opts.out}")
        for key, value in summary(rows).items():
            print(f"  {key}: {value}")
        for row in rows:
            if not row.code:
                print(f"  unmatched: {row.path} {row.home_url}")
