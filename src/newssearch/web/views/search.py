"""The search page: results, facets, the timeline and the links that change the search."""

from __future__ import annotations

from flask import render_template, request

from ...search import RESULT_WINDOW, SORTS, search
from ..index import current_index, current_schema
from ..params import parse_search
from ..presenter import PAGE_SIZES, SearchLinks, facet_groups, newest_month, timeline_chart
from .base import web


@web.get("/")
def search_page() -> str:
    schema = current_schema()
    search_request = parse_search(request.args, schema, facets=True)
    index = current_index()
    result = search(index, search_request)
    links = SearchLinks(request.args, schema)
    sorts = SORTS if search_request.q.strip() else tuple(s for s in SORTS if s != "relevance")  # no query: newest
    return render_template(
        "search.html",
        result=result,
        links=links,
        facets=facet_groups(result, links),
        chart=timeline_chart(result.timeline or []),
        sorts=sorts,
        sort=search_request.sort if search_request.sort in sorts else "newest",
        page_sizes=PAGE_SIZES,
        export_limit=RESULT_WINDOW,
        tips_month=None if result.total else newest_month(index),  # the tips' date examples, only when they show
    )
