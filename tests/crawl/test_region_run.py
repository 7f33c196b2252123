"""`annual_reports` with discovery (issue 15): `-a region=` over the mock region of tests/crawl/mock_region.py
and `-a url=<home page>`, through the real item pipelines, so what is checked is what the database holds."""

from __future__ import annotations

import pickle

import pytest
import pytest_twisted
from conftest import STORE, rows, run_crawl, test_settings
from mock_region import MockWeb, build_region, write_registry
from scrapy import signals
from scrapy.crawler import CrawlerRunner
from test_discovery_region import region_setup

from crawler.spiders.annual_reports import AnnualReportsSpider


def outcomes(db) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rows(db, "select portal, status, requests, method from portal_discovery")}


def fetched(web, url: str) -> int:
    """How many times the server answered this URL."""
    host, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
    return sum(1 for h, p, _ in web.log if (h, p) == (host, path))


@pytest_twisted.ensureDeferred
async def test_region_run_discovers_every_column_and_stores_its_reports(tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    db = tmp_path / "reports.db"
    result = await run_crawl(AnnualReportsSpider, db, routes, STORE, region="9901", registry=str(registry))

    found = [p for p in portals if p.expect == "found"]
    with_reports = [p for p in found if p.reports]
    assert len(portals) >= 40 and len(with_reports) >= 30
    # every portal has its outcome, the failures with why; the run went on past them
    recorded = outcomes(db)
    assert {p.home: recorded[p.home][0] for p in portals} == {p.home: p.expect for p in portals}
    assert {p.home: recorded[p.home][2] for p in found} == {p.home: p.method for p in found}
    # the reports of every discovered column, and only those, are stored, with the registry's region code
    stored = dict(rows(db, "select source, region_code from reports"))
    assert set(stored) == {url for p in portals for url in p.reports}
    assert set(stored.values()) == {"990101"}
    assert result.stats["discovery/found"] == len(found)
    # the column page discovery fetched is the one the family part read: fetched once, not twice
    for p in found:
        if "#" not in p.column:
            assert fetched(web, p.column) == 1, p.style
    # parts: one per discovered portal, of the family its column page shows
    families = {k.removeprefix("nianbao/discovered/"): v for k, v in result.stats.items() if "discovered/" in k}
    assert sum(families.values()) == len(found) and (families["hanweb"], families["gkmlpt"]) == (2, 1)
    # the run ends blocked (portals behind a WAF), not failed: dead portals are counted, not machinery errors
    blocked = sum(p.expect == "blocked" for p in portals)
    unreachable = sum(p.expect == "unreachable" for p in portals)
    assert rows(db, "select status, blocked >= ?, errors >= ? from crawl_runs", blocked, unreachable) == [
        ("blocked", 1, 1)
    ]
    assert blocked and unreachable

    # the next night: the recorded columns answer at once (one request each), nothing new is stored
    web.log.clear()
    again = await run_crawl(AnnualReportsSpider, db, routes, STORE, region="9901", registry=str(registry))
    assert {recorded[0] for recorded in outcomes(db).values()} == {p.expect for p in portals}
    assert all(outcomes(db)[p.home][1] == 1 for p in found)
    assert rows(db, "select new, changed from crawl_runs order by id")[-1] == (0, 0)
    assert again.stats.get("nianbao/unchanged", 0) + again.stats.get("nianbao/early_stop", 0) > 0
    assert set(dict(rows(db, "select source, region_code from reports"))) == set(stored)
    web.stop()


@pytest.mark.parametrize("style", ["deep-tree", "script-redirect", "gkmlpt-link"])
@pytest_twisted.ensureDeferred
async def test_a_home_page_url_is_discovered_then_crawled(style, tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    p = next(p for p in portals if p.style == style)
    db = tmp_path / "reports.db"
    result = await run_crawl(AnnualReportsSpider, db, routes, STORE, url=p.home, registry=str(registry))
    assert {source for (source,) in rows(db, "select source from reports")} == set(p.reports)
    assert outcomes(db) == {p.home: ("found", outcomes(db)[p.home][1], "link")}
    [(column, method)] = rows(db, "select column_url, method from portal_columns")
    assert (column, method) == (p.column, "link")
    assert fetched(web, p.home) == 1  # the page of -a url= is where discovery went on from
    assert result.stats["nianbao/family"] == ("gkmlpt" if style == "gkmlpt-link" else "trs")
    web.stop()


@pytest_twisted.ensureDeferred
async def test_a_home_page_whose_column_is_not_found_is_recorded(tmp_path):
    web, portals, routes, registry = region_setup(tmp_path)
    p = next(p for p in portals if p.style == "nothing-to-find")
    db = tmp_path / "reports.db"
    result = await run_crawl(AnnualReportsSpider, db, routes, STORE, url=p.home, registry=str(registry))
    assert outcomes(db)[p.home][0] == "not-found" and rows(db, "select count(*) from reports") == [(0,)]
    assert result.stats["discovery/not-found"] == 1 and "nianbao/family" not in result.stats
    web.stop()


def test_region_arguments_read_the_registry(tmp_path):
    web_portals = build_region(MockWeb())
    registry = write_registry(web_portals, tmp_path / "portals.csv")
    spider = AnnualReportsSpider(region="9901", registry=str(registry))
    assert [p.home_url for p in spider.portals] == [p.home for p in web_portals]
    with pytest.raises(ValueError, match="no such file"):
        AnnualReportsSpider(region="9901", registry=str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text(registry.read_text(encoding="utf-8").replace("990101", "990199", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="990199"):
        AnnualReportsSpider(region="99", registry=str(bad))


@pytest_twisted.ensureDeferred
async def test_every_request_of_a_region_run_is_plain_data(tmp_path):
    """Discovery's and the parts' requests name their callbacks on the spider and carry picklable meta, as a
    disk or Redis queue needs them (the walks and the parts stay in the spider)."""
    web, _, routes, registry = region_setup(tmp_path)
    crawler = CrawlerRunner(test_settings(tmp_path / "r.db", LOOPBACK_ROUTES=routes)).create_crawler(
        AnnualReportsSpider
    )
    scheduled = []
    crawler.signals.connect(
        lambda request, **_: scheduled.append(request), signal=signals.request_scheduled, weak=False
    )
    await crawler.crawl(region="9901", registry=str(registry))
    kinds = {request.meta.get("nianbao_kind") for request in scheduled}
    assert {"discovery", "listing", "document"} <= kinds
    for request in scheduled:
        assert pickle.loads(pickle.dumps(request.to_dict(spider=crawler.spider)))["url"] == request.url
    web.stop()
