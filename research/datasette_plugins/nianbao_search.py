"""Datasette plugin: `?_search=` on `sections` finds 2-character words too (`--plugins-dir research/datasette_plugins`).

Datasette's table search runs `… MATCH escape_fts(:search)` against the table's `fts_table` (for `sections`:
`sections_search`, the trigram index). A trigram index has no term for a 2-character word, so Datasette's own
escaping finds nothing for «复议». This plugin registers its own `escape_fts`, after Datasette's (trylast),
which turns a query holding a 2-character word into the expression `scrapy search` uses
(`research.search.match_expression`: the word becomes an OR of the indexed trigrams that start with it);
any other query is escaped as Datasette does. The function is per connection, not per table: on a database
without `sections_search_terms`, or for another FTS table's 2-character words, it is Datasette's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils import escape_fts as datasette_escape_fts

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # Datasette loads this file by path
from research.search import MIN_CHARS, match_expression


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    has_vocabulary = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sections_search_terms'").fetchone())

    def escape_fts(query: str) -> str:
        words = query.split()
        if not has_vocabulary or '"' in query or not any(len(word) == MIN_CHARS for word in words):
            return datasette_escape_fts(query)
        if any(len(word) < MIN_CHARS for word in words):
            return datasette_escape_fts(query)
        return match_expression(conn, words)

    conn.create_function("escape_fts", 1, escape_fts)
