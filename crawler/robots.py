"""robots.txt obeyed by every request, also those that wait for it together (a Scrapy 2.19 bug, fixed here).

Scrapy 2.19's `RobotsTxtMiddleware` has every request to a host wait for that host's robots.txt on one
Deferred, converted to an asyncio future per waiter (`maybe_deferred_to_future`, scrapy/scrapy#6802). Such a
conversion consumes the Deferred's result: the first waiter gets the parser, every later one gets None —
"no robots.txt", so it is fetched even where robots.txt forbids it. A local crawl meets this when it asks a
new host for several pages at once (a portal with several columns on one host); a distributed worker meets
it whenever it takes a batch of a host's requests from the shared queue. Here each waiter gets its own
Deferred, fed from the shared one without consuming it. (tests/crawl/test_distributed_units.py)
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request):
        shared = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(shared, Deferred):  # robots.txt on its way: wait for it without taking it from the others
            mine: Deferred = Deferred()

            def forward(result):
                mine.callback(result)
                return result

            shared.addBoth(forward)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)
