"""Run the project's item pipelines on one item without a crawl (unit tests of the whole chain)."""

from __future__ import annotations

from scrapy.utils.misc import load_object

from crawler import settings


def build_pipelines(db_path) -> list:
    pipelines = []
    for path, _ in sorted(settings.ITEM_PIPELINES.items(), key=lambda entry: entry[1]):
        cls = load_object(path)
        code = getattr(cls.__init__, "__code__", None)
        if code is not None and "db_path" in code.co_varnames:
            pipelines.append(cls(str(db_path)))
        else:
            pipelines.append(cls())
    for pipeline in pipelines:
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider()
    return pipelines


def process(item, pipelines: list):
    import asyncio
    import inspect

    for pipeline in pipelines:
        result = pipeline.process_item(item)
        item = asyncio.run(result) if inspect.isawaitable(result) else result
    return item


def close(pipelines: list) -> None:
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider()
