"""The private parts of Whoosh the engine reads (engine/whoosh/private.py) are still there.

Whoosh is pinned exactly; this test is what makes an upgrade safe: each part of
``private.PARTS`` is looked for on a live Whoosh object of a small index built here, and
a missing one fails its own test, named after it (``W3LeafMatcher._read_ids``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from helpers import write_export
from whoosh import query as q
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3TermInfo
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.scoring import BM25FScorer
from whoosh.writing import PostingPool, SegmentWriter

from newssearch import SearchIndex, reindex
from newssearch.engine.whoosh import WhooshEngine, private, writing
from newssearch.engine.whoosh.parallel import ParallelWriter
from newssearch.engine.whoosh.store import open_index
from newssearch.fields import SCHEMA


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    base = tmp_path_factory.mktemp("private")
    records = [{"id": "a", "title": "Oil", "body": "oil oil oil prices"}, {"id": "b", "title": "Prices", "body": "oil prices rose"}]
    write_export(base / "archive" / "news.jsonl", records)
    reindex(base / "archive", base / "index")
    with SearchIndex(base / "index") as index:
        yield index


@pytest.fixture(scope="module")
def owners(index: SearchIndex) -> dict[str, Any]:
    """A live object of each owner named in PARTS."""
    searcher = index.engine.searcher()  # type: ignore[attr-defined]
    [(segment, _)] = searcher.reader().leaf_readers()
    matcher = getattr(segment.postings("body", "oil"), "child", segment.postings("body", "oil"))
    for method in ("_read_ids", "_read_weights", "_read_values"):  # a block is decoded: _ids, _weights and _values are set
        if hasattr(matcher, method):
            getattr(matcher, method)()
    writer = SegmentWriter(open_index(index.index_dir))  # Whoosh's own, as shipped
    writer.cancel()
    return {
        "W3LeafMatcher": matcher,
        "SegmentReader": segment,
        "W3PerDocReader": segment._perdoc if hasattr(segment, "_perdoc") else None,
        "VarBytesColumn.Reader": segment.column_reader("sketch", translate=False),
        "BM25FScorer": searcher.weighting.scorer(searcher, "body", "oil"),
        "MultiTerm": q.Prefix("body", "oi"),
        "whoosh.codec.whoosh3": importlib.import_module("whoosh.codec.whoosh3"),
        "MpWriter": MpWriter,
        "SubWriterTask": SubWriterTask,
        "SegmentWriter": writer,
        "PostingPool": writer.pool,
        "W3FieldWriter": writer.fieldwriter,
        "W3Codec": writer.codec,
        "W3TermInfo": W3TermInfo(),
    }


@pytest.mark.parametrize("part", private.PARTS, ids=lambda part: f"{part.owner}.{part.name}")
def test_whoosh_still_has_the_private_part(owners: dict[str, Any], part: private.Part) -> None:
    owner = owners[part.owner]
    assert owner is not None and hasattr(owner, part.name), (
        f"Whoosh's {part.owner}.{part.name} is gone (newssearch reads it: {part.use}); "
        "adapt engine/whoosh/private.py to this Whoosh, or pin the version it was written for"
    )


def test_the_owners_are_the_whoosh_classes_named(owners: dict[str, Any]) -> None:
    """The names in PARTS say which Whoosh class has the part: each live object is one."""
    assert isinstance(owners["BM25FScorer"], BM25FScorer)
    assert type(owners["SegmentWriter"]) is SegmentWriter and type(owners["PostingPool"]) is PostingPool
    assert type(owners["W3FieldWriter"]) is W3FieldWriter and type(owners["W3Codec"]) is W3Codec
    for owner, name in (("W3LeafMatcher", "W3LeafMatcher"), ("W3PerDocReader", "W3PerDocReader"), ("VarBytesColumn.Reader", "Reader")):
        assert name in [cls.__name__ for cls in type(owners[owner]).__mro__], owner


def test_the_accessors_read_what_whoosh_reads_publicly(index: SearchIndex) -> None:
    searcher = index.engine.searcher()  # type: ignore[attr-defined]
    [(segment, _)] = searcher.reader().leaf_readers()
    [(gaps, weights, count)] = list(private.stored_blocks(segment.postings("body", "oil")))
    assert (list(accumulate(gaps)), count) == (list(segment.postings("body", "oil").all_ids()), 2)
    assert list(weights) == [3.0 + 1.0, 1.0]  # the indexed body repeats the headline
    matcher, public = segment.postings("body", "oil"), {}
    while matcher.is_active():
        public[matcher.id()] = matcher.value()
        matcher.next()
    assert dict(private.values_of(segment.postings("body", "oil"), [0, 1, 5])) == public  # document 5 has no posting
    assert list(private.values_of(segment.postings("body", "oil"), [1])) == [(1, public[1])]
    column = segment.column_reader("sketch", translate=False)
    data, lengths = private.var_bytes(column)
    assert [data[sum(lengths[:n]) : sum(lengths[: n + 1])] for n in range(len(lengths))] == list(column)
    perdoc = segment._perdoc
    assert perdoc.has_column(private.lengths_column("body")) and not perdoc.has_column(private.lengths_column("id"))
    idf, k1, b, avgfl = private.bm25(searcher.weighting.scorer(searcher, "body", "oil"))
    assert (k1, b) == (1.2, 0.75) and idf > 0 and avgfl > 0
    assert sorted(private.expansion(q.Prefix("body", "pri"), segment)) == [b"price"]


def test_the_parallel_writer_writes_through_the_parts_it_overrides(tmp_path: Path) -> None:
    """ParallelWriter and its workers (parallel.py) reach into MpWriter and SubWriterTask; a commit through them works."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the writer runs in one process")
    engine = WhooshEngine(tmp_path / "index", SCHEMA)
    writer = writing.WhooshWriter.open(engine, full=True, size_bytes=writing.PARALLEL_BYTES)
    assert isinstance(writer._started(), ParallelWriter)
    empty = {**{f.name: None for f in SCHEMA.fields}, **{facet.field: [] for facet in SCHEMA.facets}}
    for n in range(3):
        writer.add({**empty, "id": f"a{n}", "title": "Oil", "body": f"oil {n}", "path": "p", "filekey": "p\0s"})
    writer.commit()
    with open_index(tmp_path / "index").searcher() as searcher:
        assert sorted(fields["id"] for fields in searcher.all_stored_fields()) == ["a0", "a1", "a2"]


def test_a_full_rebuild_forks_its_writer_processes_when_it_opens_an_update_at_its_first_change(tmp_path: Path) -> None:
    """Forked before the reindex reads the archive, the workers do not carry the parent's memory of it (parallel.py)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the writer runs in one process")
    engine = WhooshEngine(tmp_path / "index", SCHEMA)
    full = writing.WhooshWriter.open(engine, full=True, size_bytes=writing.PARALLEL_BYTES)
    started = full._writer
    assert isinstance(started, ParallelWriter) and len(started.tasks) == started.procs
    assert all(task.is_alive() for task in started.tasks)
    full.cancel()
    assert not any(task.is_alive() for task in started.tasks)
    update = writing.WhooshWriter.open(engine, full=False, size_bytes=writing.PARALLEL_BYTES)
    assert update._writer is None  # nothing to do, nothing started
    update.cancel()
