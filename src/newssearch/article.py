"""The one record type every reader produces and the indexer consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Article:
    """A news article as read from the archive.

    ``id`` is stable across reindexes (the record's own id or URL, otherwise
    derived from the archive-relative path), so re-reading a file updates the
    article instead of duplicating it. ``date`` is ``None`` when the archive
    does not say: a date is never invented.
    """

    id: str
    title: str
    body: str
    path: str
    date: datetime | None = None
    source: str = ""
    author: str = ""
    section: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    url: str = ""
    location: str = ""  # where in its file: "line 12" for a record of an export; empty for a whole page
