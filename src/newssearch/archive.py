"""Scanning the archive folder: which files there are and whether they changed."""

from __future__ import annotations

import hashlib
import json
import os
from stat import S_ISREG
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from . import defaults as folder_defaults
from .errors import ArchiveNotFound, NewssearchError, Problem
from .readers import reader_for, unknown_type

if TYPE_CHECKING:
    import pathspec


@dataclass(frozen=True)
class ArchiveFile:
    relpath: str  # POSIX path relative to the archive folder: the file's identity in the index
    abspath: str
    size: int
    signature: str  # changes whenever the file's content, or the folder defaults that apply to it, may have changed


IGNORE_FILE = ".newssearchignore"
"""At the archive's root, in gitignore syntax: files that are in the archive but are not articles."""
DEFAULT_IGNORES = ("[Rr][Ee][Aa][Dd][Mm][Ee]", "[Rr][Ee][Aa][Dd][Mm][Ee].*")
"""A README (README.TXT, readme.md, ...) at any depth describes a collection, it is not one of
its articles (the BBC corpus's README.TXT was indexed as one); ``!README.TXT`` in the ignore
file takes one back, as these come before the file's own patterns."""


@dataclass
class Scan:
    files: list[ArchiveFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: int = 0  # files matched by DEFAULT_IGNORES or the archive's IGNORE_FILE


def scan(archive_dir: str | Path) -> Scan:
    """List the archive's article files recursively, following symlinks but not their loops.

    Hidden files and folders (names starting with '.') are not part of the archive; files
    the ignore rules match are counted, not read. Files of unknown type, unreadable
    folders and faults in folder defaults files (defaults.py) are reported as problems.
    """
    root = Path(archive_dir)
    if not root.is_dir():
        raise ArchiveNotFound(str(archive_dir))
    ignore = _ignore_rules(root)
    result = Scan()
    files, problems = result.files, result.problems
    seen_dirs: set[tuple[int, int]] = set()
    inherited: dict[PurePosixPath, folder_defaults.Defaults] = {}  # folder -> its defaults (parents are walked first)

    def report_unreadable(error: OSError) -> None:
        problems.append(Problem(_relative(root, error.filename), f"cannot read folder: {error.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=report_unreadable):
        info = os.stat(dirpath)
        if (info.st_dev, info.st_ino) in seen_dirs:
            problems.append(Problem(_relative(root, dirpath), "symlink loop: folder already scanned, skipped"))
            dirnames.clear()
            continue
        seen_dirs.add((info.st_dev, info.st_ino))
        folder = PurePosixPath(_relative(root, dirpath))
        own, faults = folder_defaults.folder_file(root, folder)
        problems.extend(faults)
        parent = inherited.get(folder.parent, {}) if folder.parts else {}
        defaults = inherited[folder] = folder_defaults.inherit(parent, own)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            abspath = os.path.join(dirpath, name)
            relpath = _relative(root, abspath)
            if not _printable(relpath):
                problems.append(Problem(repr(relpath)[1:-1], "file name has undecodable bytes or control characters: rename the file"))
                continue
            if ignore.match_file(relpath):
                result.ignored += 1
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
            files.append(ArchiveFile(relpath, abspath, stat.st_size, _signature(stat, defaults)))
    return result


def _signature(stat: os.stat_result, defaults: folder_defaults.Defaults) -> str:
    """Modification time and size, and a digest of the folder defaults if any apply (files
    without defaults keep the signature they had before folders could declare them)."""
    signature = f"{stat.st_mtime_ns}:{stat.st_size}"
    if not defaults:
        return signature
    digest = hashlib.blake2b(json.dumps(defaults, sort_keys=True).encode(), digest_size=8).hexdigest()
    return f"{signature}:{digest}"


def _ignore_rules(root: Path) -> pathspec.GitIgnoreSpec:
    """The default ignores, then the archive's ignore file (whose patterns win, as in git)."""
    import pathspec  # here: a query imports this module (through schema) but never scans

    path = root / IGNORE_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return pathspec.GitIgnoreSpec.from_lines([*DEFAULT_IGNORES, *lines])
    except (OSError, UnicodeDecodeError) as error:
        raise NewssearchError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}; fix or remove it") from None
    except ValueError as error:  # pathspec's invalid pattern
        raise NewssearchError(f"{path}: {error}; fix the pattern (gitignore syntax)") from None


def _printable(name: str) -> bool:
    """False for names with undecodable bytes (surrogate escapes) or control characters."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable()


def _relative(root: Path, path: str) -> str:
    return Path(path).relative_to(root).as_posix()
