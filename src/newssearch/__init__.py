"""newssearch: full-text search for a news archive.

The Python API that the CLI and the web app are thin faces over::

    from newssearch import reindex, SearchIndex, SearchRequest, search

    reindex("archive", "index")                      # read the archive, update the index
    index = SearchIndex("index")                     # read-only, reusable, thread-safe
    result = search(index, SearchRequest("START treaty", facets=True))
    for hit in result.hits:
        print(hit.display_title, hit.date, hit.snippet)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from . import whoosh_fix  # noqa: F401  (fixes to Whoosh's writer speed and file handling, see the module)

if TYPE_CHECKING:
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
    from .indexer import ReindexReport, reindex
    from .readers import read_file
    from .search import FacetValue, Hit, SearchRequest, SearchResult, TimelineBar, get_article, related, search
    from .stats import IndexStats, index_stats
    from .store import SearchIndex

_MODULES = {
    "article": ["Article"],
    "errors": ["ArchiveNotFound", "ArticleNotFound", "IndexLocked", "IndexNotFound", "IndexOutdated", "NewssearchError", "Problem", "QueryError"],
    "indexer": ["ReindexReport", "reindex"],
    "readers": ["read_file"],
    "search": ["FacetValue", "Hit", "SearchRequest", "SearchResult", "TimelineBar", "get_article", "related", "search"],
    "stats": ["IndexStats", "index_stats"],
    "store": ["SearchIndex"],
}  # fmt: skip
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562).

    Why: ``newssearch query`` in a fresh process should not pay for the indexer, the
    readers and their libraries; importing the package used to import all of them.
    """
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = sorted(_HOME)
