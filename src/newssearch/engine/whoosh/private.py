"""Every private part of Whoosh the engine reads, named once: the list a test checks, and the accessors.

Whoosh is pinned exactly (pyproject.toml), and still: an upgrade that renames one of
these would break the engine silently or deep inside a search. The engine reads them
only through the functions below (and patches.py's subclasses, postings.py's and
documents.py's writing), and
tests/test_engine_private.py checks each part of ``PARTS`` on live Whoosh objects, so a
changed Whoosh fails one test that names the attribute.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh.codec.whoosh3 import _lenfield


@dataclass(frozen=True)
class Part:
    owner: str  # the Whoosh class (or module) that has it
    name: str
    use: str  # what the engine reads it for


PARTS = (
    Part("W3LeafMatcher", "_read_data", "docvalues.postings reads a block as stored, to decode it with numpy"),
    Part("W3LeafMatcher", "_data", "the block as stored: differences of document numbers, weights, values"),
    Part("W3LeafMatcher", "_blocklength", "the block's number of postings"),
    Part("W3LeafMatcher", "_read_ids", "values_of decodes a block of document numbers"),
    Part("W3LeafMatcher", "_next_block", "moving to the next block"),
    Part("W3LeafMatcher", "_ids", "the decoded block's document numbers"),
    Part("W3LeafMatcher", "_read_values", "wordrank reads the word positions of chosen documents, a block at a time"),
    Part("W3LeafMatcher", "_values", "the decoded block's values (a posting's positions, encoded)"),
    Part("SegmentReader", "_storage", "docvalues reads numeric column files whole"),
    Part("SegmentReader", "_perdoc", "patches.adopt: the segment's per-document reader"),
    Part("W3PerDocReader", "_cached_reader", "patches: remembering missing columns"),
    Part("W3PerDocReader", "_readers", "patches: the per-document reader's column readers"),
    Part("W3PerDocReader", "_colfiles", "the open column files a reader closes"),
    Part("VarBytesColumn.Reader", "_lengths", "docvalues reads a bytes column in one piece"),
    Part("VarBytesColumn.Reader", "_dbfile", "docvalues reads a bytes column in one piece"),
    Part("VarBytesColumn.Reader", "_basepos", "docvalues reads a bytes column in one piece"),
    Part("BM25FScorer", "K1", "wordrank scores postings with numpy"),
    Part("BM25FScorer", "B", "wordrank scores postings with numpy"),
    Part("BM25FScorer", "avgfl", "wordrank scores postings with numpy"),
    Part("BM25FScorer", "idf", "wordrank scores postings with numpy"),
    Part("MultiTerm", "_btexts", "query.expand lists a prefix's, wildcard's or range's words within a budget"),
    Part("whoosh.codec.whoosh3", "_lenfield", "docvalues finds a field's lengths column"),
    Part("whoosh.codec.whoosh3", "LENGTHS_COLUMN", "patches: a writer's reader reads a lengths column whole"),
    Part("MpWriter", "_commit_toc", "parallel.ParallelWriter checks its workers before committing"),
    Part("MpWriter", "_new_task", "parallel.ParallelWriter starts workers that die with it"),
    Part("SubWriterTask", "_process_file", "parallel._Worker adopts its writer (patches.adopt_writer) before the first batch"),
    Part("SegmentWriter", "per_document_reader", "patches.adopt_writer: the reader a writer flushes its segment through"),
    Part("SegmentWriter", "pool", "patches.adopt_writer gives a writer the pool that keeps postings by word (pool.py)"),
    Part("SegmentWriter", "_tempstorage", "patches.adopt_writer: where the pool writes its runs"),
    Part("SegmentWriter", "newsegment", "patches.adopt_writer: the segment the pool is for"),
    Part("W3FieldWriter", "_codec", "postings.add_postings: the codec's block size and compression"),
    Part("W3FieldWriter", "_postfile", "postings.add_postings writes a word's blocks to the postings file"),
    Part("W3FieldWriter", "_tindex", "postings.add_postings adds a word's term info to the terms table"),
    Part("W3FieldWriter", "_fieldid", "postings.add_postings: the field's number, which prefixes its words in the terms table"),
    Part("W3Codec", "_blocklimit", "postings: the postings a block holds"),
    Part("W3Codec", "_compression", "postings: the zlib level of a block"),
    Part("W3TermInfo", "_struct", "postings packs a word's statistics as the codec does"),
    Part("whoosh.codec.whoosh3", "WHOOSH3_HEADER_MAGIC", "postings: the mark before a word's first block"),
    Part("SegmentWriter", "_check_state", "documents.add_document: a closed writer refuses documents"),
    Part("SegmentWriter", "_doc_boost", "documents.add_document: a document's boost"),
    Part("SegmentWriter", "_field_boost", "documents.add_document: a field's boost"),
    Part("SegmentWriter", "_check_fields", "documents.add_document: a field the schema lacks is refused"),
    Part("SegmentWriter", "perdocwriter", "documents.add_document: where stored values, lengths and columns go"),
    Part("SegmentWriter", "docnum", "documents.add_document: the number of the document added"),
    Part("SegmentWriter", "_added", "documents.add_document: that the writer has something to commit"),
    Part("PostingPool", "limit", "pool.GroupedPostingPool: the memory past which it spills a run"),
    Part("PostingPool", "currentsize", "pool.GroupedPostingPool: its estimate of the memory it holds"),
    Part("PostingPool", "fieldnames", "pool.GroupedPostingPool: the fields it has postings of"),
    Part("PostingPool", "runs", "pool.GroupedPostingPool: the runs it spilled"),
    Part("PostingPool", "_new_run", "pool.GroupedPostingPool: a run file in the writer's temporary storage"),
    Part("PostingPool", "_open_run", "pool.GroupedPostingPool: reading a run back"),
    Part("PostingPool", "_remove_run", "pool.GroupedPostingPool: removing a run read back"),
)


def stored_blocks(matcher: Any) -> Iterator[tuple[Sequence[int], float | Sequence[float] | None, int]]:
    """A term's postings in one segment, a block (up to 128) at a time, as the W3 codec stores
    them: the differences between document numbers (each block's first is the number itself),
    the weights (None: all 1.0; a float: all that; else one per posting), and the count.

    Whoosh's public per-posting calls (is_active, id, weight, next), and even its decoding
    of a block, cost more than decoding every block at once with numpy (docvalues.postings).
    Deleted documents are included.
    """
    matcher = getattr(matcher, "child", matcher)  # the codec's matcher under Whoosh's filter of deletions
    while matcher.is_active():
        matcher._read_data()
        gaps, weights = matcher._data[0], matcher._data[1]
        yield gaps, weights, matcher._blocklength
        matcher._next_block()


def value_blocks(matcher: Any) -> Iterator[tuple[Sequence[int], Sequence[bytes]]]:
    """The document numbers and values (``matcher.format.decoder`` decodes them) of a term's
    postings in one segment, a block at a time. Deleted documents are included."""
    matcher = getattr(matcher, "child", matcher)
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_values()
        yield matcher._ids, matcher._values
        matcher._next_block()


def values_of(matcher: Any, docnums: Sequence[int]) -> Iterator[tuple[int, bytes]]:
    """(document number, value) of the postings of those of ``docnums`` (in increasing order,
    numbered within the matcher's segment) that the term has; a value is the posting as its
    field's format encodes it (``matcher.format.decoder`` decodes it).

    Blocks holding none of them are passed by their header, undecoded; within a block the
    documents are looked up, not stepped to one posting at a time as ``skip_to`` does.
    """
    matcher = getattr(matcher, "child", matcher)  # the codec's matcher under Whoosh's filter of deletions
    wanted, count = 0, len(docnums)
    while wanted < count and matcher.is_active():
        if matcher.block_max_id() >= docnums[wanted]:
            matcher._read_ids()
            matcher._read_values()
            ids, values, start = matcher._ids, matcher._values, 0
            last = ids[-1]
            while wanted < count and docnums[wanted] <= last:
                start = bisect_left(ids, docnums[wanted], start)
                if ids[start] == docnums[wanted]:
                    yield docnums[wanted], values[start]
                wanted += 1
        matcher._next_block()


def var_bytes(reader: Any) -> tuple[bytes, Sequence[int]] | None:
    """All values of a VarBytesColumn's reader, read in one piece, and the length of each;
    None for another kind of reader.

    The values lie one after the other in document order, and the reader holds their lengths.
    """
    lengths = getattr(reader, "_lengths", None)
    if lengths is None:
        return None
    return reader._dbfile.get(reader._basepos, sum(lengths)), lengths


def segment_storage(segment: Any) -> Any:
    """The storage a segment reader opens its files from (its compound file, if it has one)."""
    return segment._storage


def lengths_column(field: str) -> str:
    """The column where Whoosh keeps a field's lengths, one byte per document."""
    return str(_lenfield(field))


def bm25(scorer: Any) -> tuple[float, float, float, float]:
    """A BM25F scorer's idf, K1, B and average field length, to score many postings at once."""
    return scorer.idf, scorer.K1, scorer.B, scorer.avgfl


def expansion(clause: Any, reader: Any) -> Iterator[bytes]:
    """The words a prefix, wildcard or range matches, read from ``reader``'s lexicon."""
    return iter(clause._btexts(reader))
