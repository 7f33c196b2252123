"""宿迁市人民政府 — 政府信息公开年报 column.

Source: zxj6827111-blip/GovOpen-AutoAudit pilot_sites.json (portals.md §1.1). Suqian lists are static
pages with the 6-argument `createPageHTML('page_div', …, 'xxgk_list', 'shtml', n)` call (njzhx/PolicyClaw2,
portals.md §2), read by the TRS family. Proven on the mock portal only.
"""

from crawler.families.static import TrsSpider


class JiangsuSuqianSpider(TrsSpider):
    name = "jiangsu_suqian"
    region_code = "321300"
    # TrsSpider
    column_urls = ("https://www.suqian.gov.cn/cnsq/gknb/xxgknb2019_list.shtml",)
