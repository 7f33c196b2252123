"""沭阳县人民政府 (宿迁市) — 信息公开年报 column.

Source: zxj6827111-blip/GovOpen-AutoAudit pilot_sites.json (portals.md §1.1). The list template is not
described in the evidence, so the generic family (年报 links by title, 下一页/numbered paging) is used.
Proven on the mock portal only.
"""

from crawler.families.static import GenericSpider


class JiangsuSuqianShuyangSpider(GenericSpider):
    name = "jiangsu_suqian_shuyang"
    region_code = "321322"
    # GenericSpider
    column_urls = ("http://www.shuyang.gov.cn/shuyang/xxgknb/list.shtml",)
