"""Search that finds what researchers type: sections whose verbatim body contains every word.

The index is `sections_search` (migration m010_sections_search): FTS5 with the `trigram` tokenizer
over `sections.body`. Why this design:

- a word of 3+ characters, quoted, is a phrase of its overlapping trigrams, which matches exactly
  the bodies that contain it — the same sections as `body LIKE '%word%'` (recall 100 %), whatever
  jieba would have made of it («公开申请», «依申请», a word split by a line break in a table);
- a 2-character word has no trigram of its own; every body that contains it has a trigram that
  starts with it (the indexed text ends in a newline, so this holds at the very end of a body as
  well), and the index's vocabulary (`sections_search_terms`, fts5vocab) lists those trigrams in
  order, so the word becomes `"信息x" OR "信息y" OR …` over a range scan of the vocabulary;
- results are ranked by FTS5's bm25 (see `search` for words found in thousands of sections), and
  snippets are cut from the body itself, as printed (in SQL: FTS5's snippet()).

jieba tokens (`sections_fts`) stay for word-level queries (`sections_fts MATCH '行政复议'`); they
cannot find a string that spans two tokens, nor show the original text in a snippet.

`SEARCH_SQL` is the same search as one SQL statement with a `:q` parameter (README, data/metadata.yml's
canned query `search`); `search()` is what `scrapy search` runs, for several words at once.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass

MIN_CHARS = 2
# The highest code point: `term < word || LAST` bounds the vocabulary range of terms starting with `word`.
LAST = "\U0010ffff"
OPEN, CLOSE = "[", "]"
RANK_WINDOW = 2_000  # see search(): at most this many matches are ranked for a top-N answer
COUNT_LIMIT = 10_000  # and at most this many counted
SNIPPET_BEFORE, SNIPPET_AFTER = 20, 40  # characters of body shown around the first match

# One query (:q, two or more characters) in plain SQL, ranked, with snippets of the original text.
SEARCH_SQL = """SELECT s.report_id, s.number, s.heading, r.agency, r.year,
  snippet(sections_search, 0, '[', ']', '…', 32) AS snippet
FROM sections_search
JOIN sections s ON s.rowid = sections_search.rowid
JOIN reports r ON r.id = s.report_id
WHERE sections_search MATCH (
  SELECT CASE WHEN length(:q) >= 3 THEN '"' || replace(:q, '"', '""') || '"'
  WHEN length(:q) = 2 THEN coalesce((SELECT group_concat('"' || replace(term, '"', '""') || '"', ' OR ')
                 FROM sections_search_terms
                 WHERE term >= lower(:q) AND term < lower(:q) || char(1114111)), '""')
  ELSE '""' END)
ORDER BY rank
LIMIT 100"""


@dataclass
class Hit:
    report_id: str
    number: int
    heading: str | None
    agency: str | None
    year: int | None
    region_code: str | None
    source: str
    snippet: str
    rank: float

    def as_dict(self) -> dict:
        return asdict(self)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def word_expression(conn: sqlite3.Connection, word: str) -> str:
    """The FTS5 expression matching exactly the bodies that contain `word` (2+ characters)."""
    if len(word) < MIN_CHARS:
        raise ValueError(f"{word!r}: search words need at least {MIN_CHARS} characters")
    if len(word) >= 3:
        return _quote(word)
    folded = word.lower()  # the trigram index folds case, and so does its vocabulary
    terms = conn.execute(
        "SELECT term FROM sections_search_terms WHERE term >= ? AND term < ?", [folded, folded + LAST]
    ).fetchall()
    if not terms:
        return '""'  # matches nothing: no body contains the word
    return "(" + " OR ".join(_quote(term) for (term,) in terms) + ")"


def match_expression(conn: sqlite3.Connection, words: list[str]) -> str:
    """Every word must occur (AND)."""
    words = [word.strip() for word in words if word.strip()]
    if not words:
        raise ValueError("nothing to search for: give one or more words")
    return " AND ".join(word_expression(conn, word) for word in words)


@dataclass
class Results:
    count: int  # sections that contain every word; at least this many when `more`
    more: bool  # counting stopped at COUNT_LIMIT
    hits: list[Hit]


def search(conn: sqlite3.Connection, words: list[str], limit: int | None = 20) -> Results:
    """The sections that contain every word, the best `limit` of them (all if None), ranked.

    Counting and ranking cost FTS5 time per matching section (bm25 reads each one's statistics: a few
    microseconds), so a word found in most sections («信息», «申请») would take far longer than the
    answer needs. When only the best `limit` are wanted, counting stops after COUNT_LIMIT matches
    («more than 10,000») and the ranked ones are the RANK_WINDOW most recently stored matches.
    """
    expression = match_expression(conn, words)
    matches = "SELECT rowid FROM sections_search WHERE sections_search MATCH ?"
    if limit is None:
        count, more = conn.execute(f"SELECT COUNT(*) FROM ({matches})", [expression]).fetchone()[0], False
    else:
        found = conn.execute(f"SELECT COUNT(*) FROM ({matches} LIMIT {COUNT_LIMIT + 1})", [expression]).fetchone()[0]
        count, more = min(found, COUNT_LIMIT), found > COUNT_LIMIT
    window = "SELECT rowid, rank FROM sections_search WHERE sections_search MATCH ?"
    if limit is not None and (more or count > RANK_WINDOW):
        window += f" ORDER BY rowid DESC LIMIT {RANK_WINDOW}"
    ranked = conn.execute(
        f"SELECT rowid, rank FROM ({window}) ORDER BY rank LIMIT ?", [expression, -1 if limit is None else limit]
    ).fetchall()
    return Results(count, more, hits(conn, ranked, words))


def hits(conn: sqlite3.Connection, ranked: list[tuple[int, float]], words: list[str]) -> list[Hit]:
    """The sections (by rowid, in rank order) with their report and a snippet cut from the body."""
    found = {}
    for i in range(0, len(ranked), 500):
        chunk = [rowid for rowid, _ in ranked[i : i + 500]]
        rows = conn.execute(
            "SELECT s.rowid, s.report_id, s.number, s.heading, r.agency, r.year, r.region_code, r.source, s.body"
            f" FROM sections s LEFT JOIN reports r ON r.id = s.report_id WHERE s.rowid IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found |= {row[0]: row for row in rows}
    return [Hit(*found[rowid][1:8], snippet(found[rowid][8], words), rank) for rowid, rank in ranked]


def _pattern(words: list[str]) -> re.Pattern[str]:
    words = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def snippet(body: str, words: list[str], before: int = SNIPPET_BEFORE, after: int = SNIPPET_AFTER) -> str:
    """The body around the first place a word occurs, verbatim, with every word in [brackets]."""
    pattern = _pattern(words)
    first = pattern.search(body)
    at = first.start() if first else 0
    start, end = max(0, at - before), min(len(body), at + after)
    text = pattern.sub(lambda m: f"{OPEN}{m.group(0)}{CLOSE}", body[start:end])
    return ("…" if start > 0 else "") + text + ("…" if end < len(body) else "")
