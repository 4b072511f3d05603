"""The query language parsed into the neutral tree of querytree.py, for engines other than Whoosh.

The one parser (query.py's QueryBuilder, Whoosh's query parser underneath, with the
relaxation "all words first, then most of them") runs on a Whoosh schema built from the
table, without an index; its Whoosh query objects are then translated node by node, so
an OpenSearch engine runs exactly the queries Whoosh runs.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh import query as q

from ...errors import QueryError
from ...fields import Schema
from .. import querytree as t
from .query import QueryBuilder
from .schema import build_schema


@lru_cache(maxsize=4)
def _builder(schema: Schema) -> QueryBuilder:
    return QueryBuilder(build_schema(schema))


def parse(text: str, schema: Schema) -> tuple[t.Node, tuple[str, ...] | None]:
    """The query ``text`` as a tree, and its words as indexed when it is only plain words or
    one "phrase" (the case an engine may rank term-at-a-time); QueryError if it does not parse."""
    parsed = _builder(schema).parse(text)
    return to_tree(parsed.query), parsed.words.words if parsed.words is not None else None


def to_tree(node: q.Query) -> t.Node:
    """A Whoosh query as the neutral tree, boosts kept."""
    boost = float(getattr(node, "boost", 1.0))
    if isinstance(node, q.Every):
        return t.Every(boost=boost)
    if node is q.NullQuery:
        return t.Or((), boost=boost)  # matches nothing
    if isinstance(node, q.Term):
        return t.Term(node.fieldname, str(node.text), boost=boost)
    if isinstance(node, q.Phrase):
        return t.Phrase(node.fieldname, tuple(node.words), node.slop, boost=boost)
    if isinstance(node, q.Prefix):
        return t.Prefix(node.fieldname, node.text, boost=boost)
    if isinstance(node, q.Wildcard):
        return t.Wildcard(node.fieldname, node.text, boost=boost)
    if isinstance(node, q.TermRange):
        return _range(node, boost)
    if isinstance(node, q.AndNot):
        return t.AndNot(to_tree(node.a), to_tree(node.b), boost=boost)
    if isinstance(node, q.AndMaybe):  # a required, b only adds to the score: every a, the a with b higher
        required = to_tree(node.a)
        return t.Or((t.And((required, to_tree(node.b))), required), boost=boost)
    if isinstance(node, q.Not):  # alone: everything but it
        return t.AndNot(t.Every(), to_tree(node.query), boost=boost)
    if isinstance(node, q.And):
        positives = tuple(to_tree(c) for c in node.subqueries if not isinstance(c, q.Not))
        negatives = tuple(to_tree(c.query) for c in node.subqueries if isinstance(c, q.Not))
        positive: t.Node = t.And(positives) if positives else t.Every()
        if not negatives:
            return t.And(positives, boost=boost)
        return t.AndNot(positive, negatives[0] if len(negatives) == 1 else t.Or(negatives), boost=boost)
    if isinstance(node, (q.Or, q.DisjunctionMax)):
        return t.Or(tuple(to_tree(c) for c in node.subqueries), boost=boost)
    raise QueryError(f"the query part {node} cannot be run by this engine; see the query language in the README")


def _range(node: q.TermRange, boost: float) -> t.Range:
    """A range; on the day field a partial ``high`` (2023-03) comes with Whoosh's "~" (which sorts
    after any day of it), left out here: the tree's partial high includes its whole period."""
    high = node.end
    if high is not None and node.fieldname == "date":
        high = high.rstrip("~")
    return t.Range(node.fieldname, node.start, high, include_low=not node.startexcl, include_high=not node.endexcl, boost=boost)
