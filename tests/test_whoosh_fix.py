"""The engine's patches to Whoosh (engine/whoosh/patches.py): applied to the engine's own
readers only, never to Whoosh globally, and what they promise holds on a small index built here."""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import write_export
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import SegmentReader

from newssearch import SearchIndex, reindex
from newssearch.engine.whoosh import patches
from newssearch.engine.whoosh.store import open_index

UNPATCHED_CACHED_READER = W3PerDocReader._cached_reader


def test_importing_newssearch_patches_nothing_of_whoosh() -> None:
    import newssearch.engine.whoosh  # noqa: F401  (the engine and everything it imports)

    assert W3PerDocReader._cached_reader is UNPATCHED_CACHED_READER
    assert W3PerDocReader.__dict__["_cached_reader"] is UNPATCHED_CACHED_READER
    assert "__del__" not in SegmentReader.__dict__


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A two-article index."""
    records = [{"id": "a", "title": "Oil", "body": "oil oil oil oil"}, {"id": "b", "title": "Prices", "body": "oil prices rose"}]
    write_export(tmp_path / "archive" / "news.jsonl", records)
    reindex(tmp_path / "archive", tmp_path / "index")
    return tmp_path / "index"


@pytest.fixture
def index(index_dir: Path) -> Iterator[SearchIndex]:
    with SearchIndex(index_dir) as index:
        yield index


def segment_reader(index_dir: Path) -> SegmentReader:
    """The index's one segment, adopted as the engine adopts its readers (a fixture would keep a
    reference to it: these tests drop it)."""
    reader = patches.adopt(open_index(index_dir).reader())
    assert isinstance(reader, SegmentReader) and isinstance(reader._perdoc, W3PerDocReader)
    return reader


def test_the_engine_reads_through_patched_readers_and_others_do_not(index: SearchIndex, index_dir: Path) -> None:
    [(leaf, _)] = index.engine.searcher().reader().leaf_readers()  # type: ignore[attr-defined]
    assert type(leaf) is patches._ClosingSegmentReader and type(leaf._perdoc) is patches._RememberingPerDocReader
    with open_index(index_dir).reader() as plain:  # Whoosh used directly: as shipped
        assert type(plain) is SegmentReader and type(plain._perdoc) is W3PerDocReader


def test_a_missing_column_is_looked_for_once_per_reader(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = segment_reader(index_dir)
    storage = reader._perdoc._storage
    asked: list[str] = []
    exists = storage.file_exists
    monkeypatch.setattr(storage, "file_exists", lambda name: asked.append(name) or exists(name))
    lengths = [reader.doc_field_length(docnum, "id") for docnum in range(2) for _ in range(50)]
    assert lengths == [0] * 100  # an ID field has no lengths column: the default, every time
    assert len(asked) == 1
    first, second = (reader.doc_field_length(docnum, "body") for docnum in range(2))
    assert first > second > 0  # a column that exists is read: the first body is the longer
    reader.close()


def test_an_unpatched_reader_looks_for_a_missing_column_every_time(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the patch is for, and that it is not applied to Whoosh's own readers."""
    with open_index(index_dir).reader() as reader:
        storage = reader._perdoc._storage
        asked: list[str] = []
        exists = storage.file_exists
        monkeypatch.setattr(storage, "file_exists", lambda name: asked.append(name) or exists(name))
        for _ in range(10):
            reader.doc_field_length(0, "id")
        assert len(asked) == 10


def test_a_reader_dropped_without_close_closes_its_files(index_dir: Path) -> None:
    reader = segment_reader(index_dir)
    assert reader.doc_field_length(0, "body") > 0  # opens the body's lengths column
    files = [file for file, _, _ in reader._perdoc._colfiles.values()]
    assert files and not any(file.is_closed for file in files)
    del reader
    gc.collect()
    assert all(file.is_closed for file in files)


def test_a_reader_whose_init_failed_is_dropped_quietly() -> None:
    unopened = patches._ClosingSegmentReader.__new__(patches._ClosingSegmentReader)  # as if __init__ raised before opening anything
    unopened.__del__()  # no AttributeError from a half-built reader


def test_a_writer_flushes_through_a_reader_that_remembers_missing_columns(index_dir: Path) -> None:
    writer = open_index(index_dir).writer()
    try:
        patches.adopt_writer(writer)
        writer.perdocwriter.close()  # as a flush does before it asks for the reader
        perdoc = writer.per_document_reader()
        assert isinstance(perdoc, patches._RememberingPerDocReader)
        perdoc.close()
    finally:
        writer.cancel()


def test_a_writers_reader_gives_the_lengths_whoosh_gives(index_dir: Path) -> None:
    writer = open_index(index_dir).writer()
    try:
        for number, body in enumerate(["", "one", "two words", "three more words " * 40, "x " * 5000]):
            writer.add_document(id=f"doc-{number}", body=body, title="A title" if number % 2 else None)
        patches.adopt_writer(writer)
        writer.perdocwriter.close()
        perdoc = writer.per_document_reader()
        plain = W3PerDocReader(writer.storage, writer.get_segment())
        assert type(perdoc) is patches._FlushingPerDocReader
        for field in ("body", "title", "id", "nosuchfield"):
            assert [perdoc.doc_field_length(doc, field) for doc in range(5)] == [plain.doc_field_length(doc, field) for doc in range(5)]
        assert [perdoc.doc_field_length(doc, "body") for doc in range(5)][1:3] == [1, 2]
        perdoc.close()
        plain.close()
    finally:
        writer.cancel()


def test_closing_the_index_closes_every_thread_searcher(index: SearchIndex) -> None:
    searcher = index.engine.searcher()  # type: ignore[attr-defined]
    index.close()
    assert searcher.is_closed
    assert not index.engine.searcher().is_closed  # type: ignore[attr-defined]  # a later search opens again


def test_a_reader_keeps_the_deleted_documents_whoosh_would_without_asking_asyncio(index_dir: Path) -> None:
    """The standard library's cached_property in place of the cached_property package, same set."""
    writer = open_index(index_dir).writer()
    writer.delete_by_term("id", "a")
    writer.commit(optimize=False)
    reader = segment_reader(index_dir)
    with open_index(index_dir).reader() as plain:
        assert reader.deleted_docs_set == plain.deleted_docs_set == frozenset({0})
    assert isinstance(type(reader).__dict__["deleted_docs_set"], functools.cached_property)
    assert [reader.stored_fields(docnum)["id"] for docnum in reader.postings("body", "oil").all_ids()] == ["b"]
    reader.close()
