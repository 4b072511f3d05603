"""newssearch: full-text search for a news archive.

The Python API that the CLI and the web app are thin faces over::

    from newssearch import reindex, SearchIndex, SearchRequest, search

    reindex("archive", "index")                      # read the archive, update the index
    with SearchIndex("index") as index:              # read-only, reusable, thread-safe
        result = search(index, SearchRequest("START treaty", filters={"year": ("1987",)}, facets=True))
    for hit in result.hits:
        print(hit.display_title, hit.date, hit.snippet)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .article import Article
from .errors import (
    ArchiveNotFound,
    ArticleNotFound,
    IndexLocked,
    IndexNotFound,
    IndexOutdated,
    NewssearchError,
    Problem,
    QueryError,
)
from .search import FacetValue, Hit, SearchIndex, SearchRequest, SearchResult, TimelineBar, get_article, related, search

if TYPE_CHECKING:
    from .indexer import ReindexReport, reindex
    from .readers import read_file
    from .stats import IndexStats, index_stats

_LAZY = {"ReindexReport": "indexer", "reindex": "indexer", "read_file": "readers", "IndexStats": "stats", "index_stats": "stats"}


def __getattr__(name: str) -> Any:
    """Import the indexer, the readers and the index's statistics on first use (PEP 562).

    Why: a one-off ``newssearch query`` should not pay for the indexer, the readers and
    their libraries, and importing the package used to import them all.
    """
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ArchiveNotFound", "Article", "ArticleNotFound", "FacetValue", "Hit", "IndexLocked", "IndexNotFound",
    "IndexOutdated", "IndexStats", "NewssearchError", "Problem", "QueryError", "ReindexReport", "SearchIndex",
    "SearchRequest", "SearchResult", "TimelineBar", "get_article", "index_stats", "read_file", "reindex", "related",
    "search",
]  # fmt: skip
