"""Nightly runs: conditional requests, no item for an unchanged body, changed reports re-parsed,
early stop on pages of known reports (and -a full=1 sweeping everything), one crawl_runs row per run.

With the project's pipelines: a page's crawl state is written with its report's rows, so only what was
stored counts as known to the next run."""

import hashlib
import re

import pytest_twisted
from conftest import STORE, rows, run_crawl
from test_trs import TrsMock

DETAIL = re.compile(r"/t\d{8}_\d+\.html$")


def detail_fetches(portal) -> list[tuple[str, int]]:
    return [(path, status) for method, path, status in portal.server.log if DETAIL.search(path)]


@pytest_twisted.ensureDeferred
async def test_second_run_fetches_no_unchanged_body(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    first = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert len(first.items) == len(mock_portal.expected["trs.mock"])
    mock_portal.server.log.clear()
    second = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert second.items == []
    fetched = detail_fetches(mock_portal)
    assert fetched and {status for _, status in fetched} == {304}  # re-checked, never re-downloaded
    assert second.stats["nianbao/unchanged"] == len(fetched)
    runs = rows(db, "select new, changed, unchanged, status from crawl_runs order by id")
    assert runs == [(len(first.items), 0, 0, "ok"), (0, 0, len(fetched), "ok")]


@pytest_twisted.ensureDeferred
async def test_changed_report_is_reparsed(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    url = "http://trs.mock/zfxxgk/zfxxgknb/202404/t20240402_5000002.html"  # on page 1 of the column
    key = url.removeprefix("http://")
    old_sha = rows(db, "select sha256 from crawl_state where url = ?", url)[0][0]
    rid, old_report_sha = rows(db, "select id, content_sha256 from reports where source = ?", url)[0]
    before = rows(db, "select (select count(*) from reports), (select count(*) from cells where report_id = ?)", rid)
    changed = mock_portal.files[key].replace(b"</body>", b"<p>\xe6\x9b\xb4\xe6\xad\xa3</p></body>")
    mock_portal.server.set(key, changed)
    second = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert second.sources == {url}
    assert second.stats["nianbao/changed"] == 1 and "nianbao/new" not in second.stats
    assert rows(db, "select sha256 != ? from crawl_state where url = ?", old_sha, url) == [(1,)]
    # the report's own rows were replaced, in place: same id, new content, nothing duplicated
    assert rows(db, "select id, content_sha256 != ? from reports where source = ?", old_report_sha, url) == [(rid, 1)]
    assert rows(db, "select sha256 from documents where report_id = ? and seq = 0", rid) == [
        (hashlib.sha256(changed).hexdigest(),)
    ]
    after = rows(db, "select (select count(*) from reports), (select count(*) from cells where report_id = ?)", rid)
    assert after == before


@pytest_twisted.ensureDeferred
async def test_early_stop_and_full_sweep(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    deep = sorted(u for u in mock_portal.expected["trs.mock"] if "/bm/2020" in u)[0]  # oldest: last 部门 page
    key = deep.removeprefix("http://")
    mock_portal.server.set(key, mock_portal.files[key] + b"<!-- revised -->")
    nightly = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert nightly.items == [] and nightly.stats["nianbao/early_stop"] >= 1
    sweep = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE, full="1")
    assert sweep.sources == {deep}


@pytest_twisted.ensureDeferred
async def test_run_after_an_unfinished_run_sweeps_every_page(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    cut = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE | {"CLOSESPIDER_ITEMCOUNT": 8})
    assert cut.stats["nianbao/run_status"] == "failed" and 8 <= len(cut.items) < 30
    # Page 1 of a column is now fully known while its later pages were never read: an early stop would
    # lose those reports for good. The next run must notice the unfinished run and read everything.
    rest = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert rest.stats["nianbao/resume_sweep"] == "failed"
    original, copy = mock_portal.crosspost
    stored = cut.sources | rest.sources
    assert stored - {copy} | {original} == mock_portal.expected["trs.mock"]
    assert not cut.sources & rest.sources  # what the first run stored is not fetched again
    third = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert "nianbao/resume_sweep" not in third.stats and third.items == []


@pytest_twisted.ensureDeferred
async def test_run_after_a_narrowed_run_sweeps_every_page(mock_portal, tmp_path):
    db = tmp_path / "r.db"
    narrowed = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE, year="2023")
    assert narrowed.items and narrowed.stats["nianbao/run_status"] == "ok"
    rest = await run_crawl(TrsMock, db, mock_portal.routes, settings=STORE)
    assert rest.stats["nianbao/resume_sweep"] == "partial"
    original, copy = mock_portal.crosspost
    assert (narrowed.sources | rest.sources) - {copy} | {original} == mock_portal.expected["trs.mock"]
