"""`mock_region`: a region crawl over the multi-host mock portal (crawl_mock.py), for distributed tests.

An `annual_reports -a region=` run whose portals are the mock hosts: every family (TRS with its cross-post,
robots.txt and attachments; Hanweb with POST windows; Jpaas; gkmlpt; a JSON API; generic) and the troubled
hosts (page 2 repeating page 1, 500s that pass, soft 404s, an anti-bot wall). Subprocess tests reach it with
`-s SPIDER_MODULES=crawler.spiders,distributed_spiders` and tests/crawl on PYTHONPATH.
"""

from typing import ClassVar

from crawler.families.gkmlpt import GkmlptSpider
from crawler.families.hanweb import HanwebSpider, JpaasSpider
from crawler.families.jsonapi import JsonApiSpider
from crawler.families.static import GenericSpider, TrsSpider
from crawler.spiders.annual_reports import AnnualReportsSpider


class TrsPart(TrsSpider):
    name = "mock_trs"
    region_code = "990101"
    column_urls = ("http://trs.mock/zfxxgk/zfxxgknb/index.html",)


class HanwebPart(HanwebSpider):
    name = "mock_hanweb"
    column_urls = (
        "http://hanweb.mock/col/col1230001/index.html",
        "http://hanweb.mock/col/col1230002/index.html",
        "http://hanweb.mock/col/col1230003/index.html",
    )
    xxgk_form: ClassVar[dict] = {"infotypeId": "A0203", "jdid": "1", "area": "014000650", "divid": "div1230003"}


class JpaasPart(JpaasSpider):
    name = "mock_jpaas"
    column_urls = ("http://jpaas.mock/col/col3185/index.html",)


class GkmlptPart(GkmlptSpider):
    name = "mock_gkmlpt"
    column_urls = ("http://gkmlpt.mock/gkmlpt/index",)


class JsonPart(JsonApiSpider):
    name = "mock_json"
    column_urls = ("http://json.mock/cmsweb/zwgk/sj/index.html",)
    api_url, api_method = "/articleCommonController/lists.do", "POST"
    api_form: ClassVar[dict] = {"page": "{page}", "pagesize": "{size}", "topic": "63"}
    page_size, list_path, total_path = 3, "value.list", "value.total"
    url_template, date_field = "{domain}{path}", "releaseTime"


def generic(host: str, path: str = "/nb/index.html") -> type[GenericSpider]:
    return type(f"Generic_{host.split('.')[0]}", (GenericSpider,),
                {"name": f"mock_{host.split('.')[0]}", "column_urls": (f"http://{host}{path}",)})  # fmt: skip


PARTS = [TrsPart, HanwebPart, JpaasPart, GkmlptPart, JsonPart,
         generic("generic.mock", "/xxgk/nb/list.html"), generic("repeat.mock"), generic("flaky.mock"),
         generic("soft404.mock"), generic("ruishu.mock")]  # fmt: skip
HOSTS = ["trs.mock", "hanweb.mock", "jpaas.mock", "gkmlpt.mock", "json.mock", "generic.mock", "repeat.mock",
         "flaky.mock", "soft404.mock", "ruishu.mock"]  # fmt: skip


class MockRegionSpider(AnnualReportsSpider):
    name = "mock_region"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, region="32", **kwargs)
        self.portal_classes = PARTS
        self.portals = []  # (no discovery of the registry's other portals of region 32: offline)
