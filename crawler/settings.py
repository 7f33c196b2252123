"""Scrapy settings for nianbao (project settings are the lead's; see the marked crawl block)."""

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"
FEED_EXPORT_ENCODING = "utf-8"
REPORTS_DB = "data/reports.db"

# --- crawling (issue 4: crawler/middlewares.py, crawler/state.py) -------------------------------
# Politeness: portals are small government servers; one request at a time per host with a delay
# that AutoThrottle raises when the server slows down. Tests set DOWNLOAD_DELAY=0 and
# AUTOTHROTTLE_ENABLED=False.
ROBOTSTXT_OBEY = True  # default False
NIANBAO_CONTACT = "https://github.com/nianbao/nianbao"  # who to write to about this crawler
USER_AGENT = f"nianbao/0.1 (+{NIANBAO_CONTACT}; research crawler for 政府信息公开年报)"  # default Scrapy/VERSION
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # default 8
DOWNLOAD_DELAY = 1.0  # default 0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%, replaces RANDOMIZE_DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True  # default False
AUTOTHROTTLE_START_DELAY = 1.0  # default 5
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# 403/412/521 stay out of RETRY_HTTP_CODES: challenge walls do not pass on retry (ecosystem.md §4).
DOWNLOADER_MIDDLEWARES = {
    # between HttpCompression (590, decodes gzip) and Retry (550, must not retry challenge pages)
    "crawler.middlewares.EncodingFixMiddleware": 575,
    "crawler.middlewares.BlockDetectionMiddleware": 570,
    "crawler.middlewares.LoopbackRouteMiddleware": 740,  # before HttpProxyMiddleware (750)
}
EXTENSIONS = {"crawler.state.CrawlStateExtension": 500}
# --- end crawling -------------------------------------------------------------------------------
