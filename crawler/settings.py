"""Project settings. Non-default values say why; `# default X` gives Scrapy's own default."""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Politeness: government portals are small servers; one request at a time per host.
ROBOTSTXT_OBEY = True  # default False
USER_AGENT = "nianbao/0.1 (+https://example.org/nianbao; research crawler for 政府信息公开年报)"
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # default 8
DOWNLOAD_DELAY = 1.0  # default 0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %, default 0.5
AUTOTHROTTLE_ENABLED = True  # default False
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60  # default 180
TELNETCONSOLE_ENABLED = False  # default True
REMOTE_CONTROL_ENABLED = False  # default True: no listening port on a crawler host
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# The item pipelines: one job each (see pipelines/__init__.py); `scrapy ingest` and crawls share them.
ITEM_PIPELINES = {
    "pipelines.identify.IdentifyReportPipeline": 100,
    "pipelines.parse.ParseReportPipeline": 200,
    "pipelines.store.StoreReportPipeline": 300,
}

REPORTS_DB = "data/reports.db"  # the researchers' database (../shared/spec/database.md)
REPORTS_SEGMENTER = "rjieba"  # or "jieba" (reference engine, ~35× slower); runs in the parser processes
REPORTS_MAX_BYTES = 40 * 1024 * 1024  # larger documents are recorded as errors, not parsed
# Parser processes (0 = parse in the crawling process). On 2 cores one is enough: the crawling process, with
# the database's writer thread, takes the other core (tests/benchmarks/bench_ingest.py).
REPORTS_PARSE_WORKERS = 1
REPORTS_COMMIT_SECONDS = 1.0  # what has been written is committed this often (pipelines/database.py)

# --- crawling (issue 4: crawler/middlewares.py, crawler/state.py) -------------------------------
# 403/412/521 stay out of RETRY_HTTP_CODES: challenge walls do not pass on retry (ecosystem.md §4);
# BlockDetectionMiddleware records them as blocked instead. Tests set DOWNLOAD_DELAY=0 and
# AUTOTHROTTLE_ENABLED=False.
DOWNLOADER_MIDDLEWARES = {
    # between HttpCompression (590, decodes gzip) and Retry (550, must not retry challenge pages)
    "crawler.middlewares.EncodingFixMiddleware": 575,
    "crawler.middlewares.BlockDetectionMiddleware": 570,
    "crawler.browser.BrowserFallbackMiddleware": 580,  # challenge answers → browser, before BlockDetection sees them
}
SPIDER_MIDDLEWARES = {"crawler.middlewares.RecordSpiderErrorsMiddleware": 100}  # a callback's error names its page
# crawl_state, crawl_runs and the run status; then the run monitors, which read the finished run record
EXTENSIONS = {"crawler.state.CrawlStateExtension": 500, "crawler.monitors.RunMonitorsExtension": 510}
# Size caps while downloading (default 1 GiB and 32 MiB): a file larger than the parser takes is not fetched
# whole, and a compressed answer that inflates beyond it is dropped while inflating (a 1 MB gzip bomb took
# the crawl to 6 GB). Listing pages have a smaller cap (crawler/families/base.py `listing`).
DOWNLOAD_MAXSIZE = REPORTS_MAX_BYTES
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# default 100: Scrapy starts that many worker tasks for every callback's output; ours yield one item per
# report page, and the 100 tasks cost ~30% of the crawl's CPU (tests/benchmarks/bench_crawl.py).
CONCURRENT_ITEMS = 16
# default 5,000,000: Scrapy stops fetching while the responses still being processed (here: mostly
# waiting for the parser process) add up to this many bytes. Each held page keeps its parsed tree, ~150 KB
# for an 8 KB page: at 5 MB the crawling process grew from 135 to 250 MB on the 2,000-report benchmark.
# A short queue is enough to keep the parser busy (~40 such pages, 0.2 s of parsing) and it also shortens
# the drain at the end of a crawl: 300 KB was ~7 % faster than 1 MB there, and 120 KB starved the parser.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 300_000
# Run monitors (crawler/monitors.py): an alert, and exit 5, when a run of a portal lists fewer than this share
# of the reports its last run listed on the columns' first pages, when errors and blocked pages are more than
# this share of the URLs it met, or when a portal that used to change had nothing new for this many days.
REPORTS_MONITOR_LISTED_DROP = 0.5
REPORTS_MONITOR_FAILED_SHARE = 0.25
REPORTS_MONITOR_QUIET_DAYS = 30
# --- end crawling -------------------------------------------------------------------------------

# --- reach (issue 15: crawler/discovery.py, crawler/families/discover.py, crawler/browser.py) -------
DISCOVERY_BUDGET = 10  # requests per portal to find its 年报 column from the home page
DISCOVERY_REFRESH = False  # True: ignore the columns earlier runs recorded
# Opt-in: fetch challenge answers (412/468/521 JS walls) again through headless chromium (scrapy-playwright,
# requirements-browser.txt, apt package chromium). The addon does nothing while this is False.
BROWSER_FALLBACK = False
BROWSER_EXECUTABLE = "/usr/bin/chromium"
BROWSER_SETTLE_SECONDS = 15.0  # how long a challenge page may take to set its cookie and reload
ADDONS = {"crawler.browser.BrowserFallbackAddon": 0}
# --- end reach ----------------------------------------------------------------------------------------

# --- distributed crawls (README "Scaling out": crawler/distributed/, pipelines/relay*.py) ---------
# With -s REDIS_URL=redis://host:port/db a crawl is a worker of the crawl's shared run (scrapy-redis's
# scheduler and duplicate filter); `scrapy store` with the same REDIS_URL is the one process writing REPORTS_DB.
ADDONS = {**ADDONS, "crawler.distributed.WorkerMode": 0}  # (after reach's) does nothing without REDIS_URL
REDIS_URL = None
REDIS_KEY_PREFIX = "nianbao"  # every key of one installation (one writer, one database) starts so
REDIS_WORKER_TIMEOUT = 30.0  # a worker silent this long is dead: another queues its requests again
REDIS_RETRIES = 20  # a lost connection is retried (0.05 s doubling to 1 s: ~20 s) before the worker stops
REDIS_WRITER_WAIT = 300.0  # a worker waits this long for the writer to load the crawl state into Redis
# --- end distributed ----------------------------------------------------------------------------
