"""The app's SearchIndex and its table of fields and facets: opened on first use, closed when the server process stops."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from ..engine import open_engine
from ..fields import Schema
from ..search import SearchIndex, SearchRequest, search

WARM_UP = (SearchRequest("news", facets=True), SearchRequest("nwes"))
"""Searches that read what the searches of a server process need once per index version:
the facet, date and id columns and the field lengths, then the spelling dictionary (a
misspelt word is respelled). At 10x that is 1.2 s of CPU, paid by a user's first
search in each process otherwise."""


class LazyIndex:
    """Opens the index on first use, so the server starts before the first reindex (and says so)."""

    def __init__(self, index_dir: Path, schema: Schema, engine: str | None = None) -> None:
        self.index_dir = index_dir
        self.schema = schema  # the page's filters, labels and facets
        self.engine = engine  # open_engine's kind: None leaves it to NEWSSEARCH_ENGINE
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()  # the warm-up thread and the first requests open it once

    def get(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex(self.index_dir, self.schema, open_engine(self.index_dir, self.schema, self.engine))
            return self._index

    def warm(self) -> bool:
        """Open the index and run WARM_UP, as a server process does in a thread as it starts;
        False when there is no index to warm yet, or it fails: the first search says what to do."""
        try:
            for request in WARM_UP:
                search(self.get(), request)
        except Exception:  # noqa: BLE001  best effort: a user's search meets the same fault and reports it
            return False
        return True

    def close(self) -> None:
        """Close the index's files if it was opened; a later ``get()`` opens it again."""
        if self._index is not None:
            self._index.close()
            self._index = None


def app_index(app: Flask) -> LazyIndex:
    """The index ``create_app`` gave ``app``: for the views, the 503 page's command, and closing on exit."""
    index: LazyIndex = app.extensions["newssearch"]
    return index


def current_index() -> SearchIndex:
    """The index of the app handling the current request."""
    return app_index(current_app).get()


def current_schema() -> Schema:
    """The table of fields and facets of the app handling the current request."""
    return app_index(current_app).schema
