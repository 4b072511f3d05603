"""Per-article values that searches need, read once per index version and shared by all threads.

Whoosh reads a column's offsets again each time a column reader is opened: about
25 ms per search on Reuters for the facet and sketch columns. Read once into numpy
arrays indexed by document number, facet counts and date sorts over thousands of
matches take a few milliseconds, and term-at-a-time scoring (wordrank.py) finds
field lengths without a method call per posting. Each column is read on first use,
so a one-off ``newssearch query`` reads only what its search needs.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date, timedelta
from functools import cached_property, partial, reduce
from itertools import repeat
from typing import Any, Generic, TypeVar

import numpy as np
from whoosh import query as q
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import IndexReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from . import private

FILTERS_KEPT = 16
POSTINGS_KEPT = 8_000_000
"""Decoded postings kept per index version (a document number and a score, 16 bytes each: 128 MB)."""
POSITIONS_KEPT = 4_000_000
"""Decoded word positions kept per index version (8 bytes each: 32 MB)."""
BY_DOCUMENT_SHARE = 10
"""Facets of a match set smaller than 1/BY_DOCUMENT_SHARE of the index are counted from its documents' side."""
STORED_KEPT = 2_000
"""Stored fields of recent hits kept per index version, as Whoosh decodes them (a few KB each):
a popular search's page is read again by everyone who runs it, and decompressing and
unpickling a hit's fields was about a tenth of a web search's CPU at 10x."""
VERSIONS_KEPT = 2
"""A server thread may still read the previous version for a moment after a reindex."""

EPOCH = date(1970, 1, 1)

T = TypeVar("T")
V = TypeVar("V")


class LRU(Generic[T]):
    """The most recently used values up to a total size (by default, a number of values)."""

    def __init__(self, budget: int, size: Callable[[Any], int] = lambda value: 1) -> None:
        self.budget, self.size, self.used = budget, size, 0
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._values

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


class _Columns(LRU[Any]):
    """Columns of different types under one budget: each read says, through its ``compute``, what it gets back."""

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        value: V = super().get(key, compute)
        return value


class Allowed:
    """The documents a filter lets through, as a set (for Whoosh's collectors) and a mask."""

    def __init__(self, docs: np.ndarray, size: int) -> None:
        self.docs = set(docs.tolist())
        self.mask = np.zeros(size, dtype=bool)
        self.mask[docs] = True


class _Version:
    """What is kept of one index version, shared by every thread that reads it."""

    def __init__(self) -> None:
        self.columns = _Columns(budget=1 << 30)  # a handful of columns: never evicted
        self.filters: LRU[Allowed] = LRU(FILTERS_KEPT)
        self.postings: LRU[tuple[np.ndarray, np.ndarray]] = LRU(POSTINGS_KEPT, size=lambda docs_weights: len(docs_weights[0]))
        self.places: LRU[np.ndarray] = LRU(POSITIONS_KEPT, size=len)
        self.stored: LRU[dict[str, Any]] = LRU(STORED_KEPT)


class DocValues:
    """One index version's values, each read on first use through the caller's own reader
    (a reader belongs to one thread's searcher and is closed with it)."""

    def __init__(self, version: _Version, reader: IndexReader, facets: Mapping[str, str], kept: bool = True) -> None:
        self._version, self._reader = version, reader
        self.kept = kept
        """Whether what is read serves later searches (False in a one-off process): reading
        more than a search needs pays only when it is kept."""
        self._facets = facets  # facet name -> the field whose terms are its values
        self.filters = version.filters
        """Documents each recent filter lets through: paging or refining within one source or period is common."""
        self.postings = version.postings
        """Decoded postings of recent words, with a value per document: a word's BM25F score in
        its field (wordrank.py), an acronym's weight. Whoosh's decoding is most of a word's cost."""
        self.places = version.places
        """Every place of recent words of phrases (``places``): decoding them is most of a phrase's cost."""
        self.stored = version.stored if kept else None
        """Whoosh's stored fields of recent hits, by document number (hits.Stored); None in a one-off process."""

    @property
    def size(self) -> int:
        """Document numbers run from 0 to size - 1 (deleted documents included)."""
        return int(self._reader.doc_count_all())

    @property
    def facets(self) -> FacetTable:
        """Every value of every facet with the documents that have it.

        Read from the terms of the facet's field, a block of postings at a time: its column
        would be read one call per document. An article has one source, year and month,
        and any number of tags."""

        def load() -> FacetTable:
            reader = self._reader
            facets = {
                name: [(term.decode("utf-8"), postings(reader, field, term)[0]) for term in reader.lexicon(field)]
                for name, field in self._facets.items()
            }
            return FacetTable(facets, self.size)

        return self._version.columns.get(("facets", *self._facets.items()), load)

    @property
    def timestamps(self) -> np.ndarray:
        return self._version.columns.get("timestamp", lambda: self._numbers("timestamp", "d"))

    @property
    def undated(self) -> np.ndarray:
        return self._version.columns.get("undated", lambda: self._numbers("undated", "B"))

    @property
    def newest(self) -> float:
        return self._version.columns.get("newest", lambda: float(self.timestamps.max(initial=0.0)))

    @property
    def sketches(self) -> Packed[bytes]:
        return self._version.columns.get("sketch", lambda: self._column("sketch"))

    @property
    def ids(self) -> Packed[str]:
        """Each document's id, from its column: a hit's id without reading its stored fields."""
        return self._version.columns.get("id", lambda: self._column("id").decoded())

    def lengths(self, field: str) -> np.ndarray:
        """Words in ``field`` of each document, as BM25 sees them."""
        return self._version.columns.get(("length", field), lambda: self._lengths(field))

    def count_facets(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        """How many of ``docs`` have each value of each facet (an article counts once per tag)."""
        return self.facets.count(docs, by_document=self.kept)

    def by_date(self, docs: np.ndarray, newest_first: bool, scores: np.ndarray) -> np.ndarray:
        """``docs`` in date order; undated articles last either way. Ties (the same time, or
        no date) by ``scores`` (each doc's relevance), best first, then by document number:
        the best undated hit of a search heads the undated ones, not the first file."""
        timestamps = self.timestamps[docs]
        return docs[np.lexsort((docs, -scores, -timestamps if newest_first else timestamps, self.undated[docs]))]

    def days(self, docs: np.ndarray) -> dict[str, int]:
        """How many of ``docs`` were published each day ("YYYY-MM-DD"), undated ones left out."""
        names, day_of = self._days
        day = day_of[docs]
        counts = np.bincount(day[day >= 0], minlength=len(names))
        counted = np.flatnonzero(counts)
        return dict(zip(names[counted].tolist(), counts[counted].tolist(), strict=True))

    @property
    def _days(self) -> tuple[np.ndarray, np.ndarray]:
        """The days the index's articles were published on, in order, as "YYYY-MM-DD"; and
        for each document, the number of its day among them (-1 when undated).

        From the timestamp column (the stored date's wall-clock time read as UTC, as the
        day terms are written): its days since 1970. Named once per index version, a
        search's days are then counted with a ``bincount``: a decade has thousands."""

        def load() -> tuple[np.ndarray, np.ndarray]:
            numbers = np.floor_divide(self.timestamps, 86_400).astype(np.int64)
            dated = self.undated == 0
            days, day_of = np.unique(numbers[dated], return_inverse=True)
            names = np.array([(EPOCH + timedelta(days=number)).isoformat() for number in days.tolist()], dtype=object)
            numbered = np.full(self.size, -1, dtype=np.int64)
            numbered[dated] = day_of
            return names, numbered

        return self._version.columns.get("days", load)

    def _column(self, name: str) -> Packed[bytes]:
        """A bytes column's values for every document (b"" where none), segment by segment:
        a segment where no document has a value has no column file at all."""
        parts = []
        for leaf, _ in self._reader.leaf_readers():
            parts.append(_column_bytes(leaf, name) if leaf.has_column(name) else (b"", np.zeros(leaf.doc_count_all(), dtype=np.int64)))
        return Packed(b"".join(data for data, _ in parts), np.concatenate([lengths for _, lengths in parts] or [np.zeros(0, dtype=np.int64)]))

    def _numbers(self, column: str, typecode: str) -> np.ndarray:
        """A column of numbers (Whoosh's NumericColumn, whose default is 0) for every document."""
        parts = [_column_numbers(leaf, column, typecode) for leaf, _ in self._reader.leaf_readers()]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _lengths(self, field: str) -> np.ndarray:
        """Whoosh keeps a field's lengths as one byte per document (a lossy log scale) in a
        column of its own, decoded here through a table of the 256 values."""
        decoded = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
        return decoded[self._numbers(private.lengths_column(field), "B").astype(np.uint8)]


class FacetTable:
    """Every facet value's documents, laid end to end in one array, value after value.

    Counting a search's facets is then a few numpy passes whatever the number of values
    (the 10x archive has about 360): with a numpy call per value, the 33 searches of the
    benchmark's web load took 2.25 ms each on average at 10x, and now 1.16 ms. A small
    match set is counted from the documents' side, each matched document's values, and a
    large one from the values' side, a pass over every posting of every facet."""

    def __init__(self, facets: Mapping[str, list[tuple[str, np.ndarray]]], size: int) -> None:
        # a value whose articles were all deleted has no documents, and no place in the table
        kept = {name: [(value, docs) for value, docs in values if len(docs)] for name, values in facets.items()}
        self.size = size
        self.names = list(kept)
        self.values = np.array([value for values in kept.values() for value, _ in values], dtype=object)
        self.bounds = np.cumsum([0, *(len(values) for values in kept.values())])
        """Facet ``names[i]``'s values are ``values[bounds[i]:bounds[i + 1]]``."""
        parts = [docs for values in kept.values() for _, docs in values]
        self.docs = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
        self.starts = np.cumsum([0, *map(len, parts[:-1])]).astype(np.int64)
        """Where each value's documents begin in ``docs``."""

    @cached_property
    def _by_document(self) -> tuple[np.ndarray, np.ndarray]:
        """Each document's value numbers, document after document, and where each document's numbers begin."""
        owners = np.repeat(np.arange(len(self.values), dtype=np.int32), np.diff(np.append(self.starts, len(self.docs))))
        order = np.argsort(self.docs, kind="stable")
        begins = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.docs, minlength=self.size), out=begins[1:])
        return owners[order], begins

    def count(self, docs: np.ndarray, by_document: bool = True) -> dict[str, dict[str, int]]:
        """Facet name -> value -> how many of ``docs`` have it (values none has left out).

        ``by_document`` allows counting a small match set from the documents' side, which
        first sorts every posting by document (once per index version, then kept). A
        one-off process searches once, so the sort would not pay: it passes False and
        counts from the values' side."""
        if not len(self.values) or not len(docs):
            counts = np.zeros(len(self.values), dtype=np.int64)
        elif by_document and len(docs) * BY_DOCUMENT_SHARE < self.size:
            owners, begins = self._by_document
            firsts = begins[docs]
            lengths = begins[docs + 1] - firsts
            places = np.repeat(firsts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
            counts = np.bincount(owners[places], minlength=len(self.values))
        else:
            chosen = np.zeros(self.size, dtype=bool)
            chosen[docs] = True
            counts = np.add.reduceat(chosen[self.docs].view(np.uint8), self.starts, dtype=np.int32)  # from bytes: 3x faster than from bools
        result = {}
        for name, first, last in zip(self.names, self.bounds[:-1].tolist(), self.bounds[1:].tolist(), strict=True):
            counted = first + np.flatnonzero(counts[first:last])
            result[name] = dict(zip(self.values[counted].tolist(), counts[counted].tolist(), strict=True))
        return result


class Packed(Generic[V]):
    """A bytes column's values laid end to end, each cut out (and decoded, for text) when asked
    for: a search looks at a page of hits, and cutting up a million values took longer than the search."""

    def __init__(self, data: bytes, lengths: np.ndarray, text: bool = False) -> None:
        self._data, self._lengths, self._text = data, lengths, text
        self._ends = np.cumsum(lengths, dtype=np.int64)
        self._starts = self._ends - lengths

    def decoded(self) -> Packed[str]:
        """The same values as text (UTF-8)."""
        return Packed(self._data, self._lengths, text=True)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, docnum: int) -> V:
        value = self._data[int(self._starts[docnum]) : int(self._ends[docnum])]
        return value.decode("utf-8") if self._text else value  # type: ignore[return-value]


def _column_bytes(segment: SegmentReader, column: str) -> tuple[bytes, np.ndarray]:
    """One segment's values of a VarBytesColumn, read in one piece, and their lengths.

    Whoosh's reader fetches each document's value with a call of its own: 21,578 calls
    and ~50 ms for Reuters' sketches, paid by every one-off ``newssearch query``.
    """
    reader = segment.column_reader(column, translate=False)
    read = private.var_bytes(reader)
    if read is None:  # not Whoosh's VarBytesColumn reader
        values = list(reader)
        return b"".join(values), np.array([len(value) for value in values], dtype=np.int64)
    data, lengths = read
    return data, np.array(lengths, dtype=np.int64)


def _column_numbers(segment: SegmentReader, column: str, typecode: str) -> np.ndarray:
    """One segment's values of a NumericColumn, read whole from its file, which is closed at once.

    Whoosh writes the values big-endian one after the other, leaves out trailing defaults
    (0) and writes no file when all are. Its own column readers make a call per document
    and keep the file open until the segment reader is closed.
    """
    filename = W3Codec.column_filename(segment.segment(), column)
    values = np.zeros(0)
    storage = private.segment_storage(segment)
    if storage.file_exists(filename):
        file = storage.open_file(filename)
        try:
            values = np.frombuffer(file.read(), dtype=">" + typecode).astype(np.float64)
        finally:
            file.close()
    return np.concatenate([values, np.zeros(segment.doc_count_all() - len(values))])


def postings(reader: IndexReader, field: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
    """The live documents with ``text`` in ``field`` and its weight (frequency times field boost) in each.

    Each segment's blocks are gathered as stored (private.stored_blocks) and decoded at once
    with numpy, not posting by posting in Python: the 1.2 million postings of the 10x
    archive's facets take 0.54-0.57 s of CPU so, against 0.75-0.94 s (what is left is
    Whoosh's reading of each block).
    """
    docnums, weights = [], []
    for leaf, offset in reader.leaf_readers():
        if (field, text) not in leaf:
            continue
        gaps: list[int] = []
        stored: list[float] = []
        counts: list[int] = []
        for block_gaps, block_weights, count in private.stored_blocks(leaf.postings(field, text)):
            gaps.extend(block_gaps)
            counts.append(count)
            if block_weights is None or isinstance(block_weights, float):
                stored.extend(repeat(1.0 if block_weights is None else block_weights, count))
            else:
                stored.extend(block_weights)
        ids = _undelta(np.array(gaps, dtype=np.int64), np.array(counts, dtype=np.int64))
        kept = np.array(stored, dtype=np.float32).astype(np.float64)  # Whoosh's decoded weights are 32-bit floats
        if leaf.has_deletions():
            live = ~np.isin(ids, np.fromiter(leaf.deleted_docs_set, dtype=np.int64))  # a set kept by patches._ClosingSegmentReader
            ids, kept = ids[live], kept[live]
        docnums.append(ids + offset)
        weights.append(kept)
    if not docnums:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(docnums), np.concatenate(weights)


def filtered(reader: IndexReader, clause: q.Query) -> np.ndarray:
    """The live documents, in order, that a search's filter lets through (filters.whoosh_filter:
    And, Or, Term, and TermRange of days), from whole postings. Whoosh's ``docs_for_query``
    takes a call per document: 0.09-0.16 s of CPU for one source of 215,771 articles, against 0.03 s."""
    if isinstance(clause, q.Term):
        return postings(reader, clause.fieldname, clause.text)[0]
    if isinstance(clause, q.TermRange):
        return _union([postings(reader, clause.fieldname, text)[0] for text in private.expansion(clause, reader)], reader.doc_count_all())
    if isinstance(clause, q.Or):
        return _union([filtered(reader, child) for child in clause.subqueries], reader.doc_count_all())
    if isinstance(clause, q.And):
        return reduce(partial(np.intersect1d, assume_unique=True), [filtered(reader, child) for child in clause.subqueries])
    raise TypeError(f"not a filter of filters.whoosh_filter: {clause!r}")


def _union(parts: list[np.ndarray], size: int) -> np.ndarray:
    """The documents in any of ``parts`` (each in order), in order: through a mask, as sorting
    or hashing a million document numbers takes far longer."""
    if len(parts) == 1:
        return parts[0]
    mask = np.zeros(size, dtype=bool)
    for part in parts:
        mask[part] = True
    return np.flatnonzero(mask)


def _undelta(gaps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Document numbers from the differences between them, which restart at each block (of ``counts`` postings)."""
    summed = np.cumsum(gaps)
    starts = np.cumsum(counts) - counts
    before = np.zeros(len(counts), dtype=np.int64)
    before[1:] = summed[starts[1:] - 1]  # what the earlier blocks add up to
    return summed - np.repeat(before, counts)


def places(reader: IndexReader, field: str, text: str | bytes) -> np.ndarray:
    """Every place of ``text`` in ``field`` of the live documents, as document * 2**32 + position, in increasing order."""
    docnums, counts, positions = array("q"), array("q"), array("q")
    for leaf, offset in reader.leaf_readers():
        if (field, text) not in leaf:
            continue
        deleted = leaf.is_deleted if leaf.has_deletions() else None
        matcher = leaf.postings(field, text)
        decode = leaf.schema[field].format.decoder("positions")  # not the matcher's: a segment with deletions wraps it
        for ids, values in private.value_blocks(matcher):
            for docnum, value in zip(ids, values, strict=True):
                if not (deleted and deleted(docnum)):
                    found = decode(value)
                    docnums.append(docnum + offset)
                    counts.append(len(found))
                    positions.extend(found)
    return (np.repeat(np.array(docnums, dtype=np.int64), np.array(counts, dtype=np.int64)) << 32) | np.array(positions, dtype=np.int64)


_versions: OrderedDict[tuple[object, ...], _Version] = OrderedDict()
_lock = threading.Lock()


def doc_values(searcher: Searcher, facets: Mapping[str, str], one_off: bool = False) -> DocValues:
    """The values of the index version this searcher reads; ``facets``: facet name -> its field;
    ``one_off``: the process searches once, so nothing it reads serves a later search."""
    reader = searcher.reader()
    # A segment's values never change; its deletions do, and change its live count.
    key = tuple((leaf.segment().segment_id(), leaf.doc_count()) for leaf, _ in reader.leaf_readers())
    with _lock:
        version = _versions.get(key)
        if version is None:
            version = _versions[key] = _Version()
            if len(_versions) > VERSIONS_KEPT:
                _versions.popitem(last=False)
    return DocValues(version, reader, facets, kept=not one_off)
