"""The postings a writer gathers before it writes its segment, kept by word instead of in one list to sort.

Whoosh's ``PostingPool`` keeps one tuple per posting (field, word, document, weight,
value), about 130 bytes each (it counts about 180), sorts them all when the segment is written, and past its
memory limit pickles them one at a time to runs on disk that it merges back a posting
at a time. At ten times Reuters each writer process spilled, and the sort, the spills
and their merge took about 40% of its time (py-spy, `benchmarks/README.md`): the
reason a reindex grew faster than the archive.

A writer adds each word's postings in increasing document order: its own documents
as they come, then, when it merges other segments in, each segment's documents
renumbered upwards from there. So ``GroupedPostingPool`` keeps, per (field, word), the
document numbers and weights in arrays and the values in a list (about 20 bytes a
posting besides the value), and only the words need sorting. Past its limit it writes
the words in order, one pickle per word, to a run; runs are merged by word, oldest
first, so a word's postings stay in document order. A word whose postings are not in
increasing order (no writer of this engine makes one) is sorted as Whoosh would.

What comes out is exactly what Whoosh's pool gives: the same tuples in the same order
(tests/test_pool.py), so the segment is the same, byte for byte when nothing spilled
(pickle shares repeated values within a block as they come, and a run read back no
longer shares them as before: the same postings, other bytes).
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterable, Iterator
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any, BinaryIO

from whoosh.writing import PostingPool

Posting = tuple[str, bytes, int, float, bytes | None]
"""(field, word, document number, weight, value): the item Whoosh's writers add to a pool."""
_Postings = tuple["array[int]", "array[float]", list[bytes | None]]
"""One word's document numbers ("I"), weights ("d": Whoosh passes them on as Python floats) and values."""

_POSTING_BYTES = 20
"""Memory a posting takes besides its value: 4 + 8 bytes in the arrays, 8 in the list of values."""
_WORD_BYTES = 520
"""Memory a word takes besides its text: dict entry, the tuple of its two arrays and list, and those."""
_VALUE_BYTES = 33
"""A bytes object's own memory besides its content (a value shared between postings is counted each time)."""

Word = tuple[str, bytes, "array[int]", "array[float]", list[bytes | None]]
"""A word's postings: (field, word, document numbers, weights, values), in document order."""

_key = itemgetter(0)


class WordPostings:
    """A pool's postings, one at a time to iterate over (as Whoosh's writers read them), or a
    word at a time (``words``): how postings.add_postings writes them."""

    def __init__(self, words: Iterator[Word]) -> None:
        self.words = words

    def __iter__(self) -> Iterator[Posting]:
        for fieldname, word, docnums, weights, values in self.words:
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, word, docnum, weight, value


class GroupedPostingPool(PostingPool):
    """A ``PostingPool`` that keeps each word's postings together; the interface Whoosh's writer uses.

    Whoosh's multi-process writer without ``multisegment`` reads a pool's runs itself
    (``finish_subsegment``); the engine's always writes a segment per process, which
    reads them through ``iter_postings`` only.
    """

    runs: list[str]  # the paths of the runs spilled, oldest first (Whoosh's SortingPool sets it)

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self._words: dict[str, dict[bytes, _Postings]] = {}  # by field, then word: no key tuple to make per posting

    def add(self, item: Posting) -> None:
        """Add one posting: how Whoosh's writer adds those of the segments it merges in."""
        fieldname, word, docnum, weight, value = item
        self.add_field(fieldname, docnum, ((word, 0, weight, value),), 1.0)

    def add_field(self, fieldname: str, docnum: int, items: Iterable[tuple[bytes, int, float, bytes | None]], boost: float) -> int:
        """Add the postings of one field of one document, as ``FieldType.index`` gives them
        (word, frequency, weight, value), each weight times ``boost`` as Whoosh's writer does;
        the sum of their frequencies (the field's length)."""
        words = self._words.get(fieldname)
        if words is None:
            words = self._words[fieldname] = {}
        size = length = 0
        for word, frequency, weight, value in items:
            postings = words.get(word)
            if postings is None:
                postings = words[word] = (array("I"), array("d"), [])
                size += _WORD_BYTES + len(word)
            postings[0].append(docnum)
            postings[1].append(weight * boost)
            postings[2].append(value)
            size += _POSTING_BYTES if value is None else _POSTING_BYTES + _VALUE_BYTES + len(value)
            length += frequency
        if size:
            self.fieldnames.add(fieldname)
            self.currentsize += size
            if self.currentsize > self.limit:
                self.save()
        return length

    def save(self) -> None:
        """Write the words gathered so far to a run on disk, in order, and start afresh."""
        if not self._words:
            return
        path, run = self._new_run()
        with run:
            for key, postings in _sorted_words(self._words):
                pickle.dump((key, postings[0].tobytes(), postings[1].tobytes(), postings[2]), run, pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)
        self._words = {}
        self.currentsize = 0

    def words(self) -> Iterator[Word]:
        """Every word's postings, by field and word, each in document order: a merge of the runs
        by word, then the words in memory.

        Every run is open at once. A run holds what the limit allows (192 MB a writer
        process), so fifty times Reuters would make about twenty (estimated from the pool's
        own count, not measured)."""
        sources: list[Iterable[tuple[tuple[str, bytes], _Postings]]] = [self._read_grouped_run(path) for path in self.runs]
        sources.append(_sorted_words(self._words))
        self.runs, self._words = [], {}
        for (fieldname, word), (docnums, weights, values) in _by_word(heapq.merge(*sources, key=_key)):
            if any(after <= before for before, after in pairwise(docnums)):
                docnums, weights, values = _in_document_order(docnums, weights, values)
            yield fieldname, word, docnums, weights, values

    def items(self, maxfiles: int = 128) -> Iterator[Posting]:
        """Every posting, by field, word and document (``maxfiles`` is Whoosh's signature only)."""
        return iter(WordPostings(self.words()))

    def iter_postings(self) -> WordPostings:
        """What the writer flushes its segment from: postings.add_postings writes them a word at a time."""
        return WordPostings(self.words())

    def _read_grouped_run(self, path: str) -> Iterator[tuple[tuple[str, bytes], _Postings]]:
        run: BinaryIO = self._open_run(path)
        try:
            while True:
                try:
                    key, docnums, weights, values = pickle.load(run)
                except EOFError:
                    return
                yield key, (_array("I", docnums), _array("d", weights), values)
        finally:
            run.close()
            self._remove_run(path)


def _sorted_words(fields: dict[str, dict[bytes, _Postings]]) -> Iterator[tuple[tuple[str, bytes], _Postings]]:
    for fieldname in sorted(fields):
        words = fields[fieldname]
        for word in sorted(words):
            yield (fieldname, word), words[word]


def _array(typecode: str, data: bytes) -> array[Any]:
    numbers: array[Any] = array(typecode)
    numbers.frombytes(data)
    return numbers


def _in_document_order(docnums: array[int], weights: array[float], values: list[bytes | None]) -> _Postings:
    """A word's postings sorted as Whoosh's pool sorts them (by document, weight, value)."""
    ordered = sorted(zip(docnums, weights, values, strict=True))
    return array("I", [d for d, _, _ in ordered]), array("d", [w for _, w, _ in ordered]), [v for _, _, v in ordered]


def _by_word(groups: Iterable[tuple[tuple[str, bytes], _Postings]]) -> Iterator[tuple[tuple[str, bytes], _Postings]]:
    """Join one word's postings from several runs (oldest run first, so in document order)."""
    for key, same in groupby(groups, key=itemgetter(0)):
        (_, joined), *later = same  # at most one entry per run
        for _, (docnums, weights, values) in later:
            joined[0].extend(docnums)
            joined[1].extend(weights)
            joined[2].extend(values)
        yield key, joined
