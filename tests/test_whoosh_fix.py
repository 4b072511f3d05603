"""The engine's two patches to Whoosh (whoosh_fix.py): what they replace, and that what they
promise holds on a small index built here."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from helpers import write_export
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import SegmentReader

import newssearch  # noqa: F401  (applies the patches, as any use of newssearch does)
from newssearch import reindex
from newssearch.engine.whoosh import patches as whoosh_fix
from newssearch.engine.whoosh.store import open_index


def test_importing_newssearch_patches_the_column_cache_and_the_reader_finaliser() -> None:
    assert W3PerDocReader._cached_reader is whoosh_fix._cached_reader
    assert SegmentReader.__del__ is whoosh_fix._close_when_dropped


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A two-article index."""
    records = [{"id": "a", "title": "Oil", "body": "oil oil oil oil"}, {"id": "b", "title": "Prices", "body": "oil prices rose"}]
    write_export(tmp_path / "archive" / "news.jsonl", records)
    reindex(tmp_path / "archive", tmp_path / "index")
    return tmp_path / "index"


def segment_reader(index_dir: Path) -> SegmentReader:
    """The index's one segment (a fixture would keep a reference to it: these tests drop it)."""
    reader = open_index(index_dir).reader()
    assert isinstance(reader, SegmentReader) and isinstance(reader._perdoc, W3PerDocReader)
    return reader


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


def test_a_reader_dropped_without_close_closes_its_files(index_dir: Path) -> None:
    reader = segment_reader(index_dir)
    assert reader.doc_field_length(0, "body") > 0  # opens the body's lengths column
    files = [file for file, _, _ in reader._perdoc._colfiles.values()]
    assert files and not any(file.is_closed for file in files)
    del reader
    gc.collect()
    assert all(file.is_closed for file in files)


def test_a_reader_whose_init_failed_is_dropped_quietly() -> None:
    unopened = SegmentReader.__new__(SegmentReader)  # as if __init__ raised before opening anything
    whoosh_fix._close_when_dropped(unopened)  # no AttributeError from a half-built reader
