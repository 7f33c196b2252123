"""`scrapy export`: every contract table and every researcher view as files, with a data dictionary.

- CSV (default): UTF-8 **with BOM** (Excel and WPS read Chinese correctly only with it), one header
  row, NULL as an empty field, RFC 4180 quoting (section bodies keep their line breaks).
- Parquet (pyarrow): real column types — counts stay integers (with nulls), money and rates are
  floats, text is UTF-8 strings. A column mixing integers and decimals (`cells.value`,
  `year_over_year.value`) is float64, exact for every integer below 2^53. A value that does not fit
  its column's type stops the export with the column named (never converted silently).
- `data_dictionary.csv` / `data_dictionary.md`: each exported file's table and columns, described
  from `data/metadata.yml`, with the column types of this export.

A selection (`region` code prefix, `years`) keeps the reports that match and the rows that belong
to them; lookups (regions, template labels) and `crawl_runs` are exported whole. `documents` is
exported without its compressed bytes (they stay in the database, for `scrapy reparse`).
"""

from __future__ import annotations

import csv
import multiprocessing
import re
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.tables.template import col_kind
from pipelines.views import FIGURE_NAMES, table_columns
from research import outdir

METADATA = Path(__file__).resolve().parent.parent / "data" / "metadata.yml"
CHUNK = 50_000


@dataclass(frozen=True)
class Source:
    name: str
    key: str | None  # the column naming the report (rows follow the report selection), None: exported whole
    leave_out: tuple[str, ...] = ()


SOURCES = (
    Source("reports", "id"),
    Source("cells", "report_id"),
    Source("sections", "report_id"),
    Source("checks", "report_id"),
    Source("indicators", "report_id"),
    Source("extra_rows", "report_id"),
    Source("documents", "report_id", leave_out=("compressed",)),
    Source("crawl_state", "report_id"),
    Source("crawl_runs", None),
    Source("regions", None),
    Source("region_paths", None),
    Source("template_rows", None),
    Source("template_columns", None),
    Source("report_summary", "id"),
    Source("active_disclosure_wide", "report_id"),
    Source("applications_wide", "report_id"),
    Source("review_litigation_wide", "report_id"),
    Source("year_over_year", "report_id"),
    Source("report_compliance", "report_id"),
)


@dataclass
class Selection:
    region: str | None = None  # division code prefix: 2, 4 or 6 digits
    years: list[int] = field(default_factory=list)

    @property
    def everything(self) -> bool:
        return self.region is None and not self.years

    def describe(self) -> str:
        parts = [f"region {self.region}*"] if self.region else []
        parts += [f"years {', '.join(map(str, self.years))}"] if self.years else []
        return "; ".join(parts) or "all reports"


def parse_selection(region: str | None = None, year: str | None = None) -> Selection:
    """`-a region=3208` (a code prefix), `-a year=2023` / `2021-2023` / `2021,2023`; ValueError says what is wrong."""
    if region is not None and not re.fullmatch(r"\d{2}|\d{4}|\d{6}", region):
        raise ValueError(f"-a region={region!r}: expected 2, 4 or 6 digits of a division code (e.g. 3208)")
    years: list[int] = []
    if year is not None:
        for part in year.split(","):
            span = re.fullmatch(r"\s*((?:19|20)\d\d)\s*(?:-\s*((?:19|20)\d\d)\s*)?", part)
            if not span:
                raise ValueError(f"-a year={year!r}: expected a year, a range (2021-2023) or a list (2021,2023)")
            first, last = int(span.group(1)), int(span.group(2) or span.group(1))
            years += range(min(first, last), max(first, last) + 1)
    return Selection(region, sorted(set(years)))


@dataclass
class Exported:
    name: str
    file: str
    rows: int
    columns: list[tuple[str, str]]  # (column, type)


def export(db_path: str | Path, root: Path, fmt: str = "csv", selection: Selection | None = None,
           workers: int = 2) -> list[Exported]:  # fmt: skip
    """Write every source to `root` (already prepared by `outdir.prepare`) and the data dictionary.

    Sources are written by `workers` processes side by side, each on its own read-only connection,
    the largest first (cells, checks, …): the work is CPU-bound in Python and SQLite, and a second
    core halves it (a 10,000-report export: see tests/benchmarks/bench_export.py).
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"--format {fmt!r}: expected csv or parquet")
    selection = selection or Selection()
    conn = _connect(db_path)
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    tasks = [
        (source, [c for c in _columns(conn, source.name) if c not in source.leave_out])
        for source in sorted(SOURCES, key=lambda source: LARGEST_FIRST.get(source.name, len(LARGEST_FIRST)))
        if source.name in existing
    ]
    reports = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    conn.close()
    if workers <= 1 or reports < SMALL:
        _start_worker(db_path, selection)
        done = [_export_one(source, columns, fmt, root) for source, columns in tasks]
    else:
        context = multiprocessing.get_context("spawn")  # no inherited SQLite handles or threads
        with ProcessPoolExecutor(workers, context, _start_worker, (db_path, selection)) as pool:
            futures = [pool.submit(_export_one, source, columns, fmt, root) for source, columns in tasks]
            done = [future.result() for future in futures]
    done.sort(key=lambda item: [source.name for source in SOURCES].index(item.name))
    write_dictionary(root, done, selection)
    return done


# The slowest sources, started first so that the workers finish together.
LARGEST_FIRST = {name: i for i, name in enumerate(
    ("cells", "checks", "applications_wide", "year_over_year", "sections", "active_disclosure_wide", "report_summary")
)}  # fmt: skip
_worker: dict = {}
SMALL = 2_000  # reports: below this a second process costs more to start (~1 s) than it saves


def _connect(db_path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)


def _start_worker(db_path: str | Path, selection: Selection) -> None:
    conn = _connect(db_path)
    select_reports(conn, selection)
    _worker.update(conn=conn, selection=selection)


def _export_one(source: Source, columns: list[str], fmt: str, root: Path) -> Exported:
    conn, selection = _worker["conn"], _worker["selection"]
    writer = _write_parquet if fmt == "parquet" else _write_csv
    return writer(conn, root, source.name, columns, _select_sql(source, columns, selection))


def select_reports(conn: sqlite3.Connection, selection: Selection) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.export_selection")
    conn.execute("CREATE TEMP TABLE export_selection (id TEXT PRIMARY KEY)")
    where, params = ["1"], []
    if selection.region:
        where.append("region_code LIKE ? || '%'")
        params.append(selection.region)
    if selection.years:
        where.append(f"year IN ({', '.join('?' * len(selection.years))})")
        params += selection.years
    conn.execute(f"INSERT INTO temp.export_selection SELECT id FROM reports WHERE {' AND '.join(where)}", params)


def _columns(conn: sqlite3.Connection, name: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')]


def _select_sql(source: Source, columns: list[str], selection: Selection) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'SELECT {names} FROM "{source.name}"'
    if source.key and not selection.everything:
        sql += f' WHERE "{source.key}" IN (SELECT id FROM temp.export_selection)'
    return sql


def _write_csv(conn: sqlite3.Connection, root: Path, name: str, columns: list[str], sql: str) -> Exported:
    count = 0

    def produce(stream) -> None:
        nonlocal count
        writer = csv.writer(stream, lineterminator="\r\n")  # RFC 4180, and what Excel writes
        writer.writerow(columns)
        cursor = conn.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            writer.writerows(rows)
            count += len(rows)

    outdir.write(root, f"{name}.csv", produce, encoding="utf-8-sig", newline="")
    types = _declared_types(conn, name, columns)
    return Exported(name, f"{name}.csv", count, [(c, types[c] or "") for c in columns])


def _declared_types(conn: sqlite3.Connection, name: str, columns: list[str]) -> dict[str, str]:
    declared = {row[1]: row[2].upper() for row in conn.execute(f'PRAGMA table_info("{name}")')}
    return {c: declared.get(c, "") for c in columns}


# --- Parquet ------------------------------------------------------------------------------------

_DECLARED = {"INTEGER": "int64", "INT": "int64", "REAL": "float64", "FLOAT": "float64", "TEXT": "string"}


def column_types(conn: sqlite3.Connection, name: str, columns: list[str]) -> dict[str, str]:
    """Arrow type per column: the declared SQLite type, else (views, `cells.value`) what the view computes
    there (`COMPUTED_TYPES`), else string. Known ahead, so the file is streamed in one pass: evaluating
    a view once more to look at its values doubled the export's time."""
    declared = _declared_types(conn, name, columns)
    return {c: _DECLARED.get(t) or COMPUTED_TYPES.get(c, "string") for c, t in declared.items()}


def _computed_types() -> dict[str, str]:
    """Columns the views compute (and cells.value), by name: counts int64, money and rates float64."""
    types = {name: "int64" for name in FIGURE_NAMES} | {"fee_amount_wan": "float64"}
    for cols in table_columns().values():
        types |= {col: "float64" if col_kind(col) == "money" else "int64" for col in cols}
    types |= {"value": "float64", "previous_value": "float64", "change": "float64", "change_pct": "float64"}
    types |= {"carryover_passed": "int64", "carryover_failed": "int64", "form_passed_pct": "float64"}
    types |= {c: "int64" for c in ("form_checks", "form_failed", "sections_missing", "out_of_order", "misnumbered")}
    types |= {c: "int64" for c in ("headings_differing", "tables_missing_or_misplaced", "fee_statement")}
    types |= {c: "int64" for c in ("year", "previous_year", "row_position")}
    return types


COMPUTED_TYPES = _computed_types()


def _write_parquet(conn: sqlite3.Connection, root: Path, name: str, columns: list[str], sql: str) -> Exported:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = column_types(conn, name, columns)
    arrow = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
    schema = pa.schema([(c, arrow[types[c]]) for c in columns])
    count = 0

    def produce(stream) -> None:
        nonlocal count
        with pq.ParquetWriter(stream, schema, compression="zstd") as writer:
            cursor = conn.execute(sql)
            while rows := cursor.fetchmany(CHUNK):
                values = list(zip(*rows, strict=True))
                arrays = [_array(values[i], types[c], arrow[types[c]], f"{name}.{c}") for i, c in enumerate(columns)]
                writer.write_batch(pa.record_batch(arrays, schema=schema))
                count += len(rows)
            if count == 0:
                writer.write_table(schema.empty_table())

    outdir.write(root, f"{name}.parquet", produce, mode="wb")
    return Exported(name, f"{name}.parquet", count, [(c, types[c]) for c in columns])


def _array(values: tuple, kind: str, arrow_type, where: str):
    import pyarrow as pa

    if kind == "string":  # a number in a text column (SQLite is lenient) stays readable as text
        values = tuple(v if v is None or isinstance(v, str) else str(v) for v in values)
    elif any(not (v is None or isinstance(v, int | float)) for v in values):
        bad = next(v for v in values if not (v is None or isinstance(v, int | float)))
        raise ValueError(f"{where}: {bad!r} is not a number; export this database as CSV")
    elif kind == "float64":
        values = tuple(None if v is None else float(v) for v in values)
    elif any(isinstance(v, float) for v in values):  # 3.0 stored for a count: still an integer
        if any(isinstance(v, float) and not v.is_integer() for v in values):
            raise ValueError(f"{where}: a decimal in a column of whole numbers; export this database as CSV")
        values = tuple(None if v is None else int(v) for v in values)
    return pa.array(values, type=arrow_type)


# --- data dictionary ----------------------------------------------------------------------------


def load_descriptions(path: Path = METADATA) -> dict[str, dict]:
    """{table: {"description": …, "columns": {column: description}}} from Datasette's metadata file."""
    metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    return metadata["databases"]["reports"]["tables"]


def write_dictionary(root: Path, exported: list[Exported], selection: Selection) -> None:
    tables = load_descriptions()
    rows = []
    for item in exported:
        described = tables.get(item.name, {})
        rows.append((item.name, "", "", _one_line(described.get("description", ""))))
        for column, kind in item.columns:
            rows.append((item.name, column, kind, _one_line(described.get("columns", {}).get(column, ""))))

    def produce(stream) -> None:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(("table", "column", "type", "description"))
        writer.writerows(rows)

    outdir.write(root, "data_dictionary.csv", produce, encoding="utf-8-sig", newline="")
    lines = [
        "# Data dictionary",
        "",
        f"Exported from the nianbao reports database: {selection.describe()}. Empty CSV fields are NULL",
        "(unknown, never 0). Descriptions from `data/metadata.yml`.",
        "",
    ]
    for item in exported:
        described = tables.get(item.name, {})
        lines += [f"## {item.file} ({item.rows} rows)", "", _one_line(described.get("description", "")), ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column, kind in item.columns:
            text = _one_line(described.get("columns", {}).get(column, "")).replace("|", "\\|")
            lines.append(f"| {column} | {kind} | {text} |")
        lines.append("")
    outdir.write_text(root, "data_dictionary.md", "\n".join(lines))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
