"""淮安市人民政府 — 政府信息公开年报 column.

Source: the column URL is the "list" example in zxj6827111-blip/KIROGOVCOMPARE's frontend URL-collection
component (portals.md §1.1). Huai'an lists are server-rendered with `nsetpage(...)` paging and static
`index_N.html` pages (portals.md §5.1), which the TRS family reads. Not reachable from here: proven on
the mock portal only.
"""

from crawler.families.static import TrsSpider


class JiangsuHuaianSpider(TrsSpider):
    name = "jiangsu_huaian"
    region_code = "320800"
    # TrsSpider
    column_urls = ("https://www.huaian.gov.cn/col/18073_668815/index.html",)
