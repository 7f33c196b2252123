"""Progress (count, rate, ETA) and the end-of-run summary for local runs (`ingest`, `reparse`)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from scrapy import signals

# How often the progress line is refreshed on long runs, in seconds.
PROGRESS_EVERY = 2.0


@dataclass
class RunReport:
    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    unchanged: int = 0
    quality: dict[str, int] = field(default_factory=lambda: {"ok": 0, "warning": 0, "error": 0})
    failures: list[tuple[str, str]] = field(default_factory=list)
    _last_print: float = 0.0

    def attach(self, crawler) -> None:
        crawler.signals.connect(self.item_done, signal=signals.item_scraped)
        crawler.signals.connect(self.item_failed, signal=signals.item_error)

    def item_done(self, item, **_) -> None:
        self.done += 1
        if item.unchanged:
            self.unchanged += 1
        else:
            report = item.rows.report
            self.quality[report["quality"]] = self.quality.get(report["quality"], 0) + 1
            if report["quality"] == "error":
                self.failures.append((item.source, (report["quality_reasons"] or "error").replace("\n", "; ")))
        self._progress()

    def item_failed(self, item, failure, **_) -> None:
        self.done += 1
        self.failures.append((item.source, f"pipeline failed: {failure.getErrorMessage()}"))
        self._progress()

    def _progress(self) -> None:
        now = time.monotonic()
        if now - self._last_print < PROGRESS_EVERY and self.done != self.total:
            return
        self._last_print = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0
        print(f"\r{self.done}/{self.total} documents, {rate:.0f}/s, ETA {eta:.0f}s ", end="", file=sys.stderr)
        if self.done == self.total:
            print(file=sys.stderr)

    def summary(self) -> str:
        elapsed = time.monotonic() - self.started
        lines = [
            f"{self.done} documents in {elapsed:.1f}s: {self.done - self.unchanged} parsed, {self.unchanged} unchanged",
            "quality: " + ", ".join(f"{name} {count}" for name, count in self.quality.items()),
        ]
        if self.done < self.total:
            lines.append(f"NOT FINISHED: {self.total - self.done} documents were not processed")
        lines += [f"FAILED {source}: {reason}" for source, reason in self.failures]
        return "\n".join(lines)

    @property
    def failed(self) -> bool:
        return bool(self.failures) or self.done < self.total


def quiet_logs(settings, opts) -> None:
    """Local runs print progress and a summary; Scrapy's INFO log would drown them (unless -L is given)."""
    if opts.loglevel is None and not opts.nolog:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
