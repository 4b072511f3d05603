"""Export of a search's results as CSV or JSON: every matching article up to the result window.

An export lists articles, not the page's folded stories: near-duplicates each get their
own row (as with ``fold=0``), so it holds min(total, RESULT_WINDOW) rows. It is fetched
page by page through the search service at its largest page size, so it is bounded by
RESULT_WINDOW before any search runs, as every page is.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import replace
from typing import Any

import nh3

from ..search import MAX_PAGE_SIZE, RESULT_WINDOW, Hit, SearchIndex, SearchRequest, SearchResult, search

COLUMNS = ("id", "title", "date", "source", "tags", "url", "path", "score", "snippet")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheets (CSV injection, as
OWASP describes it): such a cell gets a leading apostrophe, which keeps it text."""


def export_hits(index: SearchIndex, request: SearchRequest) -> tuple[SearchResult, list[Hit]]:
    """The first page's result (for the query, total and respelling) and every hit up to RESULT_WINDOW."""
    request = replace(request, page=1, page_size=MAX_PAGE_SIZE, fold=False, facets=False)
    first = search(index, request)
    hits = list(first.hits)
    for number in range(2, min(first.pages, RESULT_WINDOW // MAX_PAGE_SIZE) + 1):
        hits.extend(search(index, replace(request, page=number)).hits)
    return first, hits


def plain_text(snippet: str) -> str:
    """A snippet (escaped text with <mark>) as plain text."""
    return html.unescape(nh3.clean(snippet, tags=set()))


def hit_row(hit: Hit) -> dict[str, Any]:
    """A hit as the export's fields: the API's, with the snippet as plain text and without ``similar`` (always empty here)."""
    row = {name: value for name, value in hit.to_dict().items() if name in COLUMNS}
    return row | {"title": hit.display_title, "snippet": plain_text(hit.snippet)}


def to_csv(hits: list[Hit]) -> str:
    """The hits as CSV with a header row; tags joined by "; "; formula-like cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for hit in hits:
        row = hit_row(hit) | {"tags": "; ".join(hit.tags)}
        writer.writerow([neutralised("" if row[name] is None else str(row[name])) for name in COLUMNS])
    return out.getvalue()


def neutralised(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def to_json(result: SearchResult, hits: list[Hit]) -> dict[str, Any]:
    return {
        "query": result.query, "suggestion": result.suggestion, "showing_suggestion": result.showing_suggestion,
        "total": result.total, "exported": len(hits), "hits": [hit_row(hit) for hit in hits],
    }  # fmt: skip


def filename(result: SearchResult, form: str) -> str:
    """A download name from the query's letters and digits: newssearch-oil-prices.csv."""
    words = re.findall(r"[A-Za-z0-9]+", result.query)[:6]
    return "-".join(["newssearch", *words]).lower()[:80] + f".{form}"
