"""The one writer of distributed crawls (`scrapy store`): entries from Redis into the reports database.

A reliable single-consumer queue: the writer moves a batch of entries from `<prefix>:rows` to
`<prefix>:rows:processing` (BLMOVE, then a script for the rest, oldest first), applies them through the
run's `ReportsDatabase` (the same owner and bulk writes as a local run), commits, refreshes the mirror the
workers read, and only then drops the processing list. Killed at any point, it loses nothing: the next
writer moves the processing list back to the head of the queue, and applies again what may already be in
the database, which is harmless (a report replaces its own rows, crawl state is an upsert, run events find
their rows). One writer per Redis prefix: a lock key, renewed at every batch.

Entries of another row format (a worker of another project version) are refused: moved to
`<prefix>:rows:refused`, said once per format with both versions, and moved back to the queue by a writer
that reads them. Run events become the `crawl_runs` rows of a distributed run: one per worker (`worker`,
`part_of`) and the run's own row, which sums them when the run finishes.

The mirror: `crawl_state` rows by URL, reports' (content hash, parser version) by id, which URL holds which
bytes, and each spider's last run; loaded whole when the writer attaches (into temporary keys, renamed at
once), then refreshed from the committed rows after every batch.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import redis

from pipelines.database import ReportsDatabase
from pipelines.relay import FORMAT, EntryRefused, Keys, decode
from pipelines.sql import chunks

logger = logging.getLogger(__name__)

# Oldest first, as many as asked (BLMOVE takes one): one round trip for a batch.
TAKE = """
local out = {}
for _ = 1, tonumber(ARGV[1]) do
  local entry = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not entry then break end
  table.insert(out, entry)
end
return out
"""
# The processing list back to the head of the queue, in its order (a killed writer's batch).
RECOVER = """
local n = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do n = n + 1 end
return n
"""
# The lock renewed; taken again when it expired meanwhile (Redis restarted, the writer paused): 0 only when
# another writer holds it.
RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
STORED = "SELECT id, content_sha256, parser_version FROM reports WHERE quality != 'error'"  # as identify reads
COLUMNS = ("SELECT portal, column_url, link_text, method, found_on, first_found FROM portal_columns "
           "WHERE status = 'found'")  # as crawler/evidence.py reads them, per portal, by first_found  # fmt: skip


class WriterError(RuntimeError):
    """The writer cannot start or go on (another writer attached, its lock lost): one line, for the operator."""


@dataclass
class Summary:
    entries: int = 0
    reports: int = 0
    upserts: int = 0
    events: int = 0
    refused: Counter = field(default_factory=Counter)  # reason → entries
    runs: list[str] = field(default_factory=list)  # runs finished

    def line(self) -> str:
        refused = sum(self.refused.values())
        return (f"applied {self.entries} entries: {self.reports} reports, {self.upserts} crawl-state rows, "
                f"{self.events} run events; {len(self.runs)} runs finished; {refused} refused")  # fmt: skip


@dataclass
class _Touched:
    """What a batch changed, to refresh in the mirror once committed."""

    urls: set[str] = field(default_factory=set)
    reports: set[str] = field(default_factory=set)
    portals: set[str] = field(default_factory=set)  # portal_columns touched
    last: dict[str, str] = field(default_factory=dict)  # spider → JSON {status, detail}


class Writer:
    def __init__(self, server: redis.Redis, keys: Keys, db: ReportsDatabase, *, batch: int = 256,
                 lock_seconds: float = 15.0) -> None:  # fmt: skip
        self.server, self.keys, self.db, self.batch = server, keys, db, batch
        self.lock_seconds = max(2, round(lock_seconds))
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.summary = Summary()
        self.stop = False
        self.take = server.register_script(TAKE)
        self.renew_lock = server.register_script(RENEW)

    # -- attaching --------------------------------------------------------------------------------------
    def attach(self) -> None:
        """Take the writer's lock (waiting for a dead writer's to expire), recover a killed writer's batch,
        re-admit refused entries this writer reads, and load the mirror."""
        deadline = time.monotonic() + self.lock_seconds + 1
        while not self.server.set(self.keys.writer, self.me, nx=True, ex=self.lock_seconds):
            holder = (self.server.get(self.keys.writer) or b"?").decode()
            if time.monotonic() > deadline:
                raise WriterError(
                    f"another writer ({holder}) is attached to {self.keys.prefix}: one writer per database"
                )
            time.sleep(0.25)
        self.server.set(self.keys.writer_format, FORMAT)
        if moved := self.server.register_script(RECOVER)(keys=[self.keys.processing, self.keys.rows]):
            logger.info("%d entries of an interrupted batch queued again", moved)
        self.readmit()
        self.load_mirror()

    def detach(self) -> None:
        if self.server.get(self.keys.writer) == self.me.encode():
            self.server.delete(self.keys.writer)

    def readmit(self) -> None:
        for entry in self.server.lrange(self.keys.refused, 0, -1):
            if entry.partition(b"\n")[0] == FORMAT.encode():
                pipe = self.server.pipeline(transaction=True)
                pipe.rpush(self.keys.rows, entry)
                pipe.lrem(self.keys.refused, 1, entry)
                pipe.execute()

    # -- the loop -----------------------------------------------------------------------------------------
    def run(self, drain: bool = False, wait: float = 60.0) -> Summary:
        """Apply entries until stopped; with `drain`, until no run is open and nothing is queued (waiting up to
        `wait` seconds for a first run when there is none yet)."""
        started, seen_run = time.monotonic(), False
        while not self.stop:
            self.step()
            if drain:
                open_runs = self.server.scard(self.keys.runs)
                seen_run = seen_run or bool(open_runs) or self.summary.events > 0
                idle = not open_runs and not self.server.llen(self.keys.rows)
                if idle and (seen_run or time.monotonic() - started > wait):
                    break
        return self.summary

    def step(self, timeout: float = 1.0) -> int:
        """One batch: take, apply, commit, refresh the mirror, acknowledge. How many entries it held."""
        if not self.renew_lock(keys=[self.keys.writer], args=[self.me, self.lock_seconds]):
            holder = (self.server.get(self.keys.writer) or b"?").decode()
            raise WriterError(f"another writer ({holder}) took the lock on {self.keys.prefix} while this one was "
                              f"paused longer than {self.lock_seconds} s: stopping, one writer per database")  # fmt: skip
        first = self.server.blmove(self.keys.rows, self.keys.processing, timeout, "RIGHT", "LEFT")
        if first is None:
            return 0
        entries = [first, *self.take(keys=[self.keys.rows, self.keys.processing], args=[self.batch - 1])]
        self.apply(entries)
        return len(entries)

    def apply(self, entries: list[bytes]) -> None:
        touched = _Touched()
        self._refused: list[bytes] = []
        for entry in entries:
            kind = "?"
            try:
                kind, payload = decode(entry)
                if kind not in ("store", "upsert", *EVENTS):
                    raise EntryRefused(f"an entry of unknown kind {kind!r}")
                self._apply(kind, payload, touched)
            except EntryRefused as exc:
                self._refuse(entry, str(exc), "for a writer of that version")
            except Exception as exc:  # a run event this code cannot apply: kept, said, never retried in a loop
                self._refuse(entry, f"{kind} entry not applied: {type(exc).__name__}: {exc}", "(see the error)")
        self.db.commit()
        self.refresh(touched)
        pipe = self.server.pipeline(transaction=True)
        if self._refused:
            pipe.rpush(self.keys.refused, *self._refused)
        pipe.delete(self.keys.processing)
        pipe.execute()
        self.summary.entries += len(entries)

    def _refuse(self, entry: bytes, reason: str, hint: str) -> None:
        if not self.summary.refused[reason]:
            logger.error("refused %s: kept in %s %s", reason, self.keys.refused, hint)
        self.summary.refused[reason] += 1
        self._refused.append(entry)

    def _apply(self, kind: str, payload: Any, touched: _Touched) -> None:
        if kind == "store":
            self.db.store(payload)
            touched.reports.add(payload.report_id)
            if payload.crawl_state:
                touched.urls.add(payload.crawl_state["url"])
            self.summary.reports += 1
        elif kind == "upsert":
            table, row, key, keep = payload
            self.db.upsert(table, row, key, keep)
            if table == "crawl_state":
                touched.urls.add(row["url"])
            elif table == "portal_columns":
                touched.portals.add(row["portal"])
            self.summary.upserts += 1
        elif kind in EVENTS:
            result = self.db.call(EVENTS[kind], payload)
            if kind == "run-finish" and result:
                touched.last[payload["spider"]] = json.dumps(result, ensure_ascii=False)
                self.summary.runs.append(payload["run"])
                logger.info("run %s finished: %s", payload["run"], result["status"])
            self.summary.events += 1

    # -- the mirror -------------------------------------------------------------------------------------------
    def refresh(self, touched: _Touched) -> None:
        """The committed rows a batch touched, into the mirror."""
        pipe = self.server.pipeline(transaction=False)
        owned: dict[str, str] = {}
        for chunk in chunks(sorted(touched.urls), 500):
            marks = ", ".join("?" * len(chunk))
            for row in self.db.query(f"SELECT * FROM crawl_state WHERE url IN ({marks})", chunk):
                row = dict(row)
                pipe.hset(self.keys.state, row["url"], json.dumps(row, ensure_ascii=False))
                if row["kind"] == "document" and row["status"] == "ok" and row["sha256"]:
                    owned[row["sha256"]] = row["url"]
        for chunk in chunks(sorted(touched.reports), 500):
            marks = ", ".join("?" * len(chunk))
            found = {r["id"]: r for r in self.db.query(f"{STORED} AND id IN ({marks})", chunk)}
            for rid in chunk:
                if rid in found:
                    pipe.hset(self.keys.reports, rid, f"{found[rid]['content_sha256']} {found[rid]['parser_version']}")
                else:
                    pipe.hdel(self.keys.reports, rid)
        for chunk in chunks(sorted(touched.portals), 500):
            found = _columns(self.db.query(f"{COLUMNS} AND portal IN ({', '.join('?' * len(chunk))})", chunk))
            for portal in chunk:
                if portal in found:
                    pipe.hset(self.keys.columns, portal, json.dumps(found[portal], ensure_ascii=False))
                else:
                    pipe.hdel(self.keys.columns, portal)
        for spider, last in touched.last.items():
            pipe.set(self.keys.last(spider), last)
        pipe.execute()
        self._own(owned)

    def _own(self, owned: dict[str, str]) -> None:
        """Which URL holds which bytes: a new hash gets its URL; a known one keeps its URL while that URL's
        committed row still holds the bytes."""
        if not owned:
            return
        shas = list(owned)
        current = self.server.hmget(self.keys.owners, shas)
        updates = {}
        for sha, holder in zip(shas, current, strict=True):
            if holder is None:
                updates[sha] = owned[sha]
            elif holder.decode() != owned[sha]:
                rows = self.db.query("SELECT sha256, kind, status FROM crawl_state WHERE url = ?", [holder.decode()])
                if not rows or tuple(rows[0]) != (sha, "document", "ok"):
                    updates[sha] = owned[sha]
        if updates:
            self.server.hset(self.keys.owners, mapping=updates)

    def load_mirror(self) -> None:
        """The whole committed state into the mirror: built in temporary keys, swapped in at once."""
        started = time.monotonic()
        tmp = {name: f"{getattr(self.keys, name)}:loading" for name in ("state", "reports", "owners", "columns")}
        self.server.delete(*tmp.values())
        reader = self.db.reader()
        counts = Counter()
        for name, sql, pack in (
            ("state", "SELECT * FROM crawl_state", lambda r: (r["url"], json.dumps(dict(r), ensure_ascii=False))),
            ("reports", STORED, lambda r: (r["id"], f"{r['content_sha256']} {r['parser_version']}")),
            ("owners", "SELECT sha256, MIN(url) AS url FROM crawl_state WHERE kind = 'document' AND status = 'ok' "
                       "AND sha256 IS NOT NULL GROUP BY sha256", lambda r: (r["sha256"], r["url"])),
        ):  # fmt: skip
            cursor = reader.execute(sql)
            while rows := cursor.fetchmany(2000):
                self.server.hset(tmp[name], mapping=dict(pack(r) for r in rows))
                counts[name] += len(rows)
        if {"portal_columns"} <= {r[0] for r in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}:
            for portal, columns in _columns(reader.execute(COLUMNS).fetchall()).items():
                self.server.hset(tmp["columns"], portal, json.dumps(columns, ensure_ascii=False))
                counts["columns"] += 1
        pipe = self.server.pipeline(transaction=True)
        for name, key in tmp.items():
            if counts[name]:
                pipe.rename(key, getattr(self.keys, name))
            else:
                pipe.delete(getattr(self.keys, name))
        last = reader.execute(
            "SELECT spider, status, detail FROM crawl_runs c WHERE part_of IS NULL AND id = "
            "(SELECT MAX(id) FROM crawl_runs WHERE spider = c.spider AND part_of IS NULL)"
        ).fetchall()
        for row in last:
            pipe.set(self.keys.last(row["spider"]), json.dumps({"status": row["status"], "detail": row["detail"]}))
        pipe.set(self.keys.mirror, json.dumps({"database": self.db.path, "writer": self.me, "loaded": time.time()}))
        pipe.execute()
        logger.info("crawl state of %s loaded into Redis in %.1f s: %d URLs, %d reports", self.db.path,
                    time.monotonic() - started, counts["state"], counts["reports"])  # fmt: skip


# -- run events (in the database's writer thread, through ReportsDatabase.call) --------------------------------
COUNTS = ("pages", "new", "changed", "unchanged", "gone", "errors", "blocked", "skipped")


def _run_row(db, event: dict) -> int:
    """The id of the run's own `crawl_runs` row (created at the first event of the run)."""
    conn = db.conn
    found = conn.execute(
        "SELECT id FROM crawl_runs WHERE worker IS NULL AND part_of IS NULL AND json_extract(detail, '$.run') = ?",
        [event["run"]],
    ).fetchone()
    if found:
        return found[0]
    detail = {"run": event["run"], "crawl": event.get("crawl"), "scope": event.get("scope") or {}}
    return conn.execute(
        "INSERT INTO crawl_runs (spider, started, status, detail) VALUES (?, ?, 'running', ?)",
        [event["spider"], event.get("run_started") or event.get("started"), json.dumps(detail, ensure_ascii=False)],
    ).lastrowid


def _worker_row(db, event: dict) -> int:
    run = _run_row(db, event)
    found = db.conn.execute("SELECT id FROM crawl_runs WHERE worker = ?", [event["worker"]]).fetchone()
    if found:
        return found[0]
    return db.conn.execute(
        "INSERT INTO crawl_runs (spider, started, status, worker, part_of) VALUES (?, ?, 'running', ?, ?)",
        [event["spider"], event.get("started"), event["worker"], run],
    ).lastrowid


def worker_start(db, event: dict) -> None:
    _worker_row(db, event)


def worker_finish(db, event: dict) -> None:
    row = event["row"]
    sets = ", ".join(f"[{column}] = ?" for column in row)
    db.conn.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*row.values(), _worker_row(db, event)])


def worker_killed(db, event: dict) -> None:
    counts = event.get("counts") or {}
    detail = {"why": "the worker stopped sending heartbeats (killed, or its machine died); the "
                     f"{event['requeued']} requests it held were queued again for the other workers",
              "at": event["at"], "counts": "as of its last heartbeat" if counts else "unknown"}  # fmt: skip
    db.conn.execute(
        f"UPDATE crawl_runs SET status = 'killed', detail = ?, {', '.join(f'[{c}] = ?' for c in COUNTS)} "
        "WHERE id = ? AND status = 'running'",
        [
            json.dumps(detail, ensure_ascii=False),
            *(counts.get(c, 0) if counts else None for c in COUNTS),
            _worker_row(db, event),
        ],
    )


def run_finish(db, event: dict) -> dict:
    """Sum the run's workers into its row; returns {status, detail} (the spider's last run, for the mirror)."""
    run = _run_row(db, event)
    conn = db.conn
    conn.execute(
        "UPDATE crawl_runs SET status = 'killed', detail = ? WHERE part_of = ? AND status = 'running'",
        [json.dumps({"why": "the worker never reported its end"}), run],
    )
    workers = [
        dict(zip(("worker", "status", "detail", *COUNTS), row, strict=True))
        for row in conn.execute(
            f"SELECT worker, status, detail, {', '.join(f'[{c}]' for c in COUNTS)} FROM crawl_runs "
            "WHERE part_of = ? ORDER BY id",
            [run],
        )
    ]
    status, why = run_outcome(workers)
    totals = {c: sum(w[c] or 0 for w in workers) for c in COUNTS}
    problems = [p for w in workers for p in json.loads(w["detail"] or "{}").get("problems", [])][:50]
    detail = {"run": event["run"], "crawl": event.get("crawl"), "scope": event.get("scope") or {}, "why": why,
              "finish_reason": "finished", "workers": {w["worker"]: w["status"] for w in workers},
              "problems": problems}  # fmt: skip
    detail_json = json.dumps(detail, ensure_ascii=False)
    sets = ", ".join(f"[{c}] = ?" for c in COUNTS)
    conn.execute(
        f"UPDATE crawl_runs SET finished = ?, status = ?, detail = ?, {sets} WHERE id = ?",
        [event.get("finished") or _now(), status, detail_json, *totals.values(), run],
    )
    if "target" in event:  # the run monitors judge the run as a whole (crawler/monitors.py)
        from crawler.monitors import monitor_run

        for monitor, message in monitor_run(db, run, event["target"], event["listed"], event["limits"]):
            logger.warning("alert %s (run %s): %s", monitor, run, message)
    return {"status": status, "detail": detail_json}


def run_outcome(workers: list[dict]) -> tuple[str, str]:
    """(status, why) of a distributed run from its workers' rows. A killed worker does not count against the
    run: what it held was fetched by the others. Otherwise as a local run: failed > blocked > partial > ok."""
    ended = [w for w in workers if w["status"] != "killed"]
    killed = len(workers) - len(ended)
    note = f" ({killed} killed, their requests fetched by the others)" if killed else ""
    if not ended:
        return "failed", "no worker ended the run"
    if failed := [w for w in ended if w["status"] == "failed"]:
        reason = json.loads(failed[0]["detail"] or "{}").get("why", "failed")
        return "failed", f"{len(failed)} of {len(workers)} workers failed (first: {reason})"
    if not sum(w["pages"] or 0 for w in workers):
        return "failed", "no page could be fetched: a dead, moved or fully blocked portal"
    if blocked := sum(w["blocked"] or 0 for w in ended):
        return "blocked", f"{blocked} pages were anti-bot answers{note}"
    if errors := sum(w["errors"] or 0 for w in ended):
        return "partial", f"{errors} pages failed (fetched again by the next run){note}"
    return "ok", f"everything found was stored or unchanged, by {len(ended)} workers{note}"


def _columns(rows) -> dict[str, list[dict]]:
    """portal → its found columns, ordered by first_found (as EvidenceStore.known_columns returns them)."""
    out: dict[str, list[dict]] = {}
    for row in sorted((dict(r) for r in rows), key=lambda r: (r["first_found"] or "", r["column_url"])):
        out.setdefault(row.pop("portal"), []).append(row)
    return out


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


EVENTS = {"worker-start": worker_start, "worker-finish": worker_finish, "worker-killed": worker_killed,
          "run-finish": run_finish}  # fmt: skip
