"""The parsed query language (querytree.py) as OpenSearch's query DSL, and a search request as a search body.

The parser's terms are already analysed as indexed (mapping.py mirrors that analysis),
so words become ``term`` queries, not ``match`` queries that would analyse them again.
Where the DSL differs from the Whoosh engine:

- **Scores.** BM25 per field, summed over the ``bool`` clauses, with Lucene's idf (the
  Whoosh engine's too) but per shard: with several shards, rare words weigh a little
  differently on each until the shards are large.
- **Phrases.** Scored as the Whoosh engine scores them: the BM25 of the phrase's words in
  each field where the phrase occurs (a ``span_near`` filter, the words as scoring terms),
  not Lucene's phrase frequency. Highlighting marks the phrase only (``highlight=True``).
  A hyphenated word's parts take one position each here, the same one in
  Whoosh: a phrase running across one ("co-operation agreement") may not match.
- **Dates.** ``date:`` terms, prefixes and ranges of days (``2023``, ``2023-03``,
  ``2023-03-31``) become date ranges, in UTC.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from ...errors import QueryError
from ...fields import Schema
from .. import querytree as t
from .mapping import INDEXED_BODY, with_headline

MAX_WILDCARD_EXPANSIONS = 1_000
"""Terms a prefix or wildcard may match (the Whoosh engine's MAX_EXPANDED_WORDS)."""


class Translator:
    """Turns query trees over one schema's fields into DSL queries."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._kinds = {field.name: field.kind for field in schema.fields}
        self._searched_as = {"body": INDEXED_BODY} if with_headline(schema) else {}

    def query(self, node: t.Node, highlight: bool = False) -> dict[str, Any]:
        """The DSL query for ``node``, or a QueryError for what cannot be expressed; with ``highlight``,
        the query whose matches a snippet marks (a phrase's words only where they make the phrase)."""
        if isinstance(node, t.Every):
            return {"match_all": {"boost": node.boost}} if node.boost != 1 else {"match_all": {}}
        if isinstance(node, t.Or) and not node.children:
            return {"match_none": {}}  # the parser's "nothing" (a bool without clauses would match everything)
        if isinstance(node, (t.And, t.Or)):
            key = "must" if isinstance(node, t.And) else "should"
            return {"bool": {key: [self.query(child, highlight) for child in node.children], "boost": node.boost}}
        if isinstance(node, t.AndNot):
            return {"bool": {"must": [self.query(node.positive, highlight)], "must_not": [self.query(node.negative)], "boost": node.boost}}
        field = self._field(node)
        if self._kinds[field] == "datetime":
            return self._date(node, field)
        boost = node.boost * self._field_boost(field)
        field = self._searched_as.get(field, field)
        if isinstance(node, t.Term):
            return {"term": {field: {"value": node.text, "boost": boost}}}
        if isinstance(node, t.Phrase):
            return self._phrase(node, field, boost, highlight)
        if isinstance(node, t.Prefix):
            return {"prefix": {field: {"value": node.text, "boost": boost, "rewrite": f"top_terms_{MAX_WILDCARD_EXPANSIONS}"}}}
        if isinstance(node, t.Wildcard):
            return {"wildcard": {field: {"value": node.pattern, "boost": boost, "rewrite": f"top_terms_{MAX_WILDCARD_EXPANSIONS}"}}}
        if isinstance(node, t.Range):
            bounds = {("gte" if node.include_low else "gt"): node.low, ("lte" if node.include_high else "lt"): node.high}
            return {"range": {field: {**{k: v for k, v in bounds.items() if v is not None}, "boost": boost}}}
        raise QueryError(f"the OpenSearch engine cannot run a {type(node).__name__} query; rephrase it (see the README's query language)")

    def _field(self, node: t.Node) -> str:
        field = str(getattr(node, "field", ""))
        if field not in self._kinds:
            raise QueryError(f"unknown field {field!r} in the query; use one of: {', '.join(sorted(self._kinds))}")
        if self._kinds[field] == "bytes":
            raise QueryError(f"the field {field!r} cannot be searched")
        return field

    def _field_boost(self, field: str) -> float:
        return self.schema.field(field).boost

    @staticmethod
    def _phrase(node: t.Phrase, field: str, boost: float, highlight: bool) -> dict[str, Any]:
        if len(node.words) == 1:
            return {"term": {field: {"value": node.words[0], "boost": boost}}}
        clauses = [{"span_term": {field: word}} for word in node.words]
        near = {"span_near": {"clauses": clauses, "slop": node.slop - 1, "in_order": node.slop <= 1}}
        if highlight:
            return near
        words = [{"term": {field: {"value": word}}} for word in node.words]
        return {"bool": {"filter": [near], "must": words, "boost": boost}}

    @staticmethod
    def _date(node: t.Node, field: str) -> dict[str, Any]:
        """``date:`` as a range of days: a Term is one day, a Prefix ("2023-03-") a year or month."""
        low: date | None
        high: date | None
        if isinstance(node, t.Term):
            low, high = _days(node.text)
        elif isinstance(node, t.Prefix):
            low, high = _days(node.text.rstrip("-"))
        elif isinstance(node, t.Range):
            low = _days(node.low)[0 if node.include_low else 1] if node.low else None
            high = _days(node.high.rstrip("~"))[1 if node.include_high else 0] if node.high else None
        else:
            raise QueryError(f"a date can be searched as date:YYYY, date:YYYY-MM, date:YYYY-MM-DD or a range, not as {type(node).__name__}")
        bounds: dict[str, Any] = {"format": "strict_date"}
        if low is not None:
            bounds["gte"] = low.isoformat()
        if high is not None:
            bounds["lt"] = high.isoformat()
        return {"range": {field: bounds}}


def _days(text: str) -> tuple[date, date]:
    """The first day of a YYYY, YYYY-MM or YYYY-MM-DD, and the day after its last."""
    try:
        parts = [int(part) for part in text.split("-")]
        if len(parts) == 1:
            return date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
        if len(parts) == 2:
            year, month = parts
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)
        day = date(*parts)
        return day, day + timedelta(days=1)
    except (ValueError, TypeError):
        raise QueryError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD") from None
