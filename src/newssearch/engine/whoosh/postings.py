"""Writing a segment's postings a word at a time instead of a posting at a time.

When a writer flushes its segment, Whoosh's field writer takes the pool's postings one
at a time (``FieldWriter.add_postings``): per posting a loop that checks their order,
looks up the document's length and calls two methods that check types and append to
the block; per word a term info object, four ``tell()`` calls and nine writes. For a
reindex of Reuters that was about 30% of the writer processes' time (py-spy), most of
the words being in one or two articles (an article's id is a word of its own).

The engine's pool already keeps each word's postings together, in arrays (pool.py).
Here a word's blocks (128 postings each) are made from slices of those arrays, encoded
as ``W3PostingsWriter._write_block`` encodes them (the differences of document numbers,
32-bit weights, values, pickled and compressed, behind a pickled header of the block's
statistics), written in one piece, and its term info packed as ``W3TermInfo`` packs it.
So the segment is the same, byte for byte, as the one Whoosh's own pool and field writer
make (tests/test_pool.py), but for small blocks left uncompressed (MIN_COMPRESSED).
Writer CPU for Reuters: 30.1 s before, about 26 s.

Postings from anything but the engine's pool go Whoosh's way.
"""

from __future__ import annotations

from array import array
from itertools import pairwise
from pickle import dumps
from typing import Any
from zlib import compress

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from .pool import WordPostings

MIN_COMPRESSED = 80
"""A block whose pickle is shorter is written as it is, its header saying so (level 0), which
Whoosh's reader reads as such. Compressed, it would be no smaller: on the sample, pickles under
16 bytes became 22 bytes on average, those of 64-79 bytes a byte longer, those of 80-95 bytes
3 shorter. Each compression costs 4-9 µs, and most words are in one article, in a block
of 60-80 bytes. Whoosh's ``_write_block`` means to skip pickles under 20 bytes, but
compresses every block."""
_TERM_INFO = W3TermInfo._struct
"""A term's statistics as the W3 codec packs them (flags, weight, frequency, lengths, weight, ids)."""


def add_postings(fieldwriter: W3FieldWriter, schema: Any, lengths: Any, items: Any) -> None:
    """``fieldwriter.add_postings``: a word's postings written a word at a time when they come
    from the engine's pool (``WordPostings``), else one at a time as Whoosh writes them.

    ``lengths`` is the writer's per-document reader (patches._FlushingPerDocReader)."""
    if not isinstance(items, WordPostings):
        W3FieldWriter.add_postings(fieldwriter, schema, lengths, items)
        return
    codec = fieldwriter._codec
    terms = _TermWriter(fieldwriter._postfile, codec._blocklimit, codec._compression)
    field = None
    for fieldname, word, docnums, weights, values in items.words:
        if fieldname != field:
            if field is not None:
                fieldwriter.finish_field()
            field, fieldobj = fieldname, schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            column = None if lengths is None else lengths.whole_lengths(fieldname)
            terms.start_field(column, fieldobj.format.fixed_value_size())
            prefix = pack_ushort(fieldwriter._fieldid)
        fieldwriter._tindex.add(prefix + word, terms.write(docnums, weights, values))
    if field is not None:
        fieldwriter.finish_field()


class _TermWriter:
    """Writes a word's postings to the postings file as ``W3PostingsWriter`` does, and gives its
    term info as ``W3TermInfo.to_bytes`` does."""

    def __init__(self, postfile: Any, blocklimit: int, compression: int) -> None:
        self._postfile, self._limit, self._compression = postfile, blocklimit, compression
        self._column: Any = None  # the field's lengths, a byte per document (None: it has none)
        self._fixed: int | None = None  # the size of the field's values (Format.fixed_value_size)

    def start_field(self, column: Any, fixed_value_size: int | None) -> None:
        self._column, self._fixed = column, fixed_value_size

    def write(self, docnums: array[int], weights: array[float], values: list[bytes | None]) -> bytes:
        """Write the postings of one word (document numbers in increasing order); its term info."""
        start, count, limit, comp = self._postfile.tell(), len(docnums), self._limit, self._compression
        out = [WHOOSH3_HEADER_MAGIC]
        total, shortest_of_all, longest_of_all = 0.0, None, 0
        heaviest_of_all: float = 0
        for at in range(0, count, limit):
            end = at + limit
            ids, block_weights = docnums[at:end], weights[at:end]
            stored = array("f", block_weights)  # the block keeps 32-bit floats
            heaviest = max(block_weights)
            heaviest = heaviest if heaviest > 0 else 0
            shortest, longest = self._lengths(ids)
            # what W3TermInfo.add_block keeps of each block
            total += sum(stored)
            heaviest_of_all = max(heaviest_of_all, heaviest)
            if shortest is not None:
                shortest_of_all = shortest if shortest_of_all is None else min(shortest_of_all, shortest)
            longest_of_all = max(longest_of_all, longest)
            data = dumps((_gaps(ids), _weights(stored), self._values(values[at:end])), 2)
            level = comp if len(data) >= MIN_COMPRESSED else 0
            if level:
                data = compress(data, level)
            info = dumps((len(ids), ids[-1], heaviest, level, length_to_byte(shortest), length_to_byte(longest)), 2)
            size = len(info) + len(data)
            out += (pack_int(-size if end >= count else size), info, data)  # the last block's size is negative
        written = b"".join(out)
        self._postfile.write(written)
        shortest_byte, longest_byte = 0 if shortest_of_all is None else length_to_byte(shortest_of_all), length_to_byte(longest_of_all)
        termstats: bytes = _TERM_INFO.pack(False, total, count, shortest_byte, longest_byte, heaviest_of_all, docnums[0], docnums[-1])
        extent: bytes = pack_long(start) + pack_int(len(written))
        return termstats + extent

    def _lengths(self, ids: array[int]) -> tuple[int | None, int]:
        """The shortest (None: none) and longest (0: none) of the documents' lengths, of those that have one."""
        if self._column is None:
            return None, 0
        present = [byte for byte in map(self._column.__getitem__, ids) if byte]
        return (byte_to_length(min(present)), byte_to_length(max(present))) if present else (None, 0)

    def _values(self, values: list[bytes | None]) -> tuple[bytes, ...] | bytes | None:
        """``W3PostingsWriter._mini_values`` of the non-empty values (add_posting keeps no other)."""
        if self._fixed == 0:
            return None
        kept = [value for value in values if value]
        return tuple(kept) if self._fixed is None or self._fixed < 0 else b"".join(kept)


def _gaps(ids: array[int]) -> tuple[int, ...]:
    """``W3PostingsWriter._mini_ids``: the first document number, then the differences."""
    return (ids[0], *(after - before for before, after in pairwise(ids)))


def _weights(weights: array[float]) -> tuple[float, ...] | float | None:
    """``W3PostingsWriter._mini_weights``: None when all are 1, the one value when all are equal."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else first
    return tuple(weights)
