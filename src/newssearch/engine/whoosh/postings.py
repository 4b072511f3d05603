"""Writing a segment's postings a term at a time, not a posting at a time: the same bytes.

When a writer flushes its segment, Whoosh's field writer takes the sorted postings one
by one through four Python calls each (checks, the document's field length, type
assertions, block statistics): about a fifth of a writer process's time on a reindex.
``BulkFieldWriter`` groups the postings by term and fills each block of postings (the
codec's ``blocklimit``, 128) with a few list operations, then writes it with the codec's
own ``_write_block``, so the files are byte for byte those Whoosh writes
(tests/test_postings.py compares them). ``patches.adopt_writer`` gives the engine's
writers this field writer.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter

Posting = tuple[str, bytes, int, float, bytes | None]
"""(field name, term, document number, weight, encoded value), as Whoosh's pool holds them."""

_field_and_term = itemgetter(0, 1)


class BulkPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, given a term's postings as lists."""

    def add_all(self, ids: list[int], weights: list[float], values: list[bytes], lengths: list[int | None]) -> None:
        """``add_posting`` for each posting in turn: full blocks are written, the last one is
        left for ``finish_postings`` (written, or kept inline in the term's info)."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                self._write_block()
            end = start + limit
            block_weights = weights[start:end]
            block_lengths = [length for length in lengths[start:end] if length]
            self._ids = array("I", ids[start:end])
            self._weights = array("f", block_weights)
            self._values = [value for value in values[start:end] if value]
            self._maxweight = max(0, *block_weights)  # the first of equal maxima, 0 if none is above it, as add_posting keeps
            self._minlength = min(block_lengths) if block_lengths else None
            self._maxlength = max(block_lengths, default=0)


class BulkFieldWriter(W3FieldWriter):
    """Whoosh's field writer, adding each term's postings in one call."""

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        if type(self._postwriter) is W3PostingsWriter:
            self._postwriter.__class__ = BulkPostingsWriter

    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Posting]) -> None:
        length_of = lengths.doc_field_length if lengths else None
        field: str | None = None
        last: bytes | None = None
        for (fieldname, btext), group in groupby(items, key=_field_and_term):
            if fieldname != field:
                if field is not None and fieldname < field:
                    raise OutOfOrderError(f"Field {field!r} .. {fieldname!r}")
                if field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field, last = fieldname, None
            elif last is not None and btext < last:
                raise OutOfOrderError(f"Term {field}:{last!r} .. {fieldname}:{btext!r}")
            postings = [posting for posting in group if posting[2] != -1]  # -1: Whoosh's mark of a spelling word, not a posting
            if not postings:
                continue
            ids = [posting[2] for posting in postings]
            self.start_term(btext)
            self._postwriter.add_all(
                ids,
                [posting[3] for posting in postings],
                [posting[4] or b"" for posting in postings],
                [length_of(docnum, fieldname) for docnum in ids] if length_of else [0] * len(ids),
            )
            self.finish_term()
            last = btext
        if field is not None:
            self.finish_field()
