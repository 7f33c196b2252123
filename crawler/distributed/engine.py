"""The two places a worker needs the Scrapy engine beyond its public API (Scrapy 2.19), kept here.

- When is a request *done*? Scrapy has no signal for it. The engine's slot removes a request from its
  in-progress set once the request's callback output has been handled to the end: its items through every
  pipeline, its new requests scheduled (`ExecutionEngine._handle_downloader_output` → `_remove_request`). A
  worker acknowledges a request to Redis only then, so a worker that dies before has its request fetched
  again by another.
- Waking the engine: it asks the scheduler for requests when a download ends, a request is scheduled, or
  every 5 s. A worker's queue also fills from other machines, and a host's turn comes at a known time, so
  the worker wakes its engine itself.

tests/crawl/test_distributed_units.py fails loudly if a Scrapy upgrade moves either.
"""

from __future__ import annotations

from collections.abc import Callable

from scrapy import Request


def _slot(engine):
    slot = getattr(engine, "_slot", None)
    if slot is None or not hasattr(slot, "remove_request") or not hasattr(slot, "nextcall"):
        raise RuntimeError(
            "this Scrapy's engine has no slot with remove_request/nextcall: see crawler/distributed/engine.py"
        )
    return slot


def on_request_done(engine, callback: Callable[[Request], None]) -> None:
    """Call `callback(request)` each time the engine is done with a request (after its callback's output)."""
    slot = _slot(engine)
    remove = slot.remove_request

    def remove_request(request: Request) -> None:
        remove(request)
        callback(request)

    slot.remove_request = remove_request


def wake(engine, delay: float = 0.0) -> None:
    """Have the engine ask the scheduler for requests again (after `delay` seconds)."""
    slot = getattr(engine, "_slot", None)
    if slot is not None and slot.closing is None:
        slot.nextcall.schedule(delay)
