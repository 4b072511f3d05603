"""Fixes to Whoosh 2.7's readers and writers, applied to the engine's own only, never to Whoosh globally.

For every posting of a field without a lengths column (ID, KEYWORD and spelling
fields), Whoosh asks whether the column file exists and does not remember the
answer: one stat() per posting, 237,000 for 3,000 Reuters articles, about a sixth
of the time of a reindex in a profile. A segment's files never change once written,
so remembering "no such column" per reader changes nothing but the speed. When a
writer flushes its segment, it asks for the length of every posting's document in its
field, one column read each; the writer's reader reads a lengths column whole instead,
once per field (one byte per document).

Segments are written as separate files, which a segment reader opens as ordinary
files and keeps open until it is closed. The engine closes its searchers explicitly
(``WhooshEngine.close``), but a server thread that ends drops its searcher: a segment
reader that nothing refers to any more closes its files itself, instead of the garbage
collector closing them with a ResourceWarning each.

A writer gathers its postings in a pool of its own (pool.py), which keeps them by word
instead of in one list of tuples it sorts and spills to disk: at ten times Reuters the
writer processes took 373 s of CPU instead of 524-556 s, and each needs half the
memory (105-112 MB at 1x against 224-240 MB). It is handed a document's postings a
field at a time (documents.py), from short fields that remember each value's postings
(remembering.py), and written out a word at a time (postings.py): the writers' CPU for
Reuters went from about 30 to 24-26 s, the segment unchanged byte for byte.

The writer's column of stored fields keeps its offsets on disk at any segment size, as the
schema's bytes columns do (schema._bytes_column): else the first stored article a one-off
search reads makes the reader add up every length of its segment's column.

A segment reader keeps the set of its deleted documents, read on its first search,
through the ``cached_property`` package, which asks asyncio whether the property is a
coroutine: the first search of a process imported asyncio, 30 ms that a one-off
``newssearch query`` does not have (deferred.py). The engine's readers keep the same set
through the standard library's ``functools.cached_property``.

How: Whoosh builds a ``SegmentReader`` (and in it a ``W3PerDocReader``) inside
``FileIndex._reader`` and its writers' merge policies, with no way to pass a class of
one's own. So the engine's readers are adopted after they are made (``adopt``): their
class becomes a subclass carrying the fix. Other users of Whoosh in the same process
are untouched.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3FieldWriter, W3PerDocReader, _lenfield
from whoosh.columns import VarBytesColumn
from whoosh.reading import IndexReader, SegmentReader
from whoosh.util.numeric import byte_to_length

_MB = 1024 * 1024
STORED_COLUMN_NAME = "_stored"
"""The column where Whoosh's W3 codec keeps each article's stored fields."""


class _RememberingPerDocReader(W3PerDocReader):
    """A per-document reader that looks for a missing column once."""

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)  # None too: a missing column stays missing
        return self._readers[fieldname]


_LENGTH_OF_BYTE: list[int | None] = [byte_to_length(byte) if byte else None for byte in range(256)]
"""A field length from its one-byte form in the lengths column, as ``doc_field_length`` gives it (None for 0)."""


class _FlushingPerDocReader(_RememberingPerDocReader):
    """The per-document reader a writer flushes its segment through, which reads each
    field's lengths column once, whole (one byte per document), instead of once per posting."""

    _whole_lengths: dict[str, Any]  # by field: the column's bytes, or None for a field without lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        lengths = self.whole_lengths(fieldname)
        if lengths is None:
            return default
        byte: int = lengths[docnum]
        return _LENGTH_OF_BYTE[byte]

    def whole_lengths(self, fieldname: str) -> Any:
        """The field's lengths column, read whole (a byte per document), or None for a field without lengths."""
        lengths = self._whole_lengths.get(fieldname, False)
        if lengths is False:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = self._whole_lengths[fieldname] = None if reader is None else reader.load()
        return lengths


class _ClosingSegmentReader(SegmentReader):
    """A segment reader that closes its files when it is dropped unclosed, and keeps its
    deleted documents without asking asyncio."""

    @cached_property
    def deleted_docs_set(self) -> frozenset[int]:
        return frozenset(self._perdoc.deleted_docs())

    def __del__(self) -> None:
        if not getattr(self, "is_closed", True):  # True: __init__ failed before opening anything
            self.close()


def remember_missing_columns(perdoc: Any) -> None:
    """Make one of Whoosh's per-document readers look for each missing column once.

    For the writer too: the per-document reader ``SegmentWriter.per_document_reader()``
    returns, whose lengths its field writer asks for once per posting when it flushes a
    segment (see ``adopt_writer``).
    """
    if type(perdoc) is W3PerDocReader:
        perdoc.__class__ = _RememberingPerDocReader


def adopt(reader: IndexReader) -> IndexReader:
    """``reader`` (a segment reader, or a multi-reader of them) with both fixes; returned for chaining."""
    for leaf, _ in reader.leaf_readers():
        if type(leaf) is SegmentReader:
            leaf.__class__ = _ClosingSegmentReader
            remember_missing_columns(leaf._perdoc)
    return reader


def _keep_stored_offsets(perdocwriter: Any) -> None:
    """Have the writer's column of stored fields keep its offsets on disk, whatever the segment's size.

    As for the schema's bytes columns (schema._bytes_column), Whoosh keeps them only past
    32,768 articles a segment, and every reader of a smaller one first adds up all the
    lengths in a Python loop: the first stored article a one-off search reads paid it in
    each segment. That column is made by Whoosh's codec with its writer, so its writer is
    told here, before the first article."""
    stored = getattr(perdocwriter, "_colwriters", {}).get(STORED_COLUMN_NAME)
    child = getattr(stored, "_child", None)  # Whoosh pickles the fields and compresses them into a bytes column
    if isinstance(child, VarBytesColumn.Writer):
        child.cutoff = 0


def adopt_writer(writer: Any) -> None:
    """Make a ``SegmentWriter`` gather its postings by word (pool.py) a field at a time
    (documents.py), its short fields remember their values' postings (remembering.py),
    its column of stored fields keep its offsets, and write its postings a word at a time
    (postings.py), flushing its segment through a per-document reader that remembers
    missing columns and reads lengths columns whole: the one place a reindex asks for lengths."""
    per_document_reader = writer.per_document_reader

    def flushing() -> Any:
        perdoc = per_document_reader()
        if type(perdoc) is W3PerDocReader:
            perdoc.__class__ = _FlushingPerDocReader
            perdoc._whole_lengths = {}
        return perdoc

    writer.per_document_reader = flushing  # on this writer only
    _keep_stored_offsets(writer.perdocwriter)
    # with whoosh.writing, which a search does not import (deferred.py)
    from . import documents
    from .pool import GroupedPostingPool
    from .postings import add_postings
    from .remembering import remember_values

    remember_values(writer.schema)
    if type(writer.fieldwriter) is W3FieldWriter:
        writer.fieldwriter.add_postings = partial(add_postings, writer.fieldwriter)

    if not isinstance(writer.pool, GroupedPostingPool):  # Whoosh's, made with the writer: it holds no posting yet
        writer.pool = GroupedPostingPool(writer._tempstorage, writer.newsegment, limitmb=writer.pool.limit // _MB)
    if documents.fits(writer):
        writer.add_document = partial(documents.add_document, writer)
