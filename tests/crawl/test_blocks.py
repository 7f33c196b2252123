"""Anti-bot answers and flaky hosts: detected, recorded as blocked with URL and reason, counted in the
run record, never retried in a loop; 500s retried until the host recovers; slow hosts finish."""

import pytest
import pytest_twisted
from conftest import rows, run_crawl

from crawler.families.static import GenericSpider


def spider_for(host: str) -> type[GenericSpider]:
    return type(
        "HostSpider",
        (GenericSpider,),
        {"name": "test_" + host.split(".")[0], "column_urls": (f"http://{host}/nb/index.html",)},
    )


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("ruishu.mock", "http 412: ruishu js challenge ($_ts)"),
        ("jsl.mock", "http 521: jiasule cookie challenge (__jsl)"),
        ("forbid.mock", "http 403 forbidden"),
        ("captcha.mock", "captcha/rate-limit page (访问频繁)"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_challenge_hosts_are_recorded_not_retried(host, reason, mock_portal, tmp_path):
    db = tmp_path / "r.db"
    result = await run_crawl(spider_for(host), db, mock_portal.routes)
    assert result.items == []
    assert rows(db, "select url, status, reason from crawl_state") == [
        (f"http://{host}/nb/index.html", "blocked", reason)
    ]
    assert mock_portal.server.hits["GET /nb/index.html"] == 1  # asked once: no retry loop
    assert rows(db, "select blocked, status from crawl_runs") == [(1, "failed")]  # nothing usable was fetched


@pytest_twisted.ensureDeferred
async def test_soft_404_documents_are_blocked(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    result = await run_crawl(spider_for("soft404.mock"), db, mock_portal.routes)
    assert result.items == []
    blocked = rows(db, "select reason from crawl_state where status = 'blocked'")
    assert [r for (r,) in blocked] == ["soft 404 (页面不存在)"] * 3
    assert rows(db, "select pages, blocked, status from crawl_runs") == [(1, 3, "blocked")]


@pytest_twisted.ensureDeferred
async def test_page_repeating_page_one_stops_paging(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    result = await run_crawl(spider_for("repeat.mock"), db, mock_portal.routes)
    assert result.sources == mock_portal.expected["repeat.mock"]
    assert rows(db, "select url, reason from crawl_state where status = 'blocked'") == [
        ("http://repeat.mock/nb/index_1.html", "page 2 repeats page 1")
    ]
    assert result.stats["nianbao/run_status"] == "blocked"


@pytest_twisted.ensureDeferred
async def test_host_failing_with_500_then_recovering(mock_portal, tmp_path):
    result = await run_crawl(spider_for("flaky.mock"), tmp_path / "r.db", mock_portal.routes)
    assert result.sources == mock_portal.expected["flaky.mock"]
    assert set(mock_portal.flaky_hits.values()) == {3}  # two 500s, then the page
    assert result.stats["nianbao/run_status"] == "ok"


@pytest_twisted.ensureDeferred
async def test_slow_host_completes(mock_portal, tmp_path):
    result = await run_crawl(spider_for("slow.mock"), tmp_path / "r.db", mock_portal.routes)
    assert result.sources == mock_portal.expected["slow.mock"]
    assert result.stats["nianbao/run_status"] == "ok"


@pytest_twisted.ensureDeferred
async def test_dead_host_fails_the_run(mock_portal, tmp_path):
    gone = type(
        "Gone", (GenericSpider,), {"name": "test_gone", "column_urls": ("http://trs.mock/no/such/column.html",)}
    )
    result = await run_crawl(gone, tmp_path / "r.db", mock_portal.routes)
    assert result.stats["nianbao/run_status"] == "failed"
