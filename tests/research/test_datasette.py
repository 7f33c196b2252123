"""The optional Datasette extra (requirements-datasette.txt): a real server on 127.0.0.1 with the project's
metadata — the index, a view with its facets, table search and the canned search query."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(base: str, path: str, **params) -> tuple[int, str]:
    url = base + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


@pytest.fixture(scope="module")
def datasette(shared_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("datasette")
    db = folder / "reports.db"  # the database name in data/metadata.yml
    source, target = sqlite3.connect(shared_db), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", str(db), "-m", str(REPO / "data" / "metadata.yml"),
               "--plugins-dir", str(REPO / "research" / "datasette_plugins"),
               "-h", "127.0.0.1", "-p", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"datasette exited: {server.stdout.read().decode()[-2000:]}")
        try:
            get(base, "/-/versions.json")
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("datasette did not start within 60 s")


def test_index_lists_the_tables_and_views(datasette):
    status, html = get(datasette, "/reports")
    assert status == 200
    for name in ("reports", "cells", "report_summary", "year_over_year", "report_compliance", "regions"):
        assert name in html


def test_a_view_with_its_facets_and_column_descriptions(datasette):
    status, body = get(datasette, "/reports/report_summary.json", _size="5")
    data = json.loads(body)
    assert status == 200 and len(data["rows"]) == 5
    assert {"year", "template", "quality", "region_code"} <= set(data["facet_results"])
    _, html = get(datasette, "/reports/report_summary")
    assert "How region_code was decided" in html  # metadata.yml's column description


def test_table_search_on_sections_uses_the_verbatim_index(datasette, shared_db):
    _, body = get(datasette, "/reports/sections.json", _search="公开申请", _shape="array", _size="max", _col="number")
    found = {(row["report_id"], row["number"]) for row in json.loads(body)}
    conn = sqlite3.connect(shared_db)
    expected = set(conn.execute("SELECT report_id, number FROM sections WHERE instr(body, '公开申请') > 0"))
    conn.close()
    assert found == expected and found


@pytest.mark.parametrize(
    "query, words", [("复议", ["复议"]), ("复议 纠正", ["复议", "纠正"]), ("公开 处理费", ["公开", "处理费"])]
)
def test_table_search_finds_two_character_words_through_the_plugin(datasette, shared_db, query, words):
    _, body = get(datasette, "/reports/sections.json", _search=query, _shape="array", _size="max", _col="number")
    found = {(row["report_id"], row["number"]) for row in json.loads(body)}
    conn = sqlite3.connect(shared_db)
    where = " AND ".join("instr(body, ?) > 0" for _ in words)
    expected = set(conn.execute(f"SELECT report_id, number FROM sections WHERE {where}", words))
    conn.close()
    assert found == expected and found


def test_canned_search_query_finds_two_character_words(datasette, shared_db):
    _, body = get(datasette, "/reports/search.json", q="复议", _shape="array")
    hits = json.loads(body)
    conn = sqlite3.connect(shared_db)
    total = conn.execute("SELECT COUNT(*) FROM sections WHERE instr(body, '复议') > 0").fetchone()[0]
    conn.close()
    assert len(hits) == min(total, 100) and hits
    assert all("[复议" in hit["snippet"] for hit in hits)
