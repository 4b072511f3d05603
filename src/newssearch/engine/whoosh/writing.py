"""Writing the Whoosh index: the engine's ``Writer``, and what an incremental reindex reads back.

The write lock (store.write_lock) is taken when the writer opens and let go at its
commit or cancel. The indexer opens the writer first and only then reads ``indexed``,
from which an incremental reindex decides what to read again and what to delete: so that
reading, the changes and the commit are all of one index no other reindex touches.

Whoosh's own writer is started at the first change (or a commit with none), not when
this one opens: by then the indexer knows how much archive text it will write
(``expect``), which decides between one process and several (``_writer``), and a reindex
that finds nothing to do never starts one, so it commits nothing. A full rebuild writes
the whole archive, whose size it is opened with: it starts Whoosh's writer at once, and
with it the worker processes, forked while this process is still small (parallel.py).

Whoosh commits atomically (store.py); the words table (vocabulary.py) is saved for the
generation being committed just before it, so readers always find the two together.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.reading import IndexReader
from whoosh.writing import CLEAR, MERGE_SMALL, SegmentWriter

from ...errors import NewssearchError
from ..base import Document, Indexed, Writer
from . import store, vocabulary
from .parallel import ParallelWriter
from .patches import adopt_writer
from .schema import build_schema, to_whoosh

if TYPE_CHECKING:
    from . import WhooshEngine

PARALLEL_BYTES = 2_000_000
"""Archive text to write above which the writer analyses in several processes."""
WRITER_MB = 384
"""Memory for the writer's posting pools (split across its processes) before they spill to disk.

Since the articles are streamed, these pools are what bounds a reindex's memory as the
archive grows. The engine's pool (pool.py) keeps a posting in about 20 bytes besides
its value and spills a word at a time: Reuters fits (each writer process peaks at about
110 MB), and at 10x, where each spills runs to disk, at about 170 MB."""


class WhooshWriter(Writer):
    """Changes to the Whoosh index in ``engine.index_dir``, made under its write lock."""

    def __init__(self, engine: WhooshEngine, index: FileIndex, full: bool, size_bytes: int, lock: ExitStack) -> None:
        self.engine, self.index, self.full, self.size_bytes = engine, index, full, size_bytes
        self._lock = lock
        self._writer: SegmentWriter | None = None  # Whoosh's, from the first change
        self._words: vocabulary.Tally | None = None
        self._deleted_paths: set[str] = set()  # what an incremental commit removes of the committed index,
        self._replaced_ids: set[str] = set()  # whose words the tally forgets

    @classmethod
    def open(cls, engine: WhooshEngine, full: bool, size_bytes: int) -> WhooshWriter:
        """Take the write lock (IndexLocked if another reindex holds it), then open the index, created if missing."""
        lock = ExitStack()
        lock.enter_context(store.write_lock(engine.index_dir))
        try:
            writer = cls(engine, _open_or_create(engine, full), full, size_bytes, lock)
        except BaseException:
            lock.close()
            raise
        if full:
            try:
                writer._started()
            except BaseException:
                writer.cancel()
                raise
        return writer

    def expect(self, size_bytes: int) -> None:
        self.size_bytes = size_bytes

    def add(self, document: Document) -> None:
        self._add(document, replace=False)

    def replace(self, document: Document) -> None:
        self._add(document, replace=True)

    def delete_file(self, path: str) -> None:
        self._started().delete_by_term("path", path)
        self._deleted_paths.add(path)

    def commit(self) -> None:
        try:
            writer = self._started()
            words = self._tally()
            if self._deleted_paths or self._replaced_ids:
                with self.index.reader() as reader:
                    words.forget(reader, _replaced(reader, self._deleted_paths, self._replaced_ids))
            words.save(writer.generation)  # before the commit makes this generation visible
            writer.commit(mergetype=CLEAR if self.full else MERGE_SMALL)
            words.prune(writer.generation)
            if self.full:
                _remove_other_versions(self.engine.index_dir)
        except BaseException:
            self._cancel_whoosh()
            raise
        finally:
            self._lock.close()

    def cancel(self) -> None:
        """Drop the changes and what they wrote (a full disk stays full otherwise), let go of the lock."""
        try:
            self._cancel_whoosh()
        finally:
            self._lock.close()

    def _add(self, document: Document, replace: bool) -> None:
        fields = to_whoosh(document, self.engine.schema)
        writer = self._started()
        if replace:
            writer.update_document(**fields)
            self._replaced_ids.add(fields["id"])
        else:
            writer.add_document(**fields)
        self._tally().add(fields)

    def _started(self) -> SegmentWriter:
        if self._writer is None:
            self._writer = _writer(self.index, self.size_bytes)
        return self._writer

    def _tally(self) -> vocabulary.Tally:
        if self._words is None:
            self._words = vocabulary.Tally(self.index, fresh=self.full)
        return self._words

    def _cancel_whoosh(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            if not writer.is_closed:  # a commit that failed may have closed it
                writer.cancel()
        finally:
            store.remove_debris(self.index)  # files no committed segment uses: harmless after a commit too


def _replaced(reader: IndexReader, paths: set[str], ids: set[str]) -> list[int]:
    """The live articles of the committed index that deleting ``paths`` and replacing ``ids`` removes."""
    if not reader.doc_count():
        return []
    keys, id_column = reader.column_reader("filekey"), reader.column_reader("id")
    return [d for d in reader.all_doc_ids() if keys[d].split("\0", 1)[0] in paths or id_column[d] in ids]


def _open_or_create(engine: WhooshEngine, full: bool) -> FileIndex:
    """This version's index in the engine's folder, created empty if there is none.

    An index whose fields differ from the engine's table (a facet added without a new
    schema version) is refused: its documents cannot take the new fields, and Whoosh
    cannot swap an index's fields at one commit.
    """
    wanted = build_schema(engine.schema)
    if not store.exists(engine.index_dir):
        return whoosh_index.create_in(str(engine.index_dir), wanted, indexname=store.INDEX_NAME)
    index = whoosh_index.open_dir(str(engine.index_dir), indexname=store.INDEX_NAME)
    if sorted(index.schema.names()) != sorted(wanted.names()):
        raise NewssearchError(
            f"the index in {engine.index_dir} was built with other fields or facets than newssearch now has; "
            f"delete the index folder and run reindex{' --full' if not full else ''} again"
        )
    return index


def _writer(index: FileIndex, total_bytes: int) -> SegmentWriter:
    """A writer that analyses in one process per core when there is enough to do.

    Each process writes its own segment and they are not merged at commit
    (``multisegment``): on Reuters this halves a full reindex, where merging
    them gave no gain. Small updates stay in one process, which starts faster.

    Segments are written as separate files, not one compound file (``compound=False``,
    which the parallel writer passes on to its sub-writers, and which merges at commit
    follow): Whoosh mmaps separate files, but copies a compound file's parts into
    memory once per searcher, that is once per server thread (~170 MB each on Reuters).
    """
    procs = os.cpu_count() or 1
    if procs > 1 and total_bytes >= PARALLEL_BYTES:
        parallel = ParallelWriter(index, procs=procs, multisegment=True, limitmb=WRITER_MB // procs, compound=False)
        parallel.start()
        writer: SegmentWriter = parallel
    else:
        writer = index.writer(limitmb=WRITER_MB, compound=False)
    adopt_writer(writer)  # its workers' writers too (parallel.py)
    return writer


def indexed(engine: WhooshEngine) -> Iterator[Indexed]:
    """Every live article's bookkeeping, read from columns; IndexNotFound (or IndexOutdated) if there is no index.

    Columns, not the lexicon: terms of deleted documents linger in the lexicon.
    """
    with store.open_index(engine.index_dir).reader() as reader:
        if not reader.doc_count():
            return
        columns = [reader.column_reader(name) for name in ("id", "filekey", "blocks", "dropped", "copies")]
        for docnum in reader.all_doc_ids():
            article_id, filekey, blocks, dropped, copies = (column[docnum] for column in columns)
            yield Indexed(article_id, filekey, blocks, dropped, copies)


def _remove_other_versions(index_dir: Path) -> None:
    """After a full rebuild, delete the files of indexes built by other versions."""
    for path in index_dir.iterdir():
        name = path.name.lstrip("_")
        if name.startswith("newssearch") and not name.startswith(store.INDEX_NAME + "_"):
            path.unlink(missing_ok=True)
