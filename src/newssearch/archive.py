"""Scanning the archive folder: which files there are and whether they changed."""

from __future__ import annotations

import os
from stat import S_ISREG
from dataclasses import dataclass
from pathlib import Path

from .errors import ArchiveNotFound, Problem
from .readers import reader_for, unknown_type


@dataclass(frozen=True)
class ArchiveFile:
    relpath: str  # POSIX path relative to the archive folder: the file's identity in the index
    abspath: str
    size: int
    signature: str  # changes whenever the file's content may have changed


def scan(archive_dir: str | Path) -> tuple[list[ArchiveFile], list[Problem]]:
    """List the archive's article files recursively, following symlinks but not their loops.

    Hidden files and folders (names starting with '.') are not part of the archive.
    Files of unknown type and unreadable folders are reported as problems.
    """
    root = Path(archive_dir)
    if not root.is_dir():
        raise ArchiveNotFound(str(archive_dir))
    files: list[ArchiveFile] = []
    problems: list[Problem] = []
    seen_dirs: set[tuple[int, int]] = set()

    def report_unreadable(error: OSError) -> None:
        problems.append(Problem(_relative(root, error.filename), f"cannot read folder: {error.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=report_unreadable):
        info = os.stat(dirpath)
        if (info.st_dev, info.st_ino) in seen_dirs:
            problems.append(Problem(_relative(root, dirpath), "symlink loop: folder already scanned, skipped"))
            dirnames.clear()
            continue
        seen_dirs.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            abspath = os.path.join(dirpath, name)
            relpath = _relative(root, abspath)
            if not _printable(relpath):
                problems.append(Problem(repr(relpath)[1:-1], "file name has undecodable bytes or control characters: rename the file"))
                continue
            if reader_for(name) is None:
                problems.append(unknown_type(relpath))
                continue
            try:
                stat = os.stat(abspath)
            except OSError as error:
                problems.append(Problem(relpath, f"cannot read file: {error.strerror}"))
                continue
            if not S_ISREG(stat.st_mode):  # a FIFO or device would block or never end
                problems.append(Problem(relpath, "not a regular file (a pipe, socket or device)"))
                continue
            files.append(ArchiveFile(relpath, abspath, stat.st_size, f"{stat.st_mtime_ns}:{stat.st_size}"))
    return files, problems


def _printable(name: str) -> bool:
    """False for names with undecodable bytes (surrogate escapes) or control characters."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


def _relative(root: Path, path: str) -> str:
    return Path(path).relative_to(root).as_posix()
