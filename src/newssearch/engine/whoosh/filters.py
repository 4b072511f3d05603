"""A search's filters as one Whoosh query: the table's facets, each a keyword field ``facet.field``,
and the day-term field ``date`` for since/until."""

from __future__ import annotations

from whoosh import query as q
from whoosh.searching import Searcher

from ...fields import Schema
from ..base import Query


def whoosh_filter(searcher: Searcher, schema: Schema, query: Query) -> q.Query | None:
    """The Whoosh query of ``query``'s filters (facet values, since/until), or None when it has none."""
    clauses: list[q.Query] = []
    for name, wanted in query.filters.items():
        if not wanted:
            continue
        facet = schema.facet(name)
        terms: list[str] = list(wanted)
        if facet.fold_case:  # every spelling in the index matches, whatever the case typed
            folded = {value.lower() for value in wanted}
            terms = [term for term in _lexicon(searcher, facet.field) if term.lower() in folded] or terms
        clauses.append(q.Or([q.Term(facet.field, term) for term in terms]))  # values of one facet: any; facets: all
    if query.since or query.until:
        since, until = query.since, query.until
        clauses.append(q.TermRange("date", since.isoformat() if since else None, until.isoformat() if until else None))
    return q.And(clauses) if clauses else None


def _lexicon(searcher: Searcher, fieldname: str) -> list[str]:
    return [term.decode("utf-8") for term in searcher.lexicon(fieldname)]
