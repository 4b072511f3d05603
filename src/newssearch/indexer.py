"""Reindex: bring the Whoosh index in line with the archive folder.

Incremental by default: only files whose size or mtime changed are read again, and
articles whose file is gone are removed. ``full=True`` rebuilds everything. Either
way the new index becomes visible in one atomic commit (see ``store``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.reading import IndexReader
from whoosh.writing import CLEAR, MERGE_SMALL, SegmentWriter

from . import furniture, store, vocabulary
from .archive import ArchiveFile, scan
from .errors import NewssearchError, Problem
from .readers import FileResult, read_file
from .schema import build_schema, to_document

PARALLEL_BYTES = 2_000_000
"""Archive text to read above which the writer analyses in several processes."""
WRITER_MB = 1024
"""Memory for the writer's posting buffers (split across its processes) before they spill to disk.

Spilling pickles, sorts and re-reads every posting: with 256 MB it cost a third of a
full Reuters reindex's CPU (68 s, 46 s with 1024 MB), for ~380 MB more peak memory.
Whoosh's estimate of a posting's size is generous: 768 MB still spilled on Reuters."""

Progress = Callable[[int, int], None]
"""Called as ``progress(bytes_just_indexed, bytes_to_index_in_all)`` after each file."""


@dataclass
class ReindexReport:
    """What a reindex did, for the summary line and for `stats`."""

    full: bool
    files: int = 0  # article files in the archive
    files_read: int = 0  # of which read this time (new or changed)
    added: int = 0
    updated: int = 0
    removed: int = 0
    furniture_blocks: int = 0  # lines found on many pages of one site, left out of their text
    articles: int = 0  # in the index afterwards
    seconds: float = 0.0
    finished: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> list[Problem]:
        """Files and records that were not indexed (the rest are warnings)."""
        return [p for p in self.problems if p.skipped]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = [asdict(p) for p in self.problems]
        return data


def reindex(archive_dir: str | Path, index_dir: str | Path, full: bool = False, progress: Progress | None = None) -> ReindexReport:
    """Index new and changed archive files, drop removed ones; everything if ``full``."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    files, problems = scan(archive_dir)
    with store.write_lock(index_dir):
        if store.exists(index_dir):
            index = whoosh_index.open_dir(str(index_dir), indexname=store.INDEX_NAME)
        else:
            index = whoosh_index.create_in(str(index_dir), build_schema(), indexname=store.INDEX_NAME)
            full = True
        if not files and not full and not index.is_empty():
            raise NewssearchError(
                f"the archive folder {archive_dir} holds no articles: not emptying the index "
                "(an unmounted drive?); to empty it on purpose, run reindex --full"
            )
        report = ReindexReport(full=full, files=len(files), problems=problems)
        try:
            _update(index, files, report, progress)
        except OSError as error:  # a full disk, a folder gone read-only: the last commit still stands
            store.remove_debris(index)
            raise NewssearchError(
                f"cannot write the index in {index_dir}: {error.strerror or error}; "
                "the previous index is unchanged: make room or fix the folder, then run reindex again"
            ) from None
        with index.reader() as reader:
            report.articles = reader.doc_count()
        if full:
            _remove_other_versions(index_dir)
        report.seconds = round(time.perf_counter() - started, 3)
        report.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
        store.save_report(index_dir, report.to_dict())
    return report


@dataclass
class _IndexedFile:
    """What the index holds of one archive file (its live documents only)."""

    signature: str
    ids: set[str] = field(default_factory=set)
    blocks: list[set[int]] = field(default_factory=list)  # per page: its line hashes (furniture.py)
    dropped: list[set[int]] = field(default_factory=list)  # per page: the lines left out as furniture


def _update(index: FileIndex, files: list[ArchiveFile], report: ReindexReport, progress: Progress | None) -> None:
    with index.reader() as reader:
        indexed = _indexed_files(reader)
    by_path = {f.relpath: f for f in files}
    unchanged = {
        path: known for path, known in indexed.items()
        if not report.full and path in by_path and by_path[path].signature == known.signature
    }  # fmt: skip
    batch = list(_read_all([f for f in files if f.relpath not in unchanged]))
    # Furniture is judged over the whole archive: unchanged pages whose furniture changed are read again.
    furniture_blocks = furniture.find(
        [*(b for known in unchanged.values() for b in known.blocks), *(furniture.blocks(a) for _, r in batch for a in r.articles)]
    )
    recheck = {path for path, known in unchanged.items() if [b & furniture_blocks for b in known.blocks] != known.dropped}
    batch += _read_all([by_path[path] for path in sorted(recheck)])
    stale = set(indexed) - (unchanged.keys() - recheck)
    report.files_read = len(batch)
    report.furniture_blocks = len(furniture_blocks)
    if not batch and not stale:
        return
    old_ids = set().union(*(known.ids for known in indexed.values()))
    stale_ids = set().union(*(indexed[path].ids for path in stale))
    new_ids = _write(index, batch, stale, furniture_blocks, report, progress)
    report.added = len(new_ids - old_ids)
    report.updated = len(new_ids) - report.added
    report.removed = len(stale_ids - new_ids)


def _write(
    index: FileIndex, batch: list[tuple[ArchiveFile, FileResult]], stale: set[str], furniture_blocks: set[int],
    report: ReindexReport, progress: Progress | None,
) -> set[str]:  # fmt: skip
    """Delete the stale files' articles, add the batch's, commit; the ids written."""
    total_bytes = sum(f.size for f, _ in batch)
    writer = _writer(index, total_bytes)
    words = vocabulary.Tally(index, fresh=report.full)
    try:
        for path in stale if not report.full else ():
            writer.delete_by_term("path", path)
        add = writer.add_document if report.full else writer.update_document
        new_ids: dict[str, str] = {}
        for file, result in batch:
            report.problems.extend(result.problems)
            for article in result.articles:
                if article.id in new_ids:
                    report.problems.append(
                        Problem(article.path, f"duplicate article id {article.id!r}, first read from {new_ids[article.id]}")
                    )
                    continue
                new_ids[article.id] = article.path
                blocks = furniture.blocks(article)
                document = to_document(furniture.strip(article, furniture_blocks), file, blocks, blocks & furniture_blocks)
                add(**document)
                words.add(document)
            if progress:
                progress(file.size, total_bytes)
        if not report.full:
            with index.reader() as reader:
                words.forget(reader, _replaced(reader, stale, set(new_ids)))
        words.save(writer.generation)  # before the commit makes this generation visible
        writer.commit(mergetype=CLEAR if report.full else MERGE_SMALL)
    except BaseException:
        writer.cancel()
        raise
    words.prune(writer.generation)
    return set(new_ids)


def _replaced(reader: IndexReader, paths: set[str], ids: set[str]) -> list[int]:
    """The live articles that deleting ``paths`` and updating ``ids`` removes from the index."""
    if not reader.doc_count():
        return []
    keys, id_column = reader.column_reader("filekey"), reader.column_reader("id")
    return [d for d in reader.all_doc_ids() if keys[d].split("\0", 1)[0] in paths or id_column[d] in ids]


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
        return index.writer(procs=procs, multisegment=True, limitmb=WRITER_MB // procs, compound=False)
    return index.writer(limitmb=WRITER_MB, compound=False)


def _indexed_files(reader: IndexReader) -> dict[str, _IndexedFile]:
    """What the index holds, by archive path, read from columns of the live documents.

    Columns, not the lexicon: terms of deleted documents linger in the lexicon.
    """
    files: dict[str, _IndexedFile] = {}
    if not reader.doc_count():
        return files
    keys, ids = reader.column_reader("filekey"), reader.column_reader("id")
    blocks, dropped = reader.column_reader("blocks"), reader.column_reader("dropped")
    for docnum in reader.all_doc_ids():
        path, signature = keys[docnum].split("\0", 1)
        known = files.setdefault(path, _IndexedFile(signature))
        known.ids.add(ids[docnum])
        if page_blocks := furniture.unpack(blocks[docnum]):
            known.blocks.append(page_blocks)
            known.dropped.append(furniture.unpack(dropped[docnum]))
    return files


def _read_all(files: list[ArchiveFile]) -> Iterator[tuple[ArchiveFile, FileResult]]:
    """Read files in archive order (the writer's processes do the heavy analysis)."""
    for file in files:
        yield file, read_file(file.abspath, file.relpath)


def _remove_other_versions(index_dir: Path) -> None:
    """After a full rebuild, delete the files of indexes built by other versions."""
    for path in index_dir.iterdir():
        name = path.name.lstrip("_")
        if name.startswith("newssearch") and not name.startswith(store.INDEX_NAME + "_"):
            path.unlink(missing_ok=True)
