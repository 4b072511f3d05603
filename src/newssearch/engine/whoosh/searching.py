"""Searching a Whoosh index: a ``Query`` in, ``Matches`` out (base.py's contract).

Plain words and "phrases", and queries Whoosh scores as a plain sum of term scores
(field:word, prefix*, NOT: query.TermSum), are scored term-at-a-time (wordrank.py); any
other query goes through Whoosh's matchers with a collector that sees every match, for
the count and the facets. Facets, filters, date sorts and near-duplicate sketches come from the per-version
values of docvalues.py. Filters are the table's facets (fields.py), each a keyword field
``facet.field``; the day-term field ``date`` serves since/until.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as q
from whoosh.collectors import FilterCollector, ScoredCollector, TimeLimit, TopCollector, UnlimitedCollector
from whoosh.searching import Results, Searcher

from ...errors import QueryError
from ...fields import Schema
from ..base import Match, Matches, Query
from .docvalues import Allowed, DocValues, doc_values, filtered
from .filters import whoosh_filter as _filter
from .hits import TOO_LONG, few_columns
from .hits import Matched as _Matches
from .hits import Stored as _Stored
from .hits import snippets_of as _snippets
from .query import Parsed, QueryBuilder, expand, term_sum
from .ranking import RecencyWeighting
from .wordrank import rank_terms, rank_words

RELATED_TERMS = 12
"""Key terms of an article's body that find the articles like it."""


def search(searcher: Searcher, queries: QueryBuilder, schema: Schema, query: Query, one_off: bool = False) -> Matches:
    """The matches of ``query``: its window of best hits, the total, and the facets if asked.
    ``one_off``: the only search of its process, which reads only what it needs (the hits'
    ids and sketches alone; docvalues.doc_values)."""
    values = doc_values(searcher, facet_fields(schema), one_off)
    parsed = queries.parse(query.text)
    allowed = _allowed(searcher, values, schema, query)
    try:
        if parsed.words is not None:
            results, matched = _rank_words(searcher, values, parsed, query, allowed)
        else:
            expanded = expand(parsed.query, searcher.reader(), query.deadline)  # bounded before Whoosh builds its matchers
            if (terms := term_sum(expanded, searcher.reader())) is not None:
                docnums, scores = rank_terms(searcher, terms, values, allowed.mask if allowed else None, query.deadline)
                results, matched = _ranked(searcher, values, expanded, query, docnums, scores), docnums
            else:
                results, matched = _whoosh_search(searcher, values, expanded, query, allowed)
    except TimeLimit:
        raise QueryError(TOO_LONG) from None
    scored = query.sort == "relevance" and bool(query.text.strip())
    top = results.top_n[: query.window]
    ids, sketches = few_columns(searcher.reader(), [docnum for _, docnum in top]) if one_off else (values.ids, values.sketches)
    hits = [
        Match(ids[docnum], score if scored else None, _Stored(searcher, schema, docnum, values.stored), sketches[docnum]) for score, docnum in top
    ]
    facets = values.count_facets(matched) if query.facets else None
    days = values.days(matched) if query.days else None
    return Matches(total=len(matched), hits=hits, facets=facets, snippets=_snippets(searcher, results.q), days=days)


def related(searcher: Searcher, schema: Schema, docnum: int, limit: int) -> Matches:
    """The articles most like one: Whoosh's more-like-this on the body's key terms."""
    values = doc_values(searcher, facet_fields(schema))
    results = searcher.more_like(docnum, "body", top=limit, numterms=RELATED_TERMS)
    hits = [
        Match(values.ids[hit.docnum], hit.score, _Stored(searcher, schema, hit.docnum, values.stored), values.sketches[hit.docnum]) for hit in results
    ]
    return Matches(total=len(hits), hits=hits, facets=None, snippets=_snippets(searcher, results.q))


def facet_fields(schema: Schema) -> dict[str, str]:
    """Facet name -> the keyword field whose terms are its values."""
    return {facet.name: facet.field for facet in schema.facets}


def _rank_words(searcher: Searcher, values: DocValues, parsed: Parsed, query: Query, allowed: Allowed | None) -> tuple[Results, np.ndarray]:
    """A query of plain words, scored term-at-a-time (wordrank.py): the top ``window``, and every match."""
    assert parsed.words is not None
    window = query.window
    exact = max(window, 1)  # the proximity bonus is exact for the best ``exact`` (one at least: a count-only search)
    docnums, scores = rank_words(searcher, parsed.words, values, allowed.mask if allowed else None, exact, query.deadline)
    return _ranked(searcher, values, parsed.query, query, docnums, scores), docnums


def _ranked(searcher: Searcher, values: DocValues, whoosh_query: q.Query, query: Query, docnums: np.ndarray, scores: np.ndarray) -> Results:
    """The top ``window`` of the matches scored term-at-a-time (``docnums`` and their ``scores``), as Whoosh's Results."""
    window = query.window
    if (newest_first := _by_date(query)) is not None:
        top = _dated(values, docnums, newest_first, window, scores)
    else:
        if query.recency:
            scores = scores * RecencyWeighting(values.timestamps, values.newest).freshness(docnums)
        # Ties go to the lower document number, as in Whoosh, also at the window's edge: every
        # match that scores as much as the window's last is a candidate.
        last = max(window, 1) - 1
        best = np.flatnonzero(scores >= -np.partition(-scores, last)[last]) if len(scores) > window else np.arange(len(scores))
        best = best[np.lexsort((docnums[best], -scores[best]))][:window]
        top = list(zip(scores[best].tolist(), docnums[best].tolist(), strict=True))
    return Results(searcher, whoosh_query, top)


def _whoosh_search(searcher: Searcher, values: DocValues, expanded: q.Query, query: Query, allowed: Allowed | None) -> tuple[Results, np.ndarray]:
    """Any other query, through Whoosh's matchers: the top ``window``, and every match."""
    if allowed is not None and not allowed.docs:  # Whoosh would read an empty filter as no filter
        return Results(searcher, expanded, []), np.zeros(0, dtype=np.int64)
    ranker = searcher
    if query.recency and query.sort == "relevance":
        weighting = RecencyWeighting(values.timestamps, values.newest)
        ranker = Searcher(searcher.reader(), weighting=weighting, closereader=False)
    newest_first = _by_date(query)
    # No block skipping nor matcher replacing, which drop matches that cannot make the top:
    # every match must reach _Matches, for the count and the facets. A date sort keeps
    # every match's score, its order within a date (Whoosh's heap cannot hold 0 hits).
    scorer: ScoredCollector = TopCollector(limit=max(query.window, 1), usequality=False, replace=0) if newest_first is None else UnlimitedCollector()
    scorer.replace = 0
    matches = _Matches(scorer, query.deadline)
    collector = FilterCollector(matches, allow=allowed.docs if allowed else None)
    ranker.search_with_collector(expanded, collector)
    matched = np.fromiter(sorted(matches.docs), dtype=np.int64, count=len(matches.docs))
    if newest_first is not None:
        scored = collector.results().top_n  # (score, docnum) of every match
        docnums = np.array([docnum for _, docnum in scored], dtype=np.int64)
        scores = np.array([score for score, _ in scored], dtype=np.float64)
        return Results(searcher, expanded, _dated(values, docnums, newest_first, query.window, scores)), matched
    return collector.results(), matched


def _allowed(searcher: Searcher, values: DocValues, schema: Schema, query: Query) -> Allowed | None:
    """The articles the query's filters let through, or None when it has none."""
    whoosh_filter = _filter(searcher, schema, query)
    if whoosh_filter is None:
        return None
    return values.filters.get(repr(whoosh_filter), lambda: Allowed(filtered(searcher.reader(), whoosh_filter), values.size))


def _by_date(query: Query) -> bool | None:
    """Whether hits are listed newest first (True) or oldest first (False); None: by relevance.
    An empty query lists the newest."""
    if query.sort == "relevance" and query.text.strip():
        return None
    return query.sort != "oldest"


def _dated(values: DocValues, docnums: np.ndarray, newest_first: bool, window: int, scores: np.ndarray) -> list[tuple[None, int]]:
    """The first ``window`` of ``docnums`` by date (undated last either way, ties by ``scores``), as Whoosh's (score, docnum)."""
    return [(None, docnum) for docnum in values.by_date(docnums, newest_first, scores)[:window].tolist()]
