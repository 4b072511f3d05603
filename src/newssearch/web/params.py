"""Query parameters -> SearchRequest: one parser, ``parse_search``, for the page, the API and the feed."""

from __future__ import annotations

import re
from datetime import date

from werkzeug.datastructures import MultiDict

from ..errors import QueryError
from ..search import SearchRequest

FILTERS = {"source": "sources", "year": "years", "month": "months", "tag": "tags"}
"""Repeatable query parameter -> SearchRequest field. Values of one are OR'ed, different ones AND'ed."""
FACET_PARAMS = {"source": "source", "year": "year", "month": "month", "tags": "tag"}
"""Facet name in a SearchResult -> the parameter that filters by it."""
PARAMS = ("q", "as-typed", "sort", "recency", "fold", "page-size", "from-date", "to-date", *FILTERS, "page")
"""Every parameter of a search, in the order links spell them."""
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def parse_search(args: MultiDict[str, str], *, facets: bool) -> SearchRequest:
    """The SearchRequest that query parameters describe, or a QueryError naming the one to fix."""
    filters = {field: _values(args, name) for name, field in FILTERS.items()}
    _check_format(filters["years"], _YEAR, "year", "YYYY")
    _check_format(filters["months"], _MONTH, "month", "YYYY-MM")
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
        **filters,
    ).validated()


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))


def _check_format(values: tuple[str, ...], pattern: re.Pattern[str], name: str, form: str) -> None:
    for value in values:
        if not pattern.fullmatch(value):
            raise QueryError(f"{name} must be written {form}, not {value[:40]!r}")


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
