"""Query parameters -> SearchRequest: one parser, ``parse_search``, for the page, the API and the feed.

The filters are the table's facets (fields.py): each facet's ``param`` (source, year,
month, tag ...), repeatable; values of one are OR'ed, different ones AND'ed.
"""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from ..errors import QueryError
from ..fields import Schema
from ..search import SearchRequest


def params(schema: Schema) -> tuple[str, ...]:
    """Every parameter of a search, in the order links spell them."""
    return ("q", "as-typed", "sort", "recency", "fold", "page-size", "from-date", "to-date", *filters(schema), "page")


def filters(schema: Schema) -> tuple[str, ...]:
    """The filter parameters: each facet's."""
    return tuple(facet.param for facet in schema.facets)


def parse_search(args: MultiDict[str, str], schema: Schema, *, facets: bool) -> SearchRequest:
    """The SearchRequest that query parameters describe, or a QueryError naming the one to fix."""
    return SearchRequest(
        q=args.get("q", ""),
        page=_integer(args, "page", 1),
        page_size=_integer(args, "page-size", 10),
        sort=args.get("sort", "").strip() or "relevance",
        recency=args.get("recency") == "1",
        fold=args.get("fold") != "0",
        correct=args.get("as-typed") != "1",  # as-typed=1: no results of a respelling in place of none
        since=_day(args, "from-date"),
        until=_day(args, "to-date"),
        facets=facets,
        filters={facet.name: values for facet in schema.facets if (values := _values(args, facet.param))},
    ).validated(schema)


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))


def _integer(args: MultiDict[str, str], name: str, default: int) -> int:
    value = args.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value[:40]!r}") from None


def _day(args: MultiDict[str, str], name: str) -> date | None:
    value = args.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {value[:40]!r}") from None
