"""Item pipelines and the Scrapy-free parsing modules they call.

ITEM_PIPELINES, in order (crawls, `scrapy ingest` and `scrapy reparse` all use exactly these):

1. `identify.IdentifyReportPipeline` — stable report id and content hash; unchanged documents skip the rest.
2. `parse.ParseReportPipeline` — decode, metadata, sections, tables, segmentation (pure stages, run in
   worker processes); see `parse.py` for the stage order.
3. `store.StoreReportPipeline` — one report's rows written in one transaction, replacing its old rows.
"""
