"""Family base spiders — choose one for a new portal (each class docstring is its manual):

- `static.TrsSpider` ("trs"): HTML column pages `index.html`, `index_N.html`, `xxgk_list_N.shtml`…,
  with a `createPageHTML`/`countPage`/`nsetpage` script or 下一页 links; details `./YYYYMM/tYYYYMMDD_ID.html`.
- `hanweb.HanwebSpider` ("hanweb"): 大汉 JCMS `/col/colN/index.html` with an inline `<datastore>` and
  `dataproxy.jsp` (POST windows or GET `page=`); details `/art/YYYY/M/D/art_C_A.html`.
- `hanweb.JpaasSpider` ("jpaas"): Hanweb's newer platform, `script[parsetype=bulidstatic]` → JSON with
  an HTML fragment and a `count` attribute.
- `gkmlpt.GkmlptSpider` ("gkmlpt"): Guangdong `/gkmlpt/index` + `/gkmlpt/api/all/{category}`.
- `jsonapi.JsonApiSpider` ("json_api"): any JSON/JSONP list endpoint, configured by attributes.
- `static.GenericSpider` ("generic"): sites of unknown make — 年报 links by title, pagination by
  link text and shape, sub-columns by short links under the column.
`detect.detect_family(html)` picks one from a column page (portals.md §10); `annual_reports -a url=…` uses it.
Not a family: `discover.DiscoveryMixin` finds the 年报 column from a portal's home page (rules in
crawler/discovery.py) and hands the column to a family; `scrapy crawl discover` runs it alone.
"""
