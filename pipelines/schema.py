"""The database schema, created and migrated in this one module (sqlite-utils Migrations).

Table and column names of `../shared/spec/database.md` are a contract: never rename them.
Add a new `@migrations()` function for every change; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import ANY, Database, Migrations

from pipelines.region_table import create_region_tables, sync_regions
from pipelines.views import create_views, template_columns, template_rows

migrations = Migrations("nianbao")


@migrations()
def m001_reports(db: Database) -> None:
    db["reports"].create(
        {
            "id": str, "source": str, "title": str, "agency": str, "year": int, "published": str,
            "template": str, "region_code": str, "quality": str,
            # beyond the contract: provenance and the 索引号 block
            "quality_reasons": str, "format": str, "index_no": str, "publisher": str, "doc_date": str,
            "doc_number": str, "field_sources": str, "content_sha256": str, "parser_version": str,
            "fetched_at": str, "parsed_at": str,
        },
        pk="id", not_null={"source", "template", "quality"},
    )  # fmt: skip
    db["reports"].create_index(["agency", "year"])
    db["reports"].create_index(["region_code", "year"])
    db["cells"].create(
        {"report_id": str, "table_name": str, "row_key": str, "col_key": str, "value": ANY, "raw": str, "unit": str},
        pk=("report_id", "table_name", "row_key", "col_key"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["sections"].create(
        {"report_id": str, "number": int, "heading": str, "body": str, "tokens": str},
        pk=("report_id", "number"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["sections"].enable_fts(["tokens"], fts_version="FTS5", create_triggers=True)
    db["checks"].create(
        {"report_id": str, "seq": int, "rule": str, "scope": str, "passed": int, "detail": str, "severity": str},
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["checks"].create_index(["rule", "passed"])


@migrations()
def m002_indicators_extra_rows_documents(db: Database) -> None:
    db["indicators"].create(
        {
            "report_id": str,
            "seq": int,
            "path": str,
            "label": str,
            "unit": str,
            "period": str,
            "value": float,
            "raw": str,
        },
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["extra_rows"].create(
        {"report_id": str, "seq": int, "table_name": str, "label": str, "raw": str},
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    # The raw bytes as fetched/read (zlib-compressed), so `scrapy reparse` rebuilds without re-fetching.
    db["documents"].create(
        {
            "report_id": str, "seq": int, "role": str, "source": str, "filename": str, "content_type": str,
            "encoding": str, "sha256": str, "size": int, "compressed": bytes, "fetched_at": str,
            "region_code": str, "hints": str,
        },
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "id")],
    )  # fmt: skip


@migrations()
def m003_crawl_state(db: Database) -> None:
    db["crawl_state"].create(
        {
            "url": str, "kind": str, "spider": str, "etag": str, "last_modified": str, "sha256": str,
            "first_seen": str, "last_seen": str, "status": str, "reason": str, "report_id": str,
        },
        pk="url",
    )  # fmt: skip
    db["crawl_state"].create_index(["spider", "kind"])
    db["crawl_runs"].create(
        {
            "id": int, "spider": str, "started": str, "finished": str, "pages": int, "new": int, "changed": int,
            "unchanged": int, "blocked": int, "errors": int, "status": str, "detail": str,
        },
        pk="id",
    )  # fmt: skip


@migrations()
def m004_report_source(db: Database) -> None:
    # The attachment a report's text and tables came from when the page was only a link to it.
    db["reports"].add_column("report_source", str)


@migrations()
def m005_crawl_state_sha256(db: Database) -> None:
    # Cross-posted duplicates are found by content hash.
    db["crawl_state"].create_index(["sha256"], if_not_exists=True)


@migrations()
def m006_sections_fts_per_batch(db: Database) -> None:
    # Sections were indexed once per batch by the store (then pipelines/batch.py; since m008 a trigger again): an
    # FTS5 index flushes at every savepoint, and the store takes one per report. The delete and update
    # triggers stay. Rows inserted into `sections` by hand need:
    #   INSERT INTO sections_fts (sections_fts) VALUES ('rebuild')
    db.execute("DROP TRIGGER IF EXISTS sections_ai")


@migrations()
def m007_cells_checks_without_rowid(db: Database) -> None:
    # ~160 cells and ~45 checks per report are looked up only by their primary key: stored WITHOUT ROWID
    # the key is the table, not a second B-tree beside it (measured: a 2,000-report database 125 -> 100 MB,
    # writing 12 % faster).
    for table in ("cells", "checks"):
        create = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
        db.execute(create.replace(f'"{table}"', f'"{table}_new"', 1) + " WITHOUT ROWID")
        db.execute(f'INSERT INTO "{table}_new" SELECT * FROM "{table}"')
        db.execute(f'DROP TABLE "{table}"')
        db.execute(f'ALTER TABLE "{table}_new" RENAME TO "{table}"')
    db["checks"].create_index(["rule", "passed"], if_not_exists=True)


@migrations()
def m008_sections_fts_trigger(db: Database) -> None:
    # Sections are indexed by a trigger again: the store writes many reports per statement, without a
    # savepoint per report, so FTS5 no longer flushes its index once per report (see m006).
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS [sections_ai] AFTER INSERT ON [sections] BEGIN "
        "INSERT INTO [sections_fts] (rowid, [tokens]) VALUES (new.rowid, new.[tokens]); END"
    )


@migrations()
def m009_crawl_run_outcomes(db: Database) -> None:
    # Every URL that does not end stored is counted by outcome (crawler/state.py): gone and skipped join
    # errors and blocked.
    db["crawl_runs"].add_column("gone", int)
    db["crawl_runs"].add_column("skipped", int)
    # `documents.filename` is a safe name; the name a server sent (untrusted, maybe a path) is kept apart.
    db["documents"].add_column("filename_sent", str)


@migrations()
def m010_portal_discovery(db: Database) -> None:
    # Issue 15: how each portal's 年报 column was found (crawler/families/discover.py, crawler/evidence.py).
    # portal_columns: one row per column found, with its evidence, reused by the next run; a column that no
    # longer answers as one is kept with status 'moved' (and found again from the home page).
    db["portal_columns"].create(
        {
            "portal": str, "column_url": str, "region_code": str, "link_text": str, "method": str, "found_on": str,
            "evidence": str, "status": str, "reason": str, "first_found": str, "last_confirmed": str,
        },
        pk=("portal", "column_url"),
    )  # fmt: skip
    # portal_discovery: one row per portal (home page): the last outcome — found | unreachable | blocked |
    # javascript-only | not-found — with why, the requests it took, and the 政府网站标识码 identity check.
    db["portal_discovery"].create(
        {
            "portal": str, "region_code": str, "name": str, "status": str, "reason": str, "method": str,
            "requests": int, "site_id": str, "identity": str, "spider": str, "checked": str,
        },
        pk="portal",
    )  # fmt: skip
    db["portal_discovery"].create_index(["region_code"])
    # browser_pages: pages that answered scripts with a challenge (412/521/468…) and were fetched again
    # through the opt-in browser (BROWSER_FALLBACK, crawler/browser.py), and whether that worked.
    db["browser_pages"].create(
        {"url": str, "status": int, "reason": str, "ok": int, "spider": str, "fetched_at": str}, pk="url"
    )


@migrations()
def m011_regions_table(db: Database) -> None:
    # data/regions.csv in the database (pipelines/region_table.py); filled and kept equal to the file by
    # sync_regions, which open_database runs after the migrations.
    create_region_tables(db)


@migrations()
def m012_template_labels_and_research_views(db: Database) -> None:
    # The template's official wording per row and column, and the researchers' views (pipelines/views.py).
    db["template_rows"].insert_all(
        [dict(zip(("table_name", "row_key", "position", "label"), row, strict=True)) for row in template_rows()],
        pk=("table_name", "row_key"),
    )
    db["template_columns"].insert_all(
        [dict(zip(("table_name", "col_key", "position", "label"), row, strict=True)) for row in template_columns()],
        pk=("table_name", "col_key"),
    )
    create_views(db)


@migrations()
def m013_sections_search(db: Database) -> None:
    # What researchers type, found in the verbatim body (research/search.py has the query side; README
    # "Search" says why this design). An FTS5 trigram index over body: a quoted query of 3+ characters
    # matches exactly the sections whose body contains it. 2-character queries go through the index's
    # vocabulary (sections_search_terms): every trigram that starts with them. The indexed text is the
    # body plus a newline, so that a body's last two characters also start a trigram; the content view
    # supplies the same text to snippet() and to 'rebuild'.
    # Kept in sync by triggers (the store writes batches without a savepoint per report, so an FTS5
    # flush per statement is cheap again).
    db.execute(
        "CREATE VIEW sections_search_content AS SELECT rowid AS section_rowid, body || char(10) AS body FROM sections"
    )
    db.execute(
        "CREATE VIRTUAL TABLE sections_search USING fts5(body, tokenize = 'trigram', "
        "content = 'sections_search_content', content_rowid = 'section_rowid')"
    )
    db.execute("CREATE VIRTUAL TABLE sections_search_terms USING fts5vocab(sections_search, 'row')")
    for statement in SECTIONS_SEARCH_TRIGGERS:
        db.execute(statement)
    db.execute("INSERT INTO sections_search (sections_search) VALUES ('rebuild')")


SECTIONS_SEARCH_TRIGGERS = (
    "CREATE TRIGGER sections_search_ai AFTER INSERT ON sections BEGIN "
    "INSERT INTO sections_search (rowid, body) VALUES (new.rowid, new.body || char(10)); END",
    "CREATE TRIGGER sections_search_ad AFTER DELETE ON sections BEGIN "
    "INSERT INTO sections_search (sections_search, rowid, body) VALUES ('delete', old.rowid, old.body || char(10)); END",
    "CREATE TRIGGER sections_search_au AFTER UPDATE OF body ON sections BEGIN "
    "INSERT INTO sections_search (sections_search, rowid, body) VALUES ('delete', old.rowid, old.body || char(10)); "
    "INSERT INTO sections_search (rowid, body) VALUES (new.rowid, new.body || char(10)); END",
)


@migrations()
def m014_split_readings(db: Database) -> None:
    # The readings the rules admit for each group of unsure cells (pipelines/tables/alternatives.py), so
    # that the same agency's neighbouring years can choose among them (pipelines/crossyear.py).
    db["split_readings"].create(
        {
            "report_id": str, "group_no": int, "reading": int, "table_name": str, "row_key": str, "col_key": str,
            "value": ANY, "raw": str, "printed": str,
        },
        pk=("report_id", "group_no", "reading", "table_name", "row_key", "col_key"),
        foreign_keys=[("report_id", "reports", "id")],
    )  # fmt: skip


@migrations()
def m015_run_monitor_alerts(db: Database) -> None:
    # Run monitors (crawler/monitors.py): what a run crawled (the spider, with -a url=/region= for the generic
    # one), the report links on its columns' first pages, and the alerts raised by comparing runs.
    db["crawl_runs"].add_column("target", str)
    db["crawl_runs"].add_column("listed", int)
    db["alerts"].create(
        {
            "id": int, "run_id": int, "spider": str, "target": str, "monitor": str, "message": str,
            "raised": str, "resolved": str, "resolved_by": str,
        },
        pk="id", not_null={"spider", "monitor", "message", "raised"},
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )  # fmt: skip
    db["alerts"].create_index(["spider", "target", "monitor"])


@migrations()
def m016_crawl_run_workers(db: Database) -> None:
    # A distributed run (README "Scaling out") has one row per worker plus the row of the run they belong
    # to: a worker's row names the worker ("host:pid:tag") and points at its run's row (part_of); the run's
    # row has neither and sums its workers. Local runs have neither.
    db["crawl_runs"].add_column("worker", str)
    db["crawl_runs"].add_column("part_of", int)
    db["crawl_runs"].create_index(["part_of"], if_not_exists=True)


def report_tables(db: Database) -> tuple[str, ...]:
    """The tables whose rows belong to one report (a foreign key report_id → reports.id): a report that is
    written again replaces its rows in all of them."""
    return tuple(
        table.name
        for table in db.tables
        if any(fk.column == "report_id" and fk.other_table == "reports" for fk in table.foreign_keys)
    )


def open_database(path: str) -> Database:
    """Open (creating or migrating) the reports database in WAL mode, so researchers can read during a run.

    Two runs may open one file at the same moment (a nightly crawl and an ingest): the busy timeout
    comes first, so that neither fails on the other's lock, and the migrations run in one IMMEDIATE
    transaction, so that the second sees what the first applied instead of applying it again.
    """
    db = Database(path)
    db.execute("PRAGMA busy_timeout = 10000")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    # 16 MB of page cache (default 2 MB): B-tree and FTS pages of the batch stay in memory. 64 MB measured
    # no faster on a 2,000-report ingest once the FTS index was written per batch (m006).
    db.execute("PRAGMA cache_size = -16384")
    db.execute("PRAGMA foreign_keys = ON")
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)  # each migration in a savepoint of this transaction
        sync_regions(db)  # data/regions.csv may have changed since the last run
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    return db
