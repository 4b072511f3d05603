"""The search page: results, facets, the timeline and the links that change the search."""

from __future__ import annotations

from flask import render_template, request

from ...search import SORTS, search
from ..index import current_index
from ..params import parse_search
from ..presenter import SearchLinks, facet_groups, timeline_chart
from .base import web


@web.get("/")
def search_page() -> str:
    search_request = parse_search(request.args, facets=True)
    result = search(current_index(), search_request)
    links = SearchLinks(request.args)
    sorts = SORTS if search_request.q.strip() else tuple(s for s in SORTS if s != "relevance")  # no query: newest
    return render_template(
        "search.html",
        result=result,
        links=links,
        facets=facet_groups(result, links),
        chart=timeline_chart(result.timeline or []),
        sorts=sorts,
        sort=search_request.sort if search_request.sort in sorts else "newest",
    )
