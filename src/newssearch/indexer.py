"""Reindex: bring the index in line with the archive folder, through the engine interface (engine/base.py).

Incremental by default: only files whose size or mtime changed are read again, and
articles whose file is gone are removed. ``full=True`` rebuilds everything. Either
way the new index becomes visible in one atomic commit (the engine's guarantee).

An article id found in several places is indexed once, from the copy whose archive path
sorts first (by character code), and within that file from its earliest record; the
other copies are reported at every reindex. The rule depends on the archive alone, so an
incremental reindex ends as a full one would. It needs to know where the losing copies
are, which are not in the index: the winning document lists every copy (path, file
signature, place) in its ``copies`` field. A field of the documents, rather than a
side file or hidden documents, commits atomically with them in the engine's one commit
and is invisible to search. A file holding a copy of an id that a changed, new or removed
file holds is read again with it (and so on, until no such file is left), so the winner
of every id involved is chosen again from all its copies.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import pickle
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from . import furniture
from .acronyms import acronyms
from .archive import ArchiveFile, scan
from .article import Article
from .duplicates import sketch
from .engine import open_engine
from .engine.base import Document, Engine, Indexed, Writer
from .errors import NewssearchError, Problem, ProblemCap
from .fields import SCHEMA, Schema
from .processes import FORK, die_with_parent
from .readers import FileResult, read_file

Progress = Callable[[int, int], None]
"""Called as ``progress(bytes_just_indexed, bytes_to_index_in_all)`` after each file."""
READ_PROCESS_BYTES = 2_000_000
"""Archive bytes to read above which the files are read in a process per core (_read_files).
The furniture and duplicate-id rules need every file read before the first article is
written, so meanwhile the writer's processes wait: read in one process, Reuters took 2 s
of a 17 s full reindex with one of two cores idle."""
YOUNG_OBJECTS = 50_000
"""Objects a reindex allocates between the garbage collector's young collections (Python's
default: 700), in its own process and in those it forks. A writer keeps millions of small
lists and tuples until it writes its segment (pool.py) and makes far more that live for
one article, and at the default the collector kept walking them, freeing almost nothing:
in alternating reindexes of Reuters the processes it forks took 25.1-26.9 s of CPU at the
default, 24.2-24.6 s at this. Reference cycles are still collected, less often."""


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


def reindex(
    archive_dir: str | Path, index_dir: str | Path, full: bool = False, progress: Progress | None = None,
    schema: Schema = SCHEMA, engine: Engine | None = None,
) -> ReindexReport:  # fmt: skip
    """Index new and changed archive files, drop removed ones; everything if ``full``.

    ``engine``: the engine to write, left open (default: ``open_engine(index_dir, schema)``,
    closed here); documents are built from its schema (the table of fields and facets).

    The writer is opened first, which takes the engine's write lock, and only then is the
    index's bookkeeping read (``engine.indexed``): an incremental reindex decides from it
    what to read again and what to delete, so no other reindex may commit between that
    reading and this one's commit. The summary is saved just after
    the commit, outside the lock: a reindex started meanwhile saves its own later.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    found = scan(archive_dir)
    files = found.files
    with ExitStack() as stack:
        stack.enter_context(_collecting_less())
        if engine is None:
            engine = stack.enter_context(open_engine(index_dir, schema))
        full = full or not engine.exists()
        try:  # an OSError anywhere (a full disk, a folder gone read-only): the last commit still stands
            writer = engine.writer(full, sum(f.size for f in files))
            try:
                indexed = _indexed_files(engine.indexed())  # summarised as it is read, not held row by row
                if not files and not full and indexed[0]:
                    raise NewssearchError(
                        f"the archive folder {archive_dir} holds no articles: not emptying the index "
                        "(an unmounted drive?); to empty it on purpose, run reindex --full"
                    )
                report = ReindexReport(full=full, files=len(files), files_ignored=found.ignored, problems=found.problems)
                if _update(writer, indexed, files, report, progress, index_dir, engine.schema):
                    writer.commit()
                else:
                    writer.cancel()
            except BaseException:
                writer.cancel()
                raise
            report.articles = engine.stats().articles
            report.seconds = round(time.perf_counter() - started, 3)
            report.finished = datetime.now(UTC).isoformat(timespec="seconds")
            engine.save_report(report.to_dict())
        except OSError as error:
            raise NewssearchError(
                f"cannot write the index in {index_dir}: {error.strerror or error}; "
                "the previous index is unchanged: make room or fix the folder, then run reindex again"
            ) from None
    return report


@contextmanager
def _collecting_less() -> Iterator[None]:
    """The garbage collector's young collections every YOUNG_OBJECTS allocations, then as before."""
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def document(
    article: Article, file: ArchiveFile, page: furniture.Page | None, dropped: list[str], schema: Schema = SCHEMA, copies: bytes = b"",
) -> Document:  # fmt: skip
    """The engine's document for an article read from ``file``: a value per field of the table, a list per facet.

    Stored fields are the article's attributes of their names; the rest are derived here:
    its acronyms, its file's key, its near-duplicate sketch, its furniture bookkeeping
    (``page`` and the ``dropped`` lines), where its ``copies`` are, and when it was ``added``:
    its file's modification time, which a full and an incremental reindex read alike
    (the time of the reindex would differ between them).
    """
    derived: dict[str, object] = {
        "added": file.modified,
        "acronyms": acronyms(article.title, article.body),
        "filekey": filekey(file),
        "sketch": sketch(article.title, article.body),
        "blocks": furniture.pack(page),
        "dropped": furniture.pack_lines(dropped),
        "copies": copies,
    }
    values: Document = {f.name: derived[f.name] if f.name in derived else getattr(article, f.name) for f in schema.fields}
    values.update({facet.field: list(facet.values(article)) for facet in schema.facets})
    return values


def filekey(file: ArchiveFile) -> str:
    """What an index keeps of an archive file: its path and signature (a change of either is a change)."""
    return f"{file.relpath}\0{file.signature}"


Duplicate = tuple[str, list[list[Any]]]
"""An article id and its copies, the indexed one first: [path, file signature, location, record number]."""


@dataclass
class _IndexedFile:
    """What the index knows of one archive file: its live documents, and its copies of ids that another file's copy won."""

    signature: str
    ids: set[str] = field(default_factory=set)  # of every copy in the file, indexed or not
    blocks: list[furniture.Page] = field(default_factory=list)  # per page: what the furniture rule needs of it
    dropped: list[list[int]] = field(default_factory=list)  # per page: the lines left out as furniture (hashes)


def _update(
    writer: Writer, known_files: tuple[dict[str, _IndexedFile], list[Duplicate]], files: list[ArchiveFile], report: ReindexReport,
    progress: Progress | None, spill_dir: Path, schema: Schema,
) -> bool:  # fmt: skip
    """Make the writer's changes (not committed) to the index known as ``known_files`` (``_indexed_files``); whether there are any."""
    indexed, duplicated = known_files
    by_path = {f.relpath: f for f in files}
    unchanged = {
        path: known for path, known in indexed.items()
        if not report.full and path in by_path and by_path[path].signature == known.signature
    }  # fmt: skip
    changed = False
    with _Spill(spill_dir) as spill:
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
            new_ids = _write(writer, batch, spill, stale, furniture_blocks, report, progress, duplicates, schema)
            report.added = len(new_ids - old_ids)
            report.updated = len(new_ids) - report.added
            report.removed = len(stale_ids - new_ids)
            changed = True
    _report_duplicates(duplicates, report)
    return changed


@dataclass(eq=False)
class _ReadFile:
    """A file read in this run, as the reindex holds it until its articles are written:
    per record its id, place and page; the articles themselves wait in the spill.

    The ids and places are kept marshalled, a quarter of their size as lists of strings
    (the summaries are what a full reindex holds per article of the archive).
    """

    file: ArchiveFile
    offset: int  # of its FileResult in the spill
    packed_ids: bytes
    packed_locations: bytes
    pages: list[furniture.Page | None]

    @property
    def ids(self) -> list[str]:
        ids: list[str] = marshal.loads(self.packed_ids)
        return ids

    @property
    def locations(self) -> list[str]:
        locations: list[str] = marshal.loads(self.packed_locations)
        return locations


class _Spill:
    """The results of the files read, parked in an unnamed temporary file until they are written.

    Why: the furniture rule and the duplicate-id rule are decided over every file of the
    run before the first article is written, and holding the articles meanwhile made a
    full reindex's memory grow with the archive (tens of GB at a million articles). The
    reindex keeps only the small per-record summaries (``_ReadFile``), and the writer reads
    each file's articles back from here: a pickle is far cheaper to load than a file is to
    read again (an HTML page goes through trafilatura). The file lives in the index folder,
    on the index's disk (for Whoosh) rather than a RAM-backed /tmp, and vanishes when closed or when the
    process dies.
    """

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def read_all(self, files: list[ArchiveFile]) -> list[_ReadFile]:
        """Read files in archive order (the writer's processes do the heavy analysis) and park their results."""
        batch = []
        for file, (result, ids, locations, pages) in zip(files, _read_files(files), strict=True):
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(result)
            batch.append(_ReadFile(file, offset, ids, locations, pages))
        return batch

    def result(self, read: _ReadFile) -> FileResult:
        self._file.seek(read.offset)
        result: FileResult = pickle.load(self._file)
        return result


_Read = tuple[bytes, bytes, bytes, list[furniture.Page | None]]
"""A file read, as the spill keeps it: its FileResult pickled, its articles' ids and places marshalled, their pages."""


def _read(file: ArchiveFile) -> _Read:
    result = read_file(file.abspath, file.relpath)
    articles = result.articles
    ids, locations = marshal.dumps([a.id for a in articles]), marshal.dumps([a.location for a in articles])
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), ids, locations, [furniture.page(a) for a in articles]


def _read_files(files: list[ArchiveFile]) -> Iterator[_Read]:
    """Each file read, in order: in this process, or for more than READ_PROCESS_BYTES in a process per core."""
    processes = min(os.cpu_count() or 1, len(files))
    if processes < 2 or sum(f.size for f in files) < READ_PROCESS_BYTES:
        return map(_read, files)
    return _read_in_processes(files, processes)


def _read_in_processes(files: list[ArchiveFile], processes: int) -> Iterator[_Read]:
    """Files read by helper processes, in order, two per process under way at a time (so memory
    does not grow with the archive while the spill is written)."""
    todo = iter(files)
    pool = ProcessPoolExecutor(processes, mp_context=FORK, initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        pending: deque[Future[_Read]] = deque(pool.submit(_read, file) for file in islice(todo, 2 * processes))
        while pending:
            read = pending.popleft().result()
            pending.extend(pool.submit(_read, file) for file in islice(todo, 1))
            yield read
    except BrokenProcessPool:
        raise NewssearchError("a process reading the archive died (out of memory?); the previous index is unchanged: run reindex again") from None
    finally:
        pool.shutdown(cancel_futures=True)


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
    writer: Writer, batch: list[_ReadFile], spill: _Spill, stale: set[str], furniture_blocks: set[int],
    report: ReindexReport, progress: Progress | None, duplicates: list[Duplicate], schema: Schema,
) -> set[str]:  # fmt: skip
    """Delete the stale files' articles, add the batch's winning copies (not committed); the ids written.

    The ids' duplicates found in the batch are added to ``duplicates``.
    """
    batch = sorted(batch, key=lambda read: read.file.relpath)  # the winning rule: the first path, then the first record
    ids: set[str] = set()
    repeated: set[str] = set()
    for read in batch:
        for article_id in read.ids:
            (repeated if article_id in ids else ids).add(article_id)
    copies: dict[str, list[tuple[_ReadFile, int]]] = {article_id: [] for article_id in repeated}  # the few ids in several places
    for read in batch if copies else ():
        for number, article_id in enumerate(read.ids):
            if article_id in copies:
                copies[article_id].append((read, number))
    total_bytes = sum(read.file.size for read in batch)
    writer.expect(total_bytes)
    for path in stale if not report.full else ():
        writer.delete_file(path)
    add = writer.add if report.full else writer.replace
    for read in batch:
        result = spill.result(read)
        report.problems.extend(result.problems)
        for number, article in enumerate(result.articles):
            places = copies.get(article.id)
            if places and places[0] != (read, number):
                continue
            where = [[r.file.relpath, r.file.signature, r.locations[n], n] for r, n in places] if places else []
            if where:
                duplicates.append((article.id, where))
            page = read.pages[number]
            stripped, dropped = furniture.strip(article, page, furniture_blocks)
            add(document(stripped, read.file, page, dropped, schema, copies=json.dumps(where).encode() if where else b""))
        if progress:
            progress(read.file.size, total_bytes)
    return ids


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


def _indexed_files(rows: Iterable[Indexed]) -> tuple[dict[str, _IndexedFile], list[Duplicate]]:
    """What the index holds, by archive path, from its live articles' bookkeeping,
    with the duplicated ids; a file whose copies all lost is known from the winners' ``copies``."""
    files: dict[str, _IndexedFile] = {}
    duplicated: list[Duplicate] = []
    for row in rows:
        path, signature = row.filekey.split("\0", 1)
        known = files.setdefault(path, _IndexedFile(signature))
        known.ids.add(row.id)
        if page := furniture.unpack(row.blocks):
            known.blocks.append(page)
            known.dropped.append(furniture.line_hashes(page, furniture.unpack_lines(row.dropped)))
        if row.copies:
            duplicated.append((row.id, json.loads(row.copies)))
    for article_id, where in duplicated:
        for path, signature, _, _ in where[1:]:
            files.setdefault(path, _IndexedFile(signature)).ids.add(article_id)
    return files, duplicated
