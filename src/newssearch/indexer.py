"""Reindex: bring the Whoosh index in line with the archive folder.

Incremental by default: only files whose size or mtime changed are read again, and
articles whose file is gone are removed. ``full=True`` rebuilds everything. Either
way the new index becomes visible in one atomic commit (see ``store``).

An article id found in several places is indexed once, from the copy whose archive path
sorts first (by character code), and within that file from its earliest record; the
other copies are reported at every reindex. The rule depends on the archive alone, so an
incremental reindex ends as a full one would. It needs to know where the losing copies
are, which are not in the index: the winning document lists every copy (path, file
signature, place) in its ``copies`` column. A column of the documents, rather than a
side file or hidden documents, commits atomically with them in Whoosh's one commit and
is invisible to search. A file holding a copy of an id that a changed, new or removed
file holds is read again with it (and so on, until no such file is left), so the winner
of every id involved is chosen again from all its copies.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.reading import IndexReader
from whoosh.writing import CLEAR, MERGE_SMALL, SegmentWriter

from . import furniture
from .engine.whoosh import store, vocabulary
from .archive import ArchiveFile, scan
from .errors import NewssearchError, Problem, ProblemCap
from .engine.whoosh.parallel import ParallelWriter
from .readers import FileResult, read_file
from .engine.whoosh.schema import build_schema, to_document

PARALLEL_BYTES = 2_000_000
"""Archive text to read above which the writer analyses in several processes."""
WRITER_MB = 384
"""Memory for the writer's posting buffers (split across its processes) before they spill to disk.

Spilling pickles, sorts and re-reads every posting: with 256 MB it costs a full Reuters
reindex a third more CPU (96 s against 72 s, loaded machine, at 7be164e); 384 MB no longer
spills on Reuters since the spelling fields went (same peak memory and CPU as 1024 MB).
Since the articles are streamed, these pools are what bounds a reindex's memory as the
archive grows: at 10x with 512 MB each writer process held ~480 MB with 256 MB allowed
(Whoosh's estimate undercounts), 1.1 GB for the process tree."""

Progress = Callable[[int, int], None]
"""Called as ``progress(bytes_just_indexed, bytes_to_index_in_all)`` after each file."""


@dataclass
class ReindexReport:
    """What a reindex did, for the summary line and for `stats`."""

    full: bool
    files: int = 0  # article files in the archive
    files_ignored: int = 0  # matched by the ignore rules (archive.IGNORE_FILE, READMEs)
    files_read: int = 0  # of which read this time (new or changed)
    added: int = 0
    updated: int = 0
    removed: int = 0
    furniture_blocks: int = 0  # different lines left out of saved pages as site furniture (furniture.py)
    furniture_lines: int = 0  # times such a line was left out of a page, over the whole archive
    duplicates: int = 0  # copies of an article id not indexed, as another copy is (each in problems)
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
    found = scan(archive_dir)
    files = found.files
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
        report = ReindexReport(full=full, files=len(files), files_ignored=found.ignored, problems=found.problems)
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


Duplicate = tuple[str, list[list[Any]]]
"""An article id and its copies, the indexed one first: [path, file signature, location, record number]."""


@dataclass
class _IndexedFile:
    """What the index knows of one archive file: its live documents, and its copies of ids that another file's copy won."""

    signature: str
    ids: set[str] = field(default_factory=set)  # of every copy in the file, indexed or not
    blocks: list[furniture.Page] = field(default_factory=list)  # per page: what the furniture rule needs of it
    dropped: list[list[int]] = field(default_factory=list)  # per page: the lines left out as furniture (hashes)


def _update(index: FileIndex, files: list[ArchiveFile], report: ReindexReport, progress: Progress | None) -> None:
    with index.reader() as reader:
        indexed, duplicated = _indexed_files(reader)
    by_path = {f.relpath: f for f in files}
    unchanged = {
        path: known for path, known in indexed.items()
        if not report.full and path in by_path and by_path[path].signature == known.signature
    }  # fmt: skip
    with _Spill(index.storage.folder) as spill:
        batch = spill.read_all([f for f in files if f.relpath not in unchanged])
        # Furniture is judged over the whole archive: unchanged pages whose furniture changed are read again.
        new_pages = [p for read in batch for p in read.pages if p]
        furniture_blocks = furniture.find([*(p for known in unchanged.values() for p in known.blocks), *new_pages])
        recheck = {
            path for path, known in unchanged.items()
            if [furniture.dropped(p, furniture_blocks) for p in known.blocks] != known.dropped
        }  # fmt: skip
        batch += spill.read_all([by_path[path] for path in sorted(recheck)])
        gone_ids = set().union(*(known.ids for path, known in indexed.items() if path not in unchanged))  # changed or removed
        batch += _read_sharing_ids(unchanged, gone_ids, batch, by_path, spill)
        kept = unchanged.keys() - {read.file.relpath for read in batch}
        stale = set(indexed) - kept
        report.files_read = len(batch)
        pages = [
            *(p for path in kept for p in unchanged[path].blocks),
            *(p for read in batch for p in read.pages if p),
        ]  # every page of the index after this run
        removals = [furniture.dropped(p, furniture_blocks) for p in pages]
        report.furniture_blocks = len({h for hashes in removals for h in hashes})
        report.furniture_lines = sum(map(len, removals))
        # Duplicates among kept files are as the index recorded them; the batch's are found by _write.
        duplicates = [(article_id, where) for article_id, where in duplicated if where[0][0] in kept]
        if batch or stale:
            old_ids = set().union(*(known.ids for known in indexed.values()))
            stale_ids = set().union(*(indexed[path].ids for path in stale))
            new_ids = _write(index, batch, spill, stale, furniture_blocks, report, progress, duplicates)
            report.added = len(new_ids - old_ids)
            report.updated = len(new_ids) - report.added
            report.removed = len(stale_ids - new_ids)
    _report_duplicates(duplicates, report)


@dataclass(eq=False)
class _ReadFile:
    """A file read in this run, as the reindex holds it until its articles are written:
    per record its id, place and page; the articles themselves wait in the spill."""

    file: ArchiveFile
    offset: int  # of its FileResult in the spill
    ids: list[str]
    locations: list[str]
    pages: list[furniture.Page | None]


class _Spill:
    """The results of the files read, parked in an unnamed temporary file until they are written.

    Why: the furniture rule and the duplicate-id rule are decided over every file of the
    run before the first article is written, and holding the articles meanwhile made a
    full reindex's memory grow with the archive (tens of GB at a million articles). The
    reindex keeps only the small per-record summaries (``_ReadFile``), and the writer reads
    each file's articles back from here: a pickle is far cheaper to load than a file is to
    read again (an HTML page goes through trafilatura). The file lives in the index folder,
    on the index's disk rather than a RAM-backed /tmp, and vanishes when closed or when the
    process dies.
    """

    def __init__(self, folder: str) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def read_all(self, files: list[ArchiveFile]) -> list[_ReadFile]:
        """Read files in archive order (the writer's processes do the heavy analysis) and park their results."""
        batch = []
        for file in files:
            result = read_file(file.abspath, file.relpath)
            offset = self._file.seek(0, os.SEEK_END)
            pickle.dump(result, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            articles = result.articles
            batch.append(_ReadFile(file, offset, [a.id for a in articles], [a.location for a in articles], [furniture.page(a) for a in articles]))
        return batch

    def result(self, read: _ReadFile) -> FileResult:
        self._file.seek(read.offset)
        return pickle.load(self._file)


def _read_sharing_ids(
    unchanged: dict[str, _IndexedFile], gone_ids: set[str], batch: list[_ReadFile], by_path: dict[str, ArchiveFile], spill: _Spill,
) -> list[_ReadFile]:  # fmt: skip
    """Read the unchanged files that hold a copy of an id held by a file read or removed, to a fixpoint.

    Then every copy of every id written is in the batch, and its winner is chosen from all of them.
    """
    holders: dict[str, list[str]] = {}
    for path, known in unchanged.items():
        for article_id in known.ids:
            holders.setdefault(article_id, []).append(path)
    waiting = unchanged.keys() - {read.file.relpath for read in batch}
    involved = gone_ids.union(*(read.ids for read in batch))
    more: list[_ReadFile] = []
    while involved:
        paths = sorted({path for article_id in involved for path in holders.get(article_id, ()) if path in waiting})
        waiting -= set(paths)
        read = spill.read_all([by_path[path] for path in paths])
        more += read
        involved = set().union(*(r.ids for r in read), *(unchanged[p].ids for p in paths))
    return more


def _write(
    index: FileIndex, batch: list[_ReadFile], spill: _Spill, stale: set[str], furniture_blocks: set[int],
    report: ReindexReport, progress: Progress | None, duplicates: list[Duplicate],
) -> set[str]:  # fmt: skip
    """Delete the stale files' articles, add the batch's winning copies, commit; the ids written.

    The ids' duplicates found in the batch are added to ``duplicates``.
    """
    batch = sorted(batch, key=lambda read: read.file.relpath)  # the winning rule: the first path, then the first record
    copies: dict[str, list[tuple[_ReadFile, int]]] = {}
    for read in batch:
        for number, article_id in enumerate(read.ids):
            copies.setdefault(article_id, []).append((read, number))
    total_bytes = sum(read.file.size for read in batch)
    writer = _writer(index, total_bytes)
    words = vocabulary.Tally(index, fresh=report.full)
    try:
        for path in stale if not report.full else ():
            writer.delete_by_term("path", path)
        add = writer.add_document if report.full else writer.update_document
        for read in batch:
            result = spill.result(read)
            report.problems.extend(result.problems)
            for number, article in enumerate(result.articles):
                places = copies[article.id]
                if places[0] != (read, number):
                    continue
                where = [[r.file.relpath, r.file.signature, r.locations[n], n] for r, n in places] if len(places) > 1 else []
                if where:
                    duplicates.append((article.id, where))
                page = read.pages[number]
                stripped, dropped = furniture.strip(article, page, furniture_blocks)
                document = to_document(stripped, read.file, page, dropped)
                add(**document, copies=json.dumps(where).encode() if where else b"")
                words.add(document)
            if progress:
                progress(read.file.size, total_bytes)
        if not report.full:
            with index.reader() as reader:
                words.forget(reader, _replaced(reader, stale, set(copies)))
        words.save(writer.generation)  # before the commit makes this generation visible
        writer.commit(mergetype=CLEAR if report.full else MERGE_SMALL)
    except BaseException:
        writer.cancel()
        raise
    words.prune(writer.generation)
    return set(copies)


def _report_duplicates(duplicates: list[Duplicate], report: ReindexReport) -> None:
    """Each copy not indexed, as a problem of its file naming the indexed copy (at most 20 per file)."""
    losers = sorted(
        (path, number, Problem(path, f"duplicate article id {article_id!r}: the copy in {_place(where[0])} is indexed", location))
        for article_id, where in duplicates
        for path, _, location, number in where[1:]
    )
    cap = ProblemCap(report.problems)
    for _, _, problem in losers:
        cap.add(problem)
    cap.close()
    report.duplicates = len(losers)


def _place(copy: list[Any]) -> str:
    path, _, location, _ = copy
    return f"{path} ({location})" if location else path


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
        return ParallelWriter(index, procs=procs, multisegment=True, limitmb=WRITER_MB // procs, compound=False)
    return index.writer(limitmb=WRITER_MB, compound=False)


def _indexed_files(reader: IndexReader) -> tuple[dict[str, _IndexedFile], list[Duplicate]]:
    """What the index holds, by archive path, read from columns of the live documents,
    with the duplicated ids; a file whose copies all lost is known from the winners' ``copies``.

    Columns, not the lexicon: terms of deleted documents linger in the lexicon.
    """
    files: dict[str, _IndexedFile] = {}
    duplicated: list[Duplicate] = []
    if not reader.doc_count():
        return files, duplicated
    keys, ids = reader.column_reader("filekey"), reader.column_reader("id")
    blocks, dropped, copies = reader.column_reader("blocks"), reader.column_reader("dropped"), reader.column_reader("copies")
    for docnum in reader.all_doc_ids():
        path, signature = keys[docnum].split("\0", 1)
        known = files.setdefault(path, _IndexedFile(signature))
        known.ids.add(ids[docnum])
        if page := furniture.unpack(blocks[docnum]):
            known.blocks.append(page)
            known.dropped.append(furniture.line_hashes(page, furniture.unpack_lines(dropped[docnum])))
        if where := copies[docnum]:
            duplicated.append((ids[docnum], json.loads(where)))
    for article_id, where in duplicated:
        for path, signature, _, _ in where[1:]:
            files.setdefault(path, _IndexedFile(signature)).ids.add(article_id)
    return files, duplicated


def _remove_other_versions(index_dir: Path) -> None:
    """After a full rebuild, delete the files of indexes built by other versions."""
    for path in index_dir.iterdir():
        name = path.name.lstrip("_")
        if name.startswith("newssearch") and not name.startswith(store.INDEX_NAME + "_"):
            path.unlink(missing_ok=True)
