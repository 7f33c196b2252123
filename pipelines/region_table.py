"""The `regions` table: `data/regions.csv` in the database, kept equal to the file.

`regions` holds every column of the CSV (at least code, name, level, parent; whatever columns the
file adds later come along as TEXT columns). `region_paths` adds, per code, the names of its
province, city and county (and township, when the file has that level), so that a report's
`region_code` reads as a place without walking `parent` by hand.

`sync_regions` runs whenever the database is opened for writing (`pipelines.schema.open_database`):
it reloads both tables when the file's SHA-256 differs from the one recorded in `regions_source`.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from pipelines.regions import REGIONS_CSV

logger = logging.getLogger(__name__)
LEVELS = ("province", "city", "county", "township")
# Placeholder names of GB/T 2260 that stand for «the province's own districts/counties»: the city
# of 110101 东城区 is 北京市 itself, not «市辖区».
_STANDS_FOR_PARENT = {"市辖区", "县"}
_NO_CITY = {"省直辖县级行政区划", "自治区直辖县级行政区划"}


def read_regions(path: Path = REGIONS_CSV) -> tuple[list[str], list[dict[str, str]]]:
    """(columns, rows) of the CSV; a clear error if it lacks the four columns everything relies on.
    A code listed twice keeps its first row (with a warning): `code` is the table's key."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        missing = [c for c in ("code", "name", "level", "parent") if c not in columns]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (has {', '.join(columns)})")
        rows: dict[str, dict[str, str | None]] = {}
        for row in reader:
            rows.setdefault(row["code"], {k: (v if v != "" else None) for k, v in row.items()})
    repeated = reader.line_num - 1 - len(rows)
    if repeated:
        logger.warning("%s: %d row(s) repeat a code listed before; the first row of each code is kept", path, repeated)
    return columns, list(rows.values())


def region_paths(rows: list[dict[str, str]]) -> list[dict[str, str | None]]:
    """Per code: the code and name of its ancestor (or itself) at each level."""
    by_code = {row["code"]: row for row in rows}
    paths = []
    for row in rows:
        path: dict[str, str | None] = {"code": row["code"]}
        node, seen = row, set()
        while node is not None and node["code"] not in seen:  # a cycle in a broken file must not hang
            seen.add(node["code"])
            level = node["level"]
            if level in LEVELS and f"{level}_code" not in path:
                path[f"{level}_code"], path[level] = node["code"], _display_name(node, by_code)
            node = by_code.get(node["parent"] or "")
        names = [path[level] for level in LEVELS if path.get(level)]
        # «北京市 东城区», not «北京市 北京市 东城区»
        path["full_name"] = " ".join(n for i, n in enumerate(names) if i == 0 or n != names[i - 1]) or None
        paths.append(path)
    return paths


def _display_name(node: dict[str, str], by_code: dict[str, dict[str, str]]) -> str | None:
    name = node["name"]
    if name in _NO_CITY:
        return None
    if name in _STANDS_FOR_PARENT and node["parent"] in by_code:
        return by_code[node["parent"]]["name"]
    return name


def sync_regions(db, path: Path = REGIONS_CSV) -> bool:
    """Reload `regions` and `region_paths` if `path` changed since the last load. True if reloaded."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = db.execute("SELECT sha256 FROM regions_source").fetchone()
    if loaded is not None and loaded[0] == digest:
        return False
    columns, rows = read_regions(path)
    existing = set(db["regions"].columns_dict)
    for column in columns:
        if column not in existing:
            db.execute(f'ALTER TABLE regions ADD COLUMN "{column}" TEXT')
    db.execute("DELETE FROM regions")
    db.execute("DELETE FROM region_paths")
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    db.conn.executemany(f"INSERT INTO regions ({names}) VALUES ({marks})", [[r[c] for c in columns] for r in rows])
    path_columns = ["code", *(f"{part}" for level in LEVELS for part in (f"{level}_code", level)), "full_name"]
    db.conn.executemany(
        f"INSERT INTO region_paths ({', '.join(path_columns)}) VALUES ({', '.join('?' * len(path_columns))})",
        [[p.get(c) for c in path_columns] for p in region_paths(rows)],
    )
    db.execute("DELETE FROM regions_source")
    db.execute(
        "INSERT INTO regions_source (path, sha256, rows, loaded_at) VALUES (?, ?, ?, ?)",
        [path.name, digest, len(rows), datetime.now(UTC).isoformat(timespec="seconds")],
    )
    return True


def create_region_tables(db) -> None:
    db["regions"].create({"code": str, "name": str, "level": str, "parent": str}, pk="code")
    db["regions"].create_index(["parent"])
    columns = {"code": str, **{part: str for level in LEVELS for part in (f"{level}_code", level)}, "full_name": str}
    db["region_paths"].create(columns, pk="code")
    db["regions_source"].create({"path": str, "sha256": str, "rows": int, "loaded_at": str})
