"""Downloader middlewares: block detection and the GBK/wrong-charset fix (portals.md §6.1, §7).

`BlockDetectionMiddleware` recognises anti-bot and error answers — 412 with a `$_ts` JS challenge
(Ruishu), 521 / `__jsl` cookie challenges (Jiasule), Aliyun's `acw_sc__v2` cookie and slider pages,
云锁, 安全狗, 创宇盾 and 360 网站卫士 pages, 403 and 429, captcha/rate-limit pages (安全验证, 请输入验证码,
访问频繁…), soft 404s (a 200 saying 页面不存在 in a tiny body) — records the URL
as blocked with the reason in `crawl_state` and drops the request (`crawler.state.Blocked`).
It sits between the downloader and RetryMiddleware (priority 590 > 550), so challenge answers are
never retried: a retry cannot pass a JS wall and only hammers the site (ecosystem.md §4). Requests
may opt out with `meta["nianbao_no_block_check"]` (e.g. attachments, checked by magic bytes).

`EncodingFixMiddleware`: Scrapy trusts the HTTP header charset before `<meta>`; when they disagree
and the header decoding shows U+FFFD or Latin-1 mojibake, re-decode with the `<meta>` charset (any
gb* label → GB18030).
"""

from __future__ import annotations

import codecs
import re

from scrapy.http import HtmlResponse, TextResponse

from crawler.state import Blocked, CrawlState

BLOCK_STATUS = {
    403: "http 403 forbidden",
    412: "http 412 challenge",
    429: "http 429 rate limited",
    468: "http 468 challenge",  # WAF answer seen on whole cities (portal list review, issue 15)
    521: "http 521 challenge",
}
# Markers of anti-bot answers in the first bytes of a page, whatever its size (names of their cookies and
# scripts; portals.md §7). Pages that only say so in words are recognised by CAPTCHA_WORDS when small.
CHALLENGE_MARKERS = [
    ("$_ts", "ruishu js challenge ($_ts)"),
    ("__jsl_clearance", "jiasule cookie challenge (__jsl)"),
    ("__jsluid", "jiasule cookie challenge (__jsl)"),
    ("acw_sc__v2", "aliyun cookie challenge (acw_sc__v2)"),
    ("_waf_bd8ce2ce37", "aliyun waf slider (acw_tc)"),
    ("nc_1_wrapper", "aliyun slider captcha (nocaptcha)"),
    ("yunsuo_session_verify", "yunsuo (云锁) challenge"),
    ("wzws_cid", "360 网站卫士 cookie challenge (wzws)"),
    ("WZWS_CONFIRM_PREFIX_LABEL", "360 网站卫士 cookie challenge (wzws)"),
    ("safedog", "safedog (安全狗) block page"),
]
CAPTCHA_WORDS = ["安全验证", "请输入验证码", "访问频繁", "请求过于频繁", "人机验证", "访问受限", "滑动验证",
                 "拖动滑块", "安全狗", "云锁", "创宇盾", "网站卫士", "请开启JavaScript", "请启用JavaScript"]  # fmt: skip
SOFT_404_WORDS = ["页面不存在", "内容不存在", "访问出错", "页面未找到", "您访问的页面不存在"]
SMALL_PAGE = 4096  # real list/detail pages are larger; challenge and soft-404 pages are tiny


def block_reason(status: int, body: bytes, text: str | None) -> str | None:
    """Why this answer is a block (None when it is a usable page). Pure: tested without Scrapy."""
    head = body[:SMALL_PAGE]
    for marker, reason in CHALLENGE_MARKERS:
        if marker.encode() in head:
            return reason if status == 200 else f"http {status}: {reason}"
    if status in BLOCK_STATUS:
        return BLOCK_STATUS[status]
    if status == 200 and text is not None and len(body) < SMALL_PAGE:
        for word in CAPTCHA_WORDS:
            if word in text:
                return f"captcha/rate-limit page ({word})"
        for word in SOFT_404_WORDS:
            if word in text:
                return f"soft 404 ({word})"
    return None


class BlockDetectionMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if request.meta.get("nianbao_no_block_check") or request.url.endswith("/robots.txt"):
            return response  # attachments are checked by magic bytes; robots.txt failures mean "allow"
        text = response.text if isinstance(response, TextResponse) and len(response.body) < SMALL_PAGE else None
        reason = block_reason(response.status, response.body, text)
        if reason is None:
            return response
        kind = request.meta.get("nianbao_kind", "document")
        CrawlState.for_crawler(self.crawler).block(request.url, reason, kind)
        self.crawler.stats.inc_value(f"nianbao/blocked/{response.status}")
        raise Blocked(f"blocked: {reason}")


META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
MOJIBAKE = re.compile("[\u00c0-\u00ff]{2,}")


def meta_charset(body: bytes) -> str | None:
    m = META_CHARSET.search(body[:4096])
    if not m:
        return None
    label = m.group(1).decode("ascii", "ignore").lower()
    return "gb18030" if label.startswith("gb") else label


def looks_misdecoded(text: str) -> bool:
    return "\ufffd" in text or len(MOJIBAKE.findall(text[:20000])) >= 3


class EncodingFixMiddleware:
    def process_response(self, request, response, spider=None):
        if not isinstance(response, HtmlResponse):
            return response
        declared = meta_charset(response.body)
        if not declared or _same_codec(declared, response.encoding) or not looks_misdecoded(response.text):
            return response
        try:
            response.body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            return response  # the meta tag is not better than the header
        return response.replace(encoding=declared)


def _same_codec(a: str | None, b: str | None) -> bool:
    try:
        return bool(a and b) and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


class RecordSpiderErrorsMiddleware:
    """Spider middleware: a page whose callback raised (a bug, or a page the family cannot read) is recorded as
    an error with the exception, so it is fetched again next run; Scrapy still logs the traceback."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception, spider=None):
        kind = response.meta.get("nianbao_kind", "document")
        reason = f"spider error: {type(exception).__name__}: {exception}"[:300]
        CrawlState.for_crawler(self.crawler).fail(response.url, kind, "error", reason)
