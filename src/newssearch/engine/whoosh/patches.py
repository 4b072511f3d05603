"""Two fixes to Whoosh 2.7's readers and writers, applied when newssearch is imported.

For every posting of a field without a lengths column (ID, KEYWORD and spelling
fields), Whoosh asks whether the column file exists and does not remember the
answer: one stat() per posting, 237,000 for 3,000 Reuters articles, about a sixth
of the time of a reindex in a profile. A segment's files never change once written,
so remembering "no such column" per reader changes nothing but the speed.

Segments are written as separate files (see ``indexer._writer``), which a segment
reader opens as ordinary files and keeps open until it is closed. A searcher kept
for a thread's lifetime (``store.SearchIndex``) is dropped without ``close()``: its
files were then closed by the garbage collector with a ResourceWarning each. A
segment reader that nothing refers to any more now closes its files itself.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import SegmentReader

_uncached = W3PerDocReader._cached_reader


def _cached_reader(self: W3PerDocReader, fieldname: str, column: Any) -> Any:
    if fieldname not in self._readers:
        self._readers[fieldname] = _uncached(self, fieldname, column)  # None too: a missing column stays missing
    return self._readers[fieldname]


def _close_when_dropped(self: SegmentReader) -> None:
    if not getattr(self, "is_closed", True):  # True: __init__ failed before opening anything
        self.close()


W3PerDocReader._cached_reader = _cached_reader
SegmentReader.__del__ = _close_when_dropped
