"""Item pipelines and the Scrapy-free parsing modules they call.

ITEM_PIPELINES, in order (crawls, `scrapy ingest` and `scrapy reparse` all use exactly these):

1. `identify.IdentifyReportPipeline` — stable report id and content hash; unchanged documents skip the rest.
2. `parse.ParseReportPipeline` — decode, metadata, sections, tables (pure stages, run in a parser
   process) and the report's database rows (`rows.py`); see `parse.py` for the stage order.
3. `store.StoreReportPipeline` — hands the rows to the database writer process (`writer.py`), where
   `batch.py` segments the sections and writes the report whole, replacing its old rows.
"""
