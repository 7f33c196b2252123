"""data/portals.csv: the public portal list matched to division codes, with source and review per row."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from crawler.commands.regions import shared_data
from crawler.divisions import RegionRow
from crawler.families.detect import portal_classes
from crawler.portals import (
    COLUMNS,
    REVIEW_SOURCE,
    SOURCE,
    Gazetteer,
    build_registry,
    is_home_page,
    load_portals,
    portal_for,
    portals_in,
    read_source,
)
from pipelines.regions import Region, load_regions

REPO = Path(__file__).resolve().parent.parent
PLACES = shared_data() / "portals" / "government-portals.tsv"


@pytest.fixture(scope="module")
def registry():
    return load_portals()


def test_committed_registry_is_what_the_command_builds(registry):
    review = read_source(REPO / "data" / "sources" / "portal-review.tsv")
    built = build_registry(read_source(PLACES), review, load_regions(), portal_classes())
    assert [tuple(vars(r).values()) for r in built] == [tuple(vars(r).values()) for r in registry]


def test_every_row_keeps_source_and_review(registry):
    assert len(registry) == len(read_source(PLACES)) == 3215
    assert {r.source for r in registry} == {SOURCE} and {r.review_source for r in registry} == {REVIEW_SOURCE}
    assert "@" in SOURCE and "@" in REVIEW_SOURCE
    # the review's own totals: 3,124 correct, 86 unreachable for scripts, 1 doubtful, 4 empty
    assert Counter(r.review for r in registry) == {"ok": 3124, "browser-only": 86, "doubtful": 1, "empty": 4}
    assert {r.review_note for r in registry if r.review == "browser-only"} >= {"HTTP412", "HTTP468", "HTTP521"}
    lw = next(r for r in registry if r.path == "湖南省/郴州市/临武县")  # reviewed as https, listed as http
    assert (lw.review, lw.review_note) == ("browser-only", "HTTP412")


def test_places_match_current_codes(registry):
    codes = [r.code for r in registry if r.code]
    assert len(codes) == len(set(codes)), "two places took one code"
    regions = load_regions()
    assert all(regions[c].status in ("current", "gbt2260") for c in codes)
    by_path = {r.path: r.code for r in registry}
    # the examples, which the earlier GB/T 2260 table did not know
    assert by_path["河北省/唐山市/滦州市"] == "130284"
    assert by_path["河北省/邢台市/襄都区"] == "130502"
    assert by_path["山西省/大同市/平城区"] == "140213"
    assert by_path["重庆市/梁平区"] == "500155"
    assert by_path["甘肃省/嘉峪关市"] == "620200"  # the prefecture, not its same-named county 620201
    assert by_path["吉林省/长春市/公主岭市"] == "220184"


def test_unmatched_places_are_the_ones_without_a_division_code(registry):
    """Reported, not guessed: development zones, 三沙's districts (no statistical code) and the 兵团."""
    unmatched = sorted(r.path for r in registry if r.match == "unmatched")
    assert unmatched == sorted(
        [
            "重庆市/两江新区",
            "河南省/济源示范区",
            "海南省/三沙市/西沙区",
            "海南省/三沙市/南沙区",
            "新疆维吾尔自治区/新疆生产建设兵团",
        ]
    )
    assert all(r.code == "" for r in registry if r.match == "unmatched")
    bingtuan = [r for r in registry if r.path.startswith("新疆维吾尔自治区/新疆生产建设兵团/")]
    assert {r.match for r in bingtuan} == {"in-province"} and all(r.code.startswith("6590") for r in bingtuan)


def test_hand_written_spiders_are_attached_with_their_evidence(registry):
    with_spider = {r.spider: r for r in registry if r.spider}
    assert set(with_spider) == {p.name for p in portal_classes()}
    for spider in portal_classes():
        row = with_spider[spider.name]
        assert (row.code, row.column_url) == (spider.region_code, spider.column_urls[0])
        assert row.column_source.startswith(f"spider {spider.name}")


def test_shared_home_pages_are_noted(registry):
    hunchun = next(r for r in registry if r.path == "吉林省/延边朝鲜族自治州/珲春市")
    assert hunchun.note == "home page shared with 吉林省/延边朝鲜族自治州"
    # a region run fetches such a home page once
    assert [p.path for p in portals_in("2224")].count("吉林省/延边朝鲜族自治州/珲春市") == 0


def test_portals_in_a_region(registry):
    huaian = portals_in("3208")
    assert [p.path for p in huaian][:1] == ["江苏省/淮安市"] and len(huaian) == 1 + 7  # city + 7 counties/districts
    assert all(p.home_url for p in portals_in("46"))  # 三沙's districts have no home page and no code


def test_a_page_is_matched_to_its_registry_row_by_host():
    portal = portal_for("https://www.huaian.gov.cn/col/1/index.html")
    assert (portal.code, portal.spider, portal.home_url) == (
        "320800",
        "jiangsu_huaian",
        "https://www.huaian.gov.cn/col/1/index.html",
    )
    unknown = portal_for("http://www.nowhere.example/")
    assert (unknown.code, unknown.match) == ("", "unregistered")


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("http://www.x.gov.cn", True),
        ("http://www.x.gov.cn/", True),
        ("http://www.x.gov.cn/index.shtml", True),
        ("http://www.x.gov.cn/default.aspx", True),
        ("http://www.x.gov.cn/zfxxgk/zfxxgknb/", False),
        ("http://www.x.gov.cn/col/col1/index.html", False),
    ],
)
def test_home_pages_are_the_site_root(url, home):
    assert is_home_page(url) is home


def test_a_registry_home_page_below_the_root_is_a_home_page(tmp_path):
    registry = tmp_path / "portals.csv"
    registry.write_text(
        "code,name,path,level,home_url\n990101,示例县,示例县,3,http://www.x.gov.cn/site/xian/\n", encoding="utf-8"
    )
    assert is_home_page("http://www.x.gov.cn/site/xian", registry) and not is_home_page(
        "http://www.x.gov.cn/site/", registry
    )


def _regions(*rows: RegionRow) -> dict[str, Region]:
    return {
        r.code: Region(r.code, r.name, r.level, r.parent, r.status, r.former_names, r.changed, r.successors)
        for r in rows
    }


def test_a_former_name_leads_to_the_successor():
    regions = _regions(
        RegionRow("130000", "河北省", "province", ""),
        RegionRow("130200", "唐山市", "city", "130000"),
        RegionRow("130223", "滦县", "county", "130200", status="former", changed="2018", successors="130284"),
        RegionRow("130284", "滦州市", "county", "130200"),
    )
    gazetteer = Gazetteer(regions)
    assert gazetteer.match(["河北省", "唐山市", "滦县"]) == ("130284", "former-name")
    assert gazetteer.match(["河北省", "唐山市", "滦州市"]) == ("130284", "exact")
    assert gazetteer.match(["河北省", "唐山市", "乐亭县"]) == ("", "unmatched")
    assert gazetteer.match(["某省"]) == ("", "unmatched")


def test_columns_are_documented():
    doc = (REPO / "crawler" / "portals.py").read_text(encoding="utf-8")
    assert all(f"    {c}" in doc or f", {c}" in doc for c in COLUMNS)


def test_commands_rebuild_the_committed_files(tmp_path):
    from tests.conftest import run_scrapy

    regions = run_scrapy("regions", "--out", str(tmp_path / "regions.csv"), db=tmp_path / "r.db")
    assert regions.returncode == 0, regions.stderr[-2000:]
    assert (tmp_path / "regions.csv").read_bytes() == (REPO / "data" / "regions.csv").read_bytes()
    portals = run_scrapy("portals", "--out", str(tmp_path / "portals.csv"), db=tmp_path / "r.db")
    assert portals.returncode == 0, portals.stderr[-2000:]
    assert (tmp_path / "portals.csv").read_bytes() == (REPO / "data" / "portals.csv").read_bytes()
    assert "unmatched: 新疆维吾尔自治区/新疆生产建设兵团 http://www.xjbt.gov.cn/" in portals.stdout
    missing = run_scrapy("portals", "--places", str(tmp_path / "nope.tsv"), db=tmp_path / "r.db")
    assert missing.returncode == 2 and "nope.tsv: not found" in missing.stderr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of"),
        ({"url": "http://a.gov.cn/", "region": "32"}, "exactly one of"),
        ({"url": "ftp://a.gov.cn/"}, "expected an http(s) URL"),
        ({"region": "3"}, "expected 2, 4 or 6 digits"),
        ({"region": "98"}, "expected 2, 4 or 6 digits"),
        ({"region": "32", "refresh": "maybe"}, "-a refresh='maybe'"),
        ({"region": "32", "registry": "/nonexistent.csv"}, "no such file"),
    ],
)
def test_discover_spider_arguments_are_checked(kwargs, message):
    from crawler.spiders.discover import DiscoverSpider

    with pytest.raises(ValueError, match=re.escape(message)):
        DiscoverSpider(**kwargs)


def test_discover_spider_takes_the_region_and_knows_a_home_page():
    from crawler.spiders.discover import DiscoverSpider

    assert [p.path for p in DiscoverSpider(region="320800").portals] == ["江苏省/淮安市"]
    [huaian] = DiscoverSpider(url="https://www.huaian.gov.cn/").portals
    assert (huaian.code, huaian.column_url) == ("320800", "https://www.huaian.gov.cn/col/18073_668815/index.html")
    [unknown] = DiscoverSpider(url="http://www.not-registered.gov.cn/").portals
    assert (unknown.code, unknown.match) == ("", "unregistered")
