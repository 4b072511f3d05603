"""SQLite FTS5 on the same articles and queries: what a user might pick instead of newssearch.

A contentful FTS5 table holds title and body (porter stemming, accent folding);
a plain table holds what filters and facets need (date, year, month, source) and
a tags table the tag facet. A search collects the matching rowids once into a
temporary table, counts facets from it with GROUP BY, and ranks the page shown
with ``bm25()`` (title weighted like newssearch's title boost) with ``snippet()``.
The CROSS JOIN keeps the full-text match as the outer loop: otherwise SQLite may
walk a filter's index (``source = 'Reuters'`` holds for every row) and probe the
FTS table once per row, 50 times slower.

``python -m perf.fts5 DB N`` runs query N of the set in a fresh process (cold).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .queries import QUERIES, BenchQuery

if TYPE_CHECKING:
    from newssearch import Article  # not imported at run time: a cold search here loads sqlite3 only

TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT = 1.5  # newssearch.schema.TITLE_BOOST (not imported: a cold search here loads sqlite3 only)
SNIPPET_TOKENS = 24  # about newssearch's two fragments of 150 characters
PAGE_SIZE = 10

SCHEMA = f"""
CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, tokenize='{TOKENIZER}');
CREATE TABLE articles (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,
    date TEXT, year TEXT, month TEXT, source TEXT, url TEXT, path TEXT
);
CREATE TABLE tags (rowid INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE INDEX articles_date ON articles(date);
CREATE INDEX articles_source ON articles(source COLLATE NOCASE);
CREATE INDEX tags_rowid ON tags(rowid);
"""
FACETS = {
    "source": "SELECT a.source, count(*) FROM matched m JOIN articles a ON a.rowid = m.rowid GROUP BY 1 ORDER BY 2 DESC",
    "year": "SELECT a.year, count(*) FROM matched m JOIN articles a ON a.rowid = m.rowid GROUP BY 1 ORDER BY 1",
    "month": "SELECT a.month, count(*) FROM matched m JOIN articles a ON a.rowid = m.rowid GROUP BY 1 ORDER BY 1",
    "tags": "SELECT t.tag, count(*) FROM matched m JOIN tags t ON t.rowid = m.rowid GROUP BY 1 ORDER BY 2 DESC",
}
MATCHES = "FROM articles_fts CROSS JOIN articles a ON a.rowid = articles_fts.rowid WHERE {where}"
PAGE = (
    "SELECT a.id, articles_fts.title, a.date, a.source, a.url, a.path, "
    f"snippet(articles_fts, 1, '<mark>', '</mark>', ' … ', {SNIPPET_TOKENS}), "
    f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0) AS score {MATCHES} ORDER BY score LIMIT ? OFFSET ?"
)


def create(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    return connection


def connect(path: Path) -> sqlite3.Connection:
    """Open read-only, with the per-connection temporary table searches collect matches in.

    Autocommit (``isolation_level=None``): otherwise the first write to the temporary
    table opens a transaction that keeps a read lock on the database, and a writer
    (new articles) waits for it and fails with "database is locked".
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    connection.execute("CREATE TEMP TABLE matched (rowid INTEGER PRIMARY KEY)")
    return connection


def insert(connection: sqlite3.Connection, articles: Iterable[Article]) -> int:
    """Add articles in one transaction; returns how many."""
    count = 0
    with connection:
        for article in articles:
            date = article.date
            rowid = connection.execute(
                "INSERT INTO articles (id, date, year, month, source, url, path) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (article.id, date and f"{date:%Y-%m-%d}", date and f"{date:%Y}", date and f"{date:%Y-%m}",
                 article.source, article.url, article.path),
            ).lastrowid  # fmt: skip
            connection.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", (rowid, article.title, article.body))
            connection.executemany("INSERT INTO tags VALUES (?, ?)", [(rowid, tag.lower()) for tag in article.tags])
            count += 1
    return count


def _where(query: BenchQuery) -> tuple[str, list[str]]:
    clauses, params = ["articles_fts MATCH ?"], [query.fts]
    if query.source:
        clauses.append("a.source = ? COLLATE NOCASE")
        params.append(query.source)
    if query.since:
        clauses.append("a.date >= ?")
        params.append(query.since)
    if query.until:
        clauses.append("a.date <= ?")
        params.append(query.until)
    return " AND ".join(clauses), params


def search(connection: sqlite3.Connection, query: BenchQuery, page: int = 1) -> dict[str, Any]:
    """The same result newssearch gives: total, the page's hits with snippets, facet counts."""
    where, params = _where(query)
    connection.execute("DELETE FROM matched")
    connection.execute(f"INSERT INTO matched SELECT articles_fts.rowid {MATCHES.format(where=where)}", params)
    total = connection.execute("SELECT count(*) FROM matched").fetchone()[0]
    facets = {name: connection.execute(sql).fetchall() for name, sql in FACETS.items()}
    hits = connection.execute(PAGE.format(where=where), [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE]).fetchall()
    return {"total": total, "hits": hits, "facets": facets}


def main(argv: list[str]) -> None:
    database, number = argv
    print(json.dumps(search(connect(Path(database)), QUERIES[int(number)])))


if __name__ == "__main__":
    main(sys.argv[1:])
