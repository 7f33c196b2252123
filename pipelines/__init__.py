"""Item pipelines and the Scrapy-free modules they call.

The path of one report (crawls, `scrapy ingest` and `scrapy reparse` all take it):

    spider: raw bytes + the listing's hints ─► identify ─► parse (helper process) ─► store ─► database thread
                                                 │             │                        │        │
                                        id, hash, unchanged?   rows (rows.py)    queue rows   bulk write, commit

1. `identify.IdentifyReportPipeline` — stable report id and content hash; unchanged documents skip the rest.
2. `parse.ParseReportPipeline` — `parse.parse_item`: decode (`formats/`), metadata, sections, tables, checks,
   segmentation, and the report's rows (`rows.py`), in helper processes (`pool.py`).
3. `store.StoreReportPipeline` — hands the rows (and the page's crawl state) to the run's database
   (`database.py`): one writing connection in one thread, bulk writes, a commit every second.
"""
