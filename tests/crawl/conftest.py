"""Fixtures for crawl tests: the mock portal server and an in-process crawl runner.

Crawls run with CrawlerRunner inside pytest-twisted (`--reactor=asyncio`, ecosystem.md §7.2), the
project settings, no delay, no AutoThrottle, and a temporary REPORTS_DB. Items are collected from
the `item_scraped` signal (the lead's store pipeline is tested end-to-end in test_e2e.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import pytest
from crawl_mock import MockPortal
from scrapy import signals
from scrapy.crawler import CrawlerRunner
from scrapy.settings import Settings

from demo import loopback


@pytest.fixture
def mock_portal():
    portal = MockPortal()
    portal.routes = portal.start()
    yield portal
    portal.server.stop()


# The project's item pipelines, parsing in the crawling process: for tests of what a crawl stores.
STORE = {"ITEM_PIPELINES": {
    "pipelines.identify.IdentifyReportPipeline": 100,
    "pipelines.parse.ParseReportPipeline": 200,
    "pipelines.store.StoreReportPipeline": 300,
}, "REPORTS_PARSE_WORKERS": 0}  # fmt: skip


def test_settings(db_path, **overrides) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "REPORTS_DB": str(db_path),
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": False,
            "ITEM_PIPELINES": {},
            "RETRY_TIMES": 2,
            "DOWNLOAD_TIMEOUT": 10,
            "ADDONS": loopback.ADDONS,
        }
        | overrides,
        priority="cmdline",
    )
    return settings


@dataclass
class CrawlResult:
    items: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def sources(self) -> set[str]:
        return {item.source for item in self.items}

    def by_source(self, url: str):
        return next(item for item in self.items if item.source == url)


async def run_crawl(spidercls, db_path, routes, settings: dict | None = None, **kwargs) -> CrawlResult:
    runner = CrawlerRunner(test_settings(db_path, LOOPBACK_ROUTES=routes, **(settings or {})))
    crawler = runner.create_crawler(spidercls)
    result = CrawlResult()
    crawler.signals.connect(lambda item, **_: result.items.append(item), signal=signals.item_scraped, weak=False)
    await crawler.crawl(**kwargs)
    result.stats = crawler.stats.get_stats()
    return result


def rows(db_path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()
