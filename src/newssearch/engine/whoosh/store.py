"""The index folder: opening it to read, locking it to write, and its small side files.

Whoosh commits atomically: new segment files are written first, then a new table of
contents is renamed into place. Readers therefore see the old index or the new one,
never half of one, and a reindex killed at any moment leaves the old index usable.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh.index import TOC, FileIndex
from whoosh.searching import Searcher

from ...errors import IndexLocked, IndexNotFound, IndexOutdated, NewssearchError
from .patches import adopt
from .ranking import NewsWeighting
from .schema import SCHEMA_VERSION

INDEX_NAME = f"newssearch{SCHEMA_VERSION}"
"""Whoosh's name for this version's index: an index of another version is never misread."""
LOCK_FILE = "reindex.lock"
REPORT_FILE = "last-reindex.json"

T = TypeVar("T")


def exists(index_dir: str | Path) -> bool:
    return Path(index_dir).is_dir() and whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME)


def open_index(index_dir: str | Path) -> FileIndex:
    """Open this version's index for reading; a clear error if there is none."""
    if not exists(index_dir):
        if Path(index_dir).is_dir() and any(p.name.startswith("_newssearch") for p in Path(index_dir).iterdir()):
            raise IndexOutdated(str(index_dir))
        raise IndexNotFound(str(index_dir))
    return _retry(lambda: whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME))


def _retry(action: Callable[[], T], attempts: int = 5) -> T:
    """Run ``action``, retrying when a concurrent commit removed a file it was about to open."""
    for attempt in range(attempts):
        try:
            return action()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


_TOC = re.compile(rf"_{re.escape(INDEX_NAME)}_([0-9]+)\.toc")


def committed_version(index_dir: Path) -> tuple[int, ...] | None:
    """What identifies the index now committed in ``index_dir``, or None if there is none.

    The folder's inode and the newest table of contents' generation, inode and mtime: a
    commit changes the table of contents, and a folder removed and rebuilt (or replaced
    by another) changes the folder or restarts the generations with new files, so a
    reader compares this before every request instead of trusting the generation alone.
    """
    try:
        folder = os.stat(index_dir)
        generations = [int(m.group(1)) for name in os.listdir(index_dir) if (m := _TOC.fullmatch(name))]
        if not generations:
            return None
        toc = os.stat(index_dir / f"_{INDEX_NAME}_{max(generations)}.toc")
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (folder.st_dev, folder.st_ino, max(generations), toc.st_ino, toc.st_mtime_ns)


class Searchers:
    """One Whoosh searcher per thread on an index folder, always of the index committed now.

    Before every use it checks which index the folder holds now (``committed_version``):
    each thread keeps one searcher and opens a new one once a reindex has committed or
    the folder was replaced or rebuilt, so a long-running server serves the new index
    without a restart; when the folder holds no index any more, IndexNotFound (the web
    server's 503), never an answer from the deleted index. A thread that ends drops its
    searcher, whose readers then close their files (patches.py); ``close`` closes the rest.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[Searcher] = weakref.WeakSet()  # every live thread's searcher, for close()

    def searcher(self) -> Searcher:
        version = committed_version(self.index_dir)
        current: tuple[tuple[int, ...], Searcher] | None = getattr(self._local, "current", None)
        if current is not None and current[0] == version:
            return current[1]
        if current is not None:
            # A new searcher, not Searcher.refresh(): that reuses the old segment readers and
            # with them their old deletions, so articles removed by the reindex would be found.
            self._forget(current[1])
            self._local.current = None
        if version is None:
            open_index(self.index_dir)  # IndexNotFound or IndexOutdated, saying what to run (unless one was just committed)
        try:
            searcher = _retry(lambda: Searcher(adopt(open_index(self.index_dir).reader()), weighting=NewsWeighting()))
        except FileNotFoundError:  # removed while being opened
            raise IndexNotFound(str(self.index_dir)) from None
        with self._lock:
            self._open.add(searcher)
        self._local.current = (version, searcher)
        return searcher

    def close(self) -> None:
        """Close every thread's searcher and with it the index files; a later ``searcher()`` opens again."""
        with self._lock:
            searchers, self._open = list(self._open), weakref.WeakSet()
        for searcher in searchers:
            if not searcher.is_closed:
                searcher.close()
        self._local = threading.local()

    def _forget(self, searcher: Searcher) -> None:
        with self._lock:
            self._open.discard(searcher)
        searcher.close()


def size_bytes(index_dir: Path) -> int:
    return sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())


def last_report(index_dir: Path) -> dict[str, Any] | None:
    """The summary the last reindex left, or None if none did."""
    try:
        report: dict[str, Any] = json.loads((index_dir / REPORT_FILE).read_text())
        return report
    except (OSError, ValueError):
        return None


_held_locks: set[int] = set()


def _close_locks_in_child() -> None:
    """A forked child (a writer's worker process) lets go of the write lock at once.

    An flock belongs to the open file, which a forked child shares: a worker that
    outlived a killed reindex would otherwise keep every later reindex out.
    """
    for fd in _held_locks:
        os.close(fd)
    _held_locks.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock: one reindex at a time.

    An flock is released by the kernel when its process dies, so a killed
    reindex never leaves a stale lock behind; its forked children do not hold it.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise NewssearchError(f"cannot write the index folder {index_dir}: {error.strerror}; check its permissions") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise IndexLocked(str(index_dir)) from None
            raise
        _held_locks.add(fd)
        yield
    finally:
        _held_locks.discard(fd)
        os.close(fd)


def save_report(index_dir: Path, report: dict[str, Any]) -> None:
    """Write the reindex summary atomically (write, then rename) for `stats` to show."""
    temporary = index_dir / f".{REPORT_FILE}.tmp"
    temporary.write_text(json.dumps(report, indent=1))
    temporary.replace(index_dir / REPORT_FILE)


def remove_debris(index: FileIndex) -> None:
    """Delete what a failed reindex wrote: files no committed segment uses, and temp folders.

    A crash leaves them harmless (the next commit removes them), but a full disk stays full.
    """
    import shutil  # here: a search never removes anything, and shutil imports the compression modules

    toc = TOC.read(index.storage, index.indexname)
    whoosh_index.clean_files(index.storage, index.indexname, toc.generation, toc.segments)
    for leftover in Path(index.storage.folder).glob(f"{index.indexname}*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
