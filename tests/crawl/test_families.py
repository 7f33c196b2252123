"""Each family on its mock host: every report found and stored once, nothing else — both through a
configured portal spider and through `annual_reports -a url=…` with the family auto-detected."""

import pytest
import pytest_twisted
from conftest import run_crawl

from crawler.families.detect import portal_classes
from crawler.families.gkmlpt import GkmlptSpider
from crawler.families.hanweb import HanwebSpider, JpaasSpider
from crawler.families.jsonapi import JsonApiSpider
from crawler.families.static import GenericSpider
from crawler.portals import load_portals, write_portals
from crawler.spiders.annual_reports import AnnualReportsSpider


class HanwebMock(HanwebSpider):
    name = "test_hanweb"
    column_urls = (
        "http://hanweb.mock/col/col1230001/index.html",  # jpage: inline datastore, then POST windows
        "http://hanweb.mock/col/col1230002/index.html",  # inline datastore, then GET <nextgroup> pages
        "http://hanweb.mock/col/col1230003/index.html",  # 信息公开 module: search.jsp table rows
    )
    xxgk_form = {"infotypeId": "A0203", "jdid": "1", "area": "014000650", "divid": "div1230003"}  # noqa: RUF012


class JpaasMock(JpaasSpider):
    name = "test_jpaas"
    column_urls = ("http://jpaas.mock/col/col3185/index.html",)


class GkmlptMock(GkmlptSpider):
    name = "test_gkmlpt"
    column_urls = ("http://gkmlpt.mock/gkmlpt/index",)


class HuaianJsonMock(JsonApiSpider):
    name = "test_json"
    column_urls = ("http://json.mock/cmsweb/zwgk/sj/index.html",)
    api_url, api_method = "/articleCommonController/lists.do", "POST"
    api_form = {"page": "{page}", "pagesize": "{size}", "topic": "63"}  # noqa: RUF012
    page_size, list_path, total_path = 3, "value.list", "value.total"
    url_template, date_field = "{domain}{path}", "releaseTime"


class TrueCmsJsonpMock(JsonApiSpider):
    name = "test_jsonp"
    column_urls = ("http://jsonp.mock/col/77/index.html",)
    api_url = (
        "/truecms/messageController/getMessage.do?startrecord={start}&endrecord={end}&columnId=77&callback=jQuery1"
    )
    page_size, html_path, total_path = 2, "result", "total"


class GenericMock(GenericSpider):
    name = "test_generic"
    column_urls = ("http://generic.mock/xxgk/nb/list.html", "http://generic.mock/wzxxgknb/index.html")


CASES = [
    (HanwebMock, "hanweb.mock"), (JpaasMock, "jpaas.mock"), (GkmlptMock, "gkmlpt.mock"), (HuaianJsonMock, "json.mock"),
    (TrueCmsJsonpMock, "jsonp.mock"), (GenericMock, "generic.mock"),
]  # fmt: skip


@pytest.mark.parametrize(("spidercls", "host"), CASES, ids=[h for _, h in CASES])
@pytest_twisted.ensureDeferred
async def test_family_finds_every_report(spidercls, host, mock_portal, tmp_path):
    if host == "jsonp.mock":  # the column page exists only as a Referer for this API
        mock_portal.server.set("jsonp.mock/col/77/index.html", b"<html><body>list</body></html>")
    result = await run_crawl(spidercls, tmp_path / "r.db", mock_portal.routes)
    assert len(result.items) == len(result.sources)
    assert result.sources == mock_portal.expected[host]
    for item in result.items:
        assert item.hints["list_title"] == mock_portal.titles[item.source]
    assert result.stats["nianbao/run_status"] == "ok"
    files = [(item, a) for item in result.items for a in item.attachments]
    if host in ("hanweb.mock", "gkmlpt.mock"):  # downfile.jsp → 302 → GBK Content-Disposition; gkmlpt JSON list
        assert files and all(a.body.startswith(b"%PDF") for _, a in files)
    if host == "gkmlpt.mock":  # page 0 would repeat page 1: the API is asked for 1, 2, 3 only
        assert [p for _, p, _ in mock_portal.server.log if "/api/" in p] == [
            f"/gkmlpt/api/all/2811?page={n}&sid=755001" for n in (1, 2, 3)
        ]
    if host == "hanweb.mock":
        assert sorted(a.filename for _, a in files) == sorted(f"{i.hints['list_title']}.pdf" for i, _ in files)
        assert all("/attach/0/" in a.url for _, a in files)


@pytest.mark.parametrize(
    ("url", "host", "family"),
    [
        ("http://trs.mock/zfxxgk/zfxxgknb/index.html", "trs.mock", "trs"),
        ("http://hanweb.mock/col/col1230001/index.html", "hanweb.mock", "hanweb"),
        ("http://gkmlpt.mock/gkmlpt/index", "gkmlpt.mock", "gkmlpt"),
        ("http://jpaas.mock/col/col3185/index.html", "jpaas.mock", "jpaas"),
        ("http://generic.mock/xxgk/nb/list.html", "generic.mock", "generic"),
    ],
)
@pytest_twisted.ensureDeferred
async def test_annual_reports_detects_the_family(url, host, family, mock_portal, tmp_path):
    result = await run_crawl(AnnualReportsSpider, tmp_path / "r.db", mock_portal.routes, url=url)
    assert result.stats["nianbao/family"] == family
    expected = mock_portal.expected[host]
    if host == "hanweb.mock":  # one column asked: only its reports
        expected = {u for u in mock_portal.expected[host] if "art_1230001_" in u}
    if host == "generic.mock":
        expected = {u for u in expected if not u.endswith(".pdf")}
    if host == "trs.mock":
        original, copy = mock_portal.crosspost
        assert len({original, copy} & result.sources) == 1
        expected = expected - {original} | (result.sources & {original, copy})
    assert result.sources == expected


def test_annual_reports_rejects_bad_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        AnnualReportsSpider()
    with pytest.raises(ValueError, match="http"):
        AnnualReportsSpider(url="ftp://x/y")
    with pytest.raises(ValueError, match="region"):
        AnnualReportsSpider(region="7")
    with pytest.raises(ValueError, match="year"):
        AnnualReportsSpider(url="http://a.gov.cn/", year="23")
    with pytest.raises(ValueError, match="limit"):
        AnnualReportsSpider(url="http://a.gov.cn/", limit="-1")
    with pytest.raises(ValueError, match="full"):
        AnnualReportsSpider(url="http://a.gov.cn/", full="maybe")
    assert len(AnnualReportsSpider(region="3213").portal_classes) == 2


@pytest_twisted.ensureDeferred
async def test_region_mode_crawls_every_registered_portal_of_the_region(mock_portal, tmp_path, monkeypatch):
    # The loopback proxy speaks plain HTTP only (no CONNECT/TLS), so the https portals are asked over http here.
    for portal in portal_classes():
        monkeypatch.setattr(portal, "column_urls", tuple(u.replace("https://", "http://") for u in portal.column_urls))
    # Only the registry rows the portal spiders cover: the other Jiangsu portals would be discovered on the internet.
    registry = tmp_path / "portals.csv"
    write_portals([p for p in load_portals() if p.spider], registry)
    result = await run_crawl(
        AnnualReportsSpider, tmp_path / "r.db", mock_portal.routes, region="32", registry=str(registry)
    )
    hosts = ["www.huaian.gov.cn", "www.suqian.gov.cn", "www.shuyang.gov.cn"]
    assert result.sources == set().union(*(mock_portal.expected[h] for h in hosts))
    codes = {item.source.split("/")[2]: item.region_code for item in result.items}
    assert codes == {"www.huaian.gov.cn": "320800", "www.suqian.gov.cn": "321300", "www.shuyang.gov.cn": "321322"}
    only_suqian = await run_crawl(
        AnnualReportsSpider, tmp_path / "s.db", mock_portal.routes, region="3213", year="2022", registry=str(registry)
    )
    assert only_suqian.sources == mock_portal.expected["www.suqian.gov.cn"]
