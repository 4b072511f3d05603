"""Searching a Whoosh index: a ``Query`` in, ``Matches`` out (base.py's contract).

Plain words and "phrases" are scored term-at-a-time (wordrank.py); any other query goes
through Whoosh's matchers with a collector that sees every match, for the count and the
facets. Facets, filters, date sorts and near-duplicate sketches come from the per-version
values of docvalues.py. Filters are the table's facets (fields.py), each a keyword field
``facet.field``; the day-term field ``date`` serves since/until.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
from whoosh import query as q
from whoosh.collectors import Collector, FilterCollector, TimeLimit, TopCollector, WrappingCollector
from whoosh.searching import Results, Searcher

from ...errors import QueryError
from ...fields import Schema
from ..base import Match, Matches, Query
from .docvalues import Allowed, DocValues, doc_values
from .query import Parsed, QueryBuilder, expand
from .ranking import RecencyWeighting
from .snippets import query_words, snippet
from .wordrank import rank_words

TOO_LONG = "the search ran past its time limit and was stopped: make the query more specific"
RELATED_TERMS = 12
"""Key terms of an article's body that find the articles like it."""


def search(searcher: Searcher, queries: QueryBuilder, schema: Schema, query: Query) -> Matches:
    """The matches of ``query``: its window of best hits, the total, and the facets if asked."""
    values = doc_values(searcher, facet_fields(schema))
    parsed = queries.parse(query.text)
    allowed = _allowed(searcher, values, schema, query)
    try:
        if parsed.words is not None:
            results, matched = _rank_words(searcher, values, parsed, query, allowed)
        else:
            expanded = expand(parsed.query, searcher.reader(), query.deadline)  # bounded before Whoosh builds its matchers
            results, matched = _whoosh_search(searcher, values, expanded, query, allowed)
    except TimeLimit:
        raise QueryError(TOO_LONG) from None
    scored = query.sort == "relevance" and bool(query.text.strip())
    ids, sketches = values.ids, values.sketches
    hits = [Match(ids[docnum], score if scored else None, _Stored(searcher, schema, docnum), sketches[docnum]) for score, docnum in results.top_n]
    facets = None
    if query.facets:
        facets = {name: dict(counts) for name, counts in values.count_facets(matched).items()}
    return Matches(total=len(matched), hits=hits, facets=facets, snippets=_snippets(searcher, results.q))


def related(searcher: Searcher, schema: Schema, docnum: int, limit: int) -> Matches:
    """The articles most like one: Whoosh's more-like-this on the body's key terms."""
    values = doc_values(searcher, facet_fields(schema))
    results = searcher.more_like(docnum, "body", top=limit, numterms=RELATED_TERMS)
    hits = [Match(values.ids[hit.docnum], hit.score, _Stored(searcher, schema, hit.docnum), values.sketches[hit.docnum]) for hit in results]
    return Matches(total=len(hits), hits=hits, facets=None, snippets=_snippets(searcher, results.q))


def facet_fields(schema: Schema) -> dict[str, str]:
    """Facet name -> the keyword field whose terms are its values."""
    return {facet.name: facet.field for facet in schema.facets}


def stored(schema: Schema, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An article's stored fields under the table's names: ``date`` is the datetime Whoosh keeps
    as ``published`` (None when undated), a keyword field's values a tuple, a missing text ""."""
    result: dict[str, Any] = {}
    for field in schema.stored:
        if field.kind == "datetime":
            result[field.name] = fields.get("published")
        elif field.kind == "keyword":
            value = fields.get(field.name) or ()
            result[field.name] = tuple(v for v in value.split(",") if v) if isinstance(value, str) else tuple(value)
        else:
            result[field.name] = fields.get(field.name) or ""
    return result


class _Stored(Mapping[str, Any]):
    """A hit's stored fields, read when first looked at: of a window of hits folded for
    near-duplicates, only the page's are shown (reading them all doubled a deep page's time).
    Read in the thread that searched, whose searcher is open until its next search."""

    __slots__ = ("_searcher", "_schema", "_docnum", "_fields")

    def __init__(self, searcher: Searcher, schema: Schema, docnum: int) -> None:
        self._searcher, self._schema, self._docnum = searcher, schema, docnum
        self._fields: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._fields is None:
            self._fields = stored(self._schema, self._searcher.stored_fields(self._docnum))
        return self._fields

    def __getitem__(self, name: str) -> Any:
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def _snippets(searcher: Searcher, query: q.Query) -> Callable[[list[Match]], list[str]]:
    """Snippets of the body marking the words ``query`` looks for (found when the page is cut)."""

    def snippets(hits: list[Match]) -> list[str]:
        words = query_words(query, searcher.reader())
        return [snippet(hit.stored.get("body", ""), words) for hit in hits]

    return snippets


def _rank_words(searcher: Searcher, values: DocValues, parsed: Parsed, query: Query, allowed: Allowed | None) -> tuple[Results, np.ndarray]:
    """A query of plain words, scored term-at-a-time (wordrank.py): the top ``window``, and every match."""
    assert parsed.words is not None
    window = query.window
    docnums, scores = rank_words(searcher, parsed.words, values, allowed.mask if allowed else None, window, query.deadline)
    if (newest_first := _by_date(query)) is not None:
        top = _dated(values, docnums, newest_first, window)
    else:
        if query.recency:
            scores = scores * RecencyWeighting(values.timestamps, values.newest).freshness(docnums)
        best = np.argpartition(-scores, window)[:window] if len(scores) > window else np.arange(len(scores))
        best = best[np.lexsort((docnums[best], -scores[best]))]  # ties go to the lower document number, as in Whoosh
        top = list(zip(scores[best].tolist(), docnums[best].tolist(), strict=True))
    return Results(searcher, parsed.query, top), docnums


def _whoosh_search(searcher: Searcher, values: DocValues, expanded: q.Query, query: Query, allowed: Allowed | None) -> tuple[Results, np.ndarray]:
    """Any other query, through Whoosh's matchers: the top ``window``, and every match."""
    if allowed is not None and not allowed.docs:  # Whoosh would read an empty filter as no filter
        return Results(searcher, expanded, []), np.zeros(0, dtype=np.int64)
    ranker = searcher
    if query.recency and query.sort == "relevance":
        weighting = RecencyWeighting(values.timestamps, values.newest)
        ranker = Searcher(searcher.reader(), weighting=weighting, closereader=False)
    # No block skipping nor matcher replacing, which drop matches that cannot make the top:
    # every match must reach _Matches, for the count and the facets.
    matches = _Matches(TopCollector(limit=query.window, usequality=False, replace=0), query.deadline)
    collector = FilterCollector(matches, allow=allowed.docs if allowed else None)
    ranker.search_with_collector(expanded, collector)
    matched = np.fromiter(sorted(matches.docs), dtype=np.int64, count=len(matches.docs))
    if (newest_first := _by_date(query)) is not None:
        return Results(searcher, expanded, _dated(values, matched, newest_first, query.window)), matched
    return collector.results(), matched


class _Matches(WrappingCollector):
    """Records every matching document, for the count and the facets, and stops a search
    that runs past its deadline.

    It goes under Whoosh's filter, so it sees only documents the filter lets through;
    Whoosh's TimeLimitCollector would have to wrap the filter, and in a server thread it
    cannot use its alarm signal.
    """

    def __init__(self, child: Collector, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline
        self.docs: set[int] = set()

    def collect(self, sub_docnum: int) -> Any:
        if time.thread_time() > self.deadline:
            raise TimeLimit
        self.docs.add(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


def _allowed(searcher: Searcher, values: DocValues, schema: Schema, query: Query) -> Allowed | None:
    """The articles the query's filters let through, or None when it has none."""
    whoosh_filter = _filter(searcher, schema, query)
    if whoosh_filter is None:
        return None
    return values.filters.get(repr(whoosh_filter), lambda: Allowed(searcher.docs_for_query(whoosh_filter), values.size))


def _filter(searcher: Searcher, schema: Schema, query: Query) -> q.Query | None:
    clauses: list[q.Query] = []
    for name, wanted in query.filters.items():
        if not wanted:
            continue
        facet = schema.facet(name)
        terms: list[str] = list(wanted)
        if facet.fold_case:  # every spelling in the index matches, whatever the case typed
            folded = {value.lower() for value in wanted}
            terms = [term for term in _terms(searcher, facet.field) if term.lower() in folded] or terms
        clauses.append(q.Or([q.Term(facet.field, term) for term in terms]))  # values of one facet: any; facets: all
    if query.since or query.until:
        since, until = query.since, query.until
        clauses.append(q.TermRange("date", since.isoformat() if since else None, until.isoformat() if until else None))
    return q.And(clauses) if clauses else None


def _terms(searcher: Searcher, fieldname: str) -> list[str]:
    return [term.decode("utf-8") for term in searcher.lexicon(fieldname)]


def _by_date(query: Query) -> bool | None:
    """Whether hits are listed newest first (True) or oldest first (False); None: by relevance.
    An empty query lists the newest."""
    if query.sort == "relevance" and query.text.strip():
        return None
    return query.sort != "oldest"


def _dated(values: DocValues, docnums: np.ndarray, newest_first: bool, window: int) -> list[tuple[None, int]]:
    """The first ``window`` of ``docnums`` by date (undated last either way), as Whoosh's (score, docnum)."""
    return [(None, docnum) for docnum in values.by_date(docnums, newest_first)[:window].tolist()]
