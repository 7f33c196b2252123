"""`bench_hosts`: the many-host polite crawl of bench_distributed.py — BENCH_HOSTS portals h0.bench.test …,
each a TRS column, crawled as one region run (annual_reports' parts), locally or by distributed workers."""

import os

from crawler.families.static import TrsSpider
from crawler.spiders.annual_reports import AnnualReportsSpider


def _part(h: int) -> type[TrsSpider]:
    return type(f"Host{h}", (TrsSpider,), {"name": f"bench_h{h}", "follow_subcolumns": False,
                                           "column_urls": (f"http://h{h}.bench.test/zfxxgk/zfxxgknb/index.html",)})  # fmt: skip


class BenchHostsSpider(AnnualReportsSpider):
    name = "bench_hosts"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, region="32", **kwargs)
        self.portal_classes = [_part(h) for h in range(int(os.environ.get("BENCH_HOSTS", "300")))]
        self.portals = []  # (no discovery of the registry's other portals of region 32: offline)
