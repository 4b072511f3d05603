"""Per-article values that searches need, read once per index version and shared by all threads.

Whoosh reads a column's offsets again each time a column reader is opened: about
25 ms per search on Reuters for the facet and sketch columns. Read once into plain
lists indexed by document number, facet counts and date sorts over thousands of
matches take a few milliseconds, and term-at-a-time scoring (wordrank.py) finds
field lengths without a method call per posting.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from whoosh.searching import Searcher

from .schema import SEARCH_FIELDS, TAG_SEPARATOR

FACET_COLUMNS = {"source": "source_facet", "year": "year", "month": "month", "tags": "tagset"}
"""Facet name in results -> the column it counts."""
FILTERS_KEPT = 16
POSTINGS_KEPT = 4_000_000
"""Decoded postings kept per index version (8 bytes each: 32 MB)."""
VERSIONS_KEPT = 2
"""A server thread may still read the previous version for a moment after a reindex."""


@dataclass(frozen=True)
class DocValues:
    facets: dict[str, list[str]]  # facet name -> value per document ("" when it has none)
    timestamps: list[float]
    undated: list[int]
    sketches: list[bytes]
    lengths: dict[str, list[int]]  # search field -> words per document, for BM25
    newest: float = field(init=False)
    filters: LRU[set[int]] = field(default_factory=lambda: LRU(FILTERS_KEPT), init=False)
    """Documents each recent filter lets through: paging or refining within one source or period is common."""
    postings: LRU[Any] = field(default_factory=lambda: LRU(POSTINGS_KEPT, size=lambda docs_weights: len(docs_weights[0])), init=False)
    """Decoded postings of recent words (wordrank.py): Whoosh's decoding is most of a word's cost."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "newest", max(self.timestamps, default=0.0))

    def count_facets(self, docs: Iterable[int]) -> dict[str, Counter[str]]:
        """How many of ``docs`` have each value of each facet; an article counts once per tag."""
        docs = list(docs)
        counts = {}
        for name, column in self.facets.items():
            values = Counter(map(column.__getitem__, docs))
            if name == "tags":  # counted per set of tags, then split: one split per distinct set
                tags: Counter[str] = Counter()
                for tagset, count in values.items():
                    for tag in tagset.split(TAG_SEPARATOR):
                        tags[tag] += count
                values = tags
            values.pop("", None)
            counts[name] = values
        return counts

    def date_order(self, newest_first: bool) -> Callable[[int], tuple[int, float, int]]:
        """A sort key for document numbers by date; undated articles last either way."""
        timestamps, undated, sign = self.timestamps, self.undated, -1 if newest_first else 1
        return lambda docnum: (undated[docnum], sign * timestamps[docnum], docnum)


T = TypeVar("T")


class LRU(Generic[T]):
    """The most recently used values up to a total size (by default, a number of values)."""

    def __init__(self, budget: int, size: Callable[[Any], int] = lambda value: 1) -> None:
        self.budget, self.size, self.used = budget, size, 0
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()  # outside the lock: threads needing other keys go on meanwhile
        with self._lock:
            if key not in self._values:
                self._values[key] = value
                self.used += self.size(value)
            while self.used > self.budget and len(self._values) > 1:
                self.used -= self.size(self._values.popitem(last=False)[1])
        return value


_cache: OrderedDict[tuple[object, ...], DocValues] = OrderedDict()
_lock = threading.Lock()


def doc_values(searcher: Searcher) -> DocValues:
    """The values of the index version this searcher reads, loaded on first use."""
    reader = searcher.reader()
    # A segment's values never change; its deletions do, and change its live count.
    key = tuple((leaf.segment().segment_id(), leaf.doc_count()) for leaf, _ in reader.leaf_readers())
    with _lock:
        values = _cache.get(key)
        if values is None:
            values = _cache[key] = _load(searcher)
            if len(_cache) > VERSIONS_KEPT:
                _cache.popitem(last=False)
    return values


def _load(searcher: Searcher) -> DocValues:
    reader = searcher.reader()

    def column(name: str, default: Any) -> list[Any]:
        """A column's values for every document, segment by segment: a segment where no
        document has a value (no dated article: no year) has no column file at all."""
        values: list[Any] = []
        for leaf, _ in reader.leaf_readers():
            values.extend(leaf.column_reader(name) if leaf.has_column(name) else [default] * leaf.doc_count_all())
        return values

    facets = {name: column(field, "") for name, field in FACET_COLUMNS.items()}
    facets["tags"] = [tagset.decode("utf-8") if tagset else "" for tagset in facets["tags"]]
    documents = range(reader.doc_count_all())
    return DocValues(
        facets=facets,
        timestamps=column("timestamp", 0.0),
        undated=column("undated", 1),
        sketches=column("sketch", b""),
        lengths={field: [reader.doc_field_length(d, field) for d in documents] for field in SEARCH_FIELDS},
    )
