"""What researchers get out of the database besides the tables: search, exports, the static site.

- `search`: find sections whose verbatim body contains what was typed (`scrapy search`);
- `export`: CSV / Parquet files of every table and view, with a data dictionary (`scrapy export`);
- `site`: a static, offline website of charts and tables (`scrapy site`);
- `outdir`: the output-directory rules both follow (refuse a non-empty directory, never write outside it).

Everything here only reads the database (opened with `pipelines.schema.open_database`, which brings an
older file up to date first).
"""
