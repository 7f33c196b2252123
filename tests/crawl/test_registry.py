"""One test over every registered portal spider (style.md rule 9; kingfisher-collect's registry test)."""

import importlib
import re

import pytest
import pytest_twisted
from scrapy.utils.test import get_crawler

from crawler.families.detect import portal_classes
from crawler.regions import is_valid_code

PORTALS = portal_classes()
FAMILIES = {"trs", "hanweb", "jpaas", "gkmlpt", "json_api", "generic"}


def test_registry_is_not_empty_and_codes_are_unique():
    assert len(PORTALS) >= 3
    codes = [p.region_code for p in PORTALS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("portal", PORTALS, ids=lambda p: p.name)
def test_portal_invariants(portal):
    province, place = portal.__module__.split(".")[-2:]
    assert portal.name == f"{province}_{place}"
    assert re.fullmatch(r"[a-z]+_[a-z_]+", portal.name)
    assert portal.__name__ == "".join(part.title() for part in portal.name.split("_")) + "Spider"
    assert is_valid_code(portal.region_code)
    assert portal.family in FAMILIES and hasattr(portal, f"parse_{portal.family}")
    assert portal.column_urls and all(u.startswith(("http://", "https://")) for u in portal.column_urls)
    assert "Source:" in importlib.import_module(portal.__module__).__doc__  # public evidence for the URL


@pytest.mark.parametrize("portal", PORTALS, ids=lambda p: p.name)
@pytest_twisted.ensureDeferred
async def test_start_yields_a_listing_request(portal, tmp_path):
    crawler = get_crawler(portal, {"REPORTS_DB": str(tmp_path / "r.db")})
    spider = portal.from_crawler(crawler)
    requests = [r async for r in spider.start()]
    assert len(requests) >= 1 and requests[0].url == portal.column_urls[0]
    assert requests[0].callback == getattr(spider, f"parse_{portal.family}")
