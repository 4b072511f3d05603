"""The embedded engine: Whoosh, in the index folder. Every ``import whoosh`` of newssearch is in this package.

Reading (searching.py and the modules it uses; oneoff.py for a process that searches
once) and writing (writing.py) are apart; this class is the one door to both, the ``Engine`` of base.py. Whoosh's private parts are
read through private.py only, and its two patches (patches.py) apply to this engine's
own readers, never to Whoosh globally.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import deferred  # noqa: F401  # isort: skip  # first: Whoosh imported without what a search never uses
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from ...errors import ArticleNotFound, QueryError
from ...fields import Schema
from ..base import Engine, EngineStats, Indexed, Matches, Query, Stored, Writer
from . import hits, oneoff, store
from .query import QueryBuilder, expand
from .snippets import marked, query_words
from .spelling import speller, suggest

MARK_SECONDS = 5.0
"""CPU time a query's prefixes and wildcards may take to expand when an article is marked."""


class WhooshEngine(Engine):
    """A Whoosh index in ``index_dir``, built from ``schema``."""

    def __init__(self, index_dir: Path, schema: Schema, one_off: bool = False) -> None:
        self.index_dir = index_dir
        self.schema = schema
        self.one_off = one_off  # a process that searches once and exits: oneoff.py where it is cheaper
        self._searchers = store.Searchers(index_dir)
        self._queries: QueryBuilder | None = None
        self._lock = threading.Lock()

    # Writing: writing.py -------------------------------------------------------------------

    def writer(self, full: bool, size_bytes: int) -> Writer:
        from .writing import WhooshWriter  # here: a search never loads the writer and its processes

        return WhooshWriter.open(self, full, size_bytes)

    def indexed(self) -> Iterator[Indexed]:
        from .writing import indexed

        return indexed(self)

    def exists(self) -> bool:
        return store.exists(self.index_dir)

    def save_report(self, report: dict[str, Any]) -> None:
        store.save_report(self.index_dir, report)

    # Reading: searching.py -----------------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's Whoosh searcher on the index committed now (for the engine's own modules and tests)."""
        return self._searchers.searcher()

    @property
    def queries(self) -> QueryBuilder:
        """The query parser of this index's Whoosh schema (IndexNotFound if there is no index)."""
        with self._lock:
            if self._queries is None:
                self._queries = QueryBuilder(self.searcher().schema)  # the schema its searcher has read
            return self._queries

    def search(self, query: Query) -> Matches:
        if self.one_off and (matches := oneoff.search(self.searcher(), self.queries, self.schema, query)) is not None:
            return matches
        from . import searching  # here: a one-off search that oneoff.py answers never imports numpy

        return searching.search(self.searcher(), self.queries, self.schema, query, one_off=self.one_off)

    def get(self, article_id: str) -> Stored | None:
        fields = self.searcher().document(id=article_id)
        return None if fields is None else hits.stored(self.schema, fields)

    def related(self, article_id: str, limit: int) -> Matches:
        searcher = self.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise ArticleNotFound(article_id)
        from . import searching

        return searching.related(searcher, self.schema, docnum, limit)

    def suggest(self, text: str) -> str | None:
        reader = self.searcher().reader()
        return suggest(speller(self.index_dir, reader), text, reader)

    def mark(self, text: str, query_text: str) -> str:
        reader = self.searcher().reader()
        try:
            parsed = expand(self.queries.build(query_text), reader, time.thread_time() + MARK_SECONDS)
        except (QueryError, TimeLimit):
            return ""
        return marked(text, query_words(parsed, reader))

    def stats(self) -> EngineStats:
        articles = self.searcher().doc_count()
        return EngineStats(articles=articles, size_bytes=store.size_bytes(self.index_dir), location=str(self.index_dir))

    def last_report(self) -> dict[str, Any] | None:
        return store.last_report(self.index_dir)

    def close(self) -> None:
        self._searchers.close()
