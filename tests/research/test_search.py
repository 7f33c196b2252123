"""Search finds what researchers type: every section whose verbatim body contains the words (recall 100 %
against LIKE), in Python, in the documented SQL statement and from `scrapy search`."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from research.search import SEARCH_SQL, match_expression, search
from tests.conftest import run_scrapy

ISSUE_EXAMPLES = ["信息公开", "依申请", "公开申请", "行政复议", "复议", "申请", "处理费", "纠正"]


def like(conn: sqlite3.Connection, word: str) -> set[int]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {r[0] for r in conn.execute("SELECT rowid FROM sections WHERE body LIKE ? ESCAPE '\\'", [f"%{escaped}%"])}


def found(conn: sqlite3.Connection, words: list[str]) -> set[int]:
    expression = match_expression(conn, words)
    return {r[0] for r in conn.execute("SELECT rowid FROM sections_search WHERE sections_search MATCH ?", [expression])}


def sample_words(conn: sqlite3.Connection, count: int, seed: int = 14) -> list[str]:
    """Substrings of real bodies, 2–6 characters (no surrounding blanks: a typed word has none), plus each
    sampled body's last two characters — the one place a 2-character word starts no trigram of the body."""
    bodies = [r[0] for r in conn.execute("SELECT body FROM sections WHERE length(body) > 8 ORDER BY rowid")]
    rng = random.Random(seed)
    words = []
    while len(words) < count:
        body = rng.choice(bodies)
        size = rng.randint(2, 6)
        start = rng.randrange(0, len(body) - size)
        word = body[start : start + size]
        if word == word.strip():
            words.append(word)
    words += [body[-2:] for body in rng.sample(bodies, 40) if body[-2:] == body[-2:].strip()]
    return words


@pytest.fixture(scope="module")
def conn(shared_db):
    connection = sqlite3.connect(shared_db)
    yield connection
    connection.close()


@pytest.mark.parametrize("word", ISSUE_EXAMPLES)
def test_the_issues_examples_find_every_section_like_finds(conn, word):
    expected = like(conn, word)
    assert expected, f"the fixture database should contain {word}"
    assert found(conn, [word]) == expected


def test_recall_and_precision_against_like_on_substrings_of_real_bodies(conn):
    words = sample_words(conn, 300)
    misses = [word for word in words if found(conn, [word]) != like(conn, word)]
    assert not misses
    assert any(len(w) == 2 for w in words) and any(len(w) >= 5 for w in words)


def test_a_two_character_word_at_the_very_end_of_a_body_is_found(research_db):
    conn = sqlite3.connect(research_db)
    rowid = conn.execute("SELECT rowid FROM sections LIMIT 1").fetchone()[0]
    conn.execute("UPDATE sections SET body = body || '。结尾瓯鹪' WHERE rowid = ?", [rowid])
    conn.commit()
    assert found(conn, ["瓯鹪"]) == like(conn, "瓯鹪") == {rowid}
    conn.close()


def test_several_words_must_all_occur(conn):
    both = found(conn, ["复议", "纠正"])
    assert both == like(conn, "复议") & like(conn, "纠正")
    assert both


def test_the_documented_sql_statement_finds_the_same_sections(conn):
    sql = SEARCH_SQL.replace("LIMIT 100", "")
    for word in ["信息公开", "复议", "处理费", "瓯鹪"]:
        hits = conn.execute(sql, {"q": word}).fetchall()
        keys = {(r[0], r[1]) for r in hits}
        expected = {tuple(r) for r in conn.execute(
            "SELECT report_id, number FROM sections WHERE instr(body, ?) > 0", [word]
        )}  # fmt: skip
        assert keys == expected
        assert all(f"[{word[:2]}" in r[5] for r in hits)  # the snippet marks where it matched


def test_ranked_hits_carry_snippets_of_the_original_text(conn):
    results = search(conn, ["公开申请"], limit=5)
    hits = results.hits
    assert results.count == len(like(conn, "公开申请")) and not results.more and len(hits) == 5
    for hit in hits:
        assert "[公开申请]" in hit.snippet
        body = conn.execute(
            "SELECT body FROM sections WHERE report_id = ? AND number = ?", [hit.report_id, hit.number]
        ).fetchone()[0]
        assert hit.snippet.replace("[", "").replace("]", "").strip("…") in body
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)


def test_jieba_token_search_keeps_working(conn):
    count = conn.execute("SELECT COUNT(*) FROM sections_fts WHERE sections_fts MATCH '行政复议'").fetchone()[0]
    assert count > 0


def test_the_index_follows_inserts_updates_and_deletes(research_db):
    conn = sqlite3.connect(research_db)
    report = conn.execute("SELECT id FROM reports LIMIT 1").fetchone()[0]
    conn.execute(
        "INSERT INTO sections (report_id, number, heading, body, tokens) VALUES (?, 99, 'x', '鸺鹠在此', '')", [report]
    )
    assert found(conn, ["鸺鹠"]) == like(conn, "鸺鹠") != set()
    conn.execute("UPDATE sections SET body = '鹈鹕在此' WHERE report_id = ? AND number = 99", [report])
    assert found(conn, ["鸺鹠"]) == set() and found(conn, ["鹈鹕在"]) == like(conn, "鹈鹕在") != set()
    conn.execute("DELETE FROM sections WHERE report_id = ? AND number = 99", [report])
    assert found(conn, ["鹈鹕"]) == set()
    assert conn.execute("INSERT INTO sections_search (sections_search) VALUES ('integrity-check')").fetchall() == []
    conn.close()


def test_one_character_is_refused_with_a_reason(conn):
    with pytest.raises(ValueError, match="at least 2 characters"):
        match_expression(conn, ["复"])


def test_scrapy_search_prints_json_lines(shared_db):
    result = run_scrapy("search", "复议", "纠正", "--json", "--limit", "3", db=shared_db)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    for hit in lines:
        assert {"report_id", "number", "snippet"} <= set(hit)
        assert "[复议]" in hit["snippet"] or "[纠正]" in hit["snippet"]


def test_scrapy_search_text_output_and_bad_input(shared_db, tmp_path):
    result = run_scrapy("search", "信息公开", db=shared_db)
    assert result.returncode == 0 and "section(s) contain 信息公开" in result.stdout
    assert "[信息公开]" in result.stdout
    short = run_scrapy("search", "复", db=shared_db)
    assert short.returncode == 2 and "at least 2 characters" in short.stderr
    missing = run_scrapy("search", "复议", db=tmp_path / "none.db")
    assert missing.returncode == 2 and "no database at" in missing.stderr
    assert not (tmp_path / "none.db").exists()


def test_the_documented_statement_is_the_one_in_readme_and_datasette():
    import yaml

    from tests.conftest import REPO

    metadata = yaml.safe_load((REPO / "data" / "metadata.yml").read_text(encoding="utf-8"))
    assert metadata["databases"]["reports"]["queries"]["search"]["sql"] == SEARCH_SQL
    assert SEARCH_SQL in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_statement_matches_nothing_for_less_than_two_characters(conn):
    for q in ("", "复"):
        assert conn.execute(SEARCH_SQL, {"q": q}).fetchall() == []
