"""Readers: one module per archive format, picked by file name.

``read_file`` turns one archive file into articles plus the problems met on the way;
it never raises, whatever goes wrong in a reader (bad input, or a bug no one foresaw),
so one file cannot stop a reindex: it is reported with its path and the reason.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from .. import defaults as folder_defaults
from ..article import Article
from ..errors import Problem, ProblemCap, ReadError
from . import export, html, reuters, text
from .decoding import decode
from .record import Output

Reader = Callable[[str, str], Iterator[Output]]

READERS: dict[str, Reader] = {
    ".txt": text.read,
    ".html": html.read,
    ".htm": html.read,
    ".jsonl": export.read_jsonl,
    ".json": export.read_json,
    ".csv": export.read_csv,
    ".sgm": reuters.read,
}
"""File name suffix (before an optional .gz) -> reader."""

MAX_PAGE_BYTES = 20_000_000
"""A saved page (text or HTML) larger than this is not one article."""
MAX_FILE_BYTES = 1_000_000_000
"""Exports and SGML files larger than this should be split; it bounds memory."""
MAX_BODY_CHARS = 2_000_000
"""An article body longer than this (a book, a log) is reported rather than indexed."""


def reader_for(name: str) -> Reader | None:
    """The reader for a file name, looking through a trailing .gz; None if not an archive format."""
    lower = name.lower().removesuffix(".gz")
    suffix = lower[lower.rfind(".") :] if "." in lower else ""
    return READERS.get(suffix)


def is_page(name: str) -> bool:
    """Whether a file is a saved web page (text or HTML), which may carry site furniture."""
    return reader_for(name) in (text.read, html.read)


def unknown_type(relpath: str) -> Problem:
    return Problem(relpath, f"unknown file type; supported: {', '.join(READERS)} (and .gz)")


@dataclass
class FileResult:
    path: str
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_file(abspath: str, relpath: str) -> FileResult:
    """Read every article of one archive file; problems are collected (at most
    ``MAX_PROBLEMS_PER_FILE`` listed, the rest counted), never raised.

    ``relpath`` is the file's path below the archive folder (as ``archive.scan`` gives
    it): the folders' defaults (defaults.py) fill what the articles leave empty, and
    then an article with a URL but still no source is from its URL's site.

    An exception no reader anticipated (a ``RecursionError`` from JSON nested 100,000
    deep, a reader's bug) ends this file's reading: the articles read before it are kept
    and the file is reported with the exception, so the rest of the archive is indexed.
    """
    result = FileResult(relpath)
    problems = ProblemCap(result.problems)
    reader = reader_for(relpath)
    if reader is None:
        result.problems.append(unknown_type(relpath))
        return result
    limit = MAX_PAGE_BYTES if reader in (text.read, html.read) else MAX_FILE_BYTES
    defaults = _folder_defaults(abspath, relpath)
    try:
        content, warning = decode(_read_bytes(abspath, relpath, limit), relpath)
        if warning:
            problems.add(warning)
        for output in reader(content, relpath):
            if isinstance(output, Article) and len(output.body) > MAX_BODY_CHARS:
                output = Problem(relpath, f"article {output.id!r} is {len(output.body):,} characters, over the {MAX_BODY_CHARS:,} limit: is it one article?")
            if isinstance(output, Article):
                result.articles.append(_with_site(folder_defaults.apply(output, defaults)))
            else:
                problems.add(output)
    except ReadError as error:
        problems.add(Problem(relpath, str(error)))
    except OSError as error:
        problems.add(Problem(relpath, f"cannot read file: {error.strerror or error}"))
    except Exception as error:  # noqa: BLE001  (any failure is this file's, not the reindex's)
        read = f" after {len(result.articles):,} articles" if result.articles else ""
        problems.add(Problem(relpath, f"reading stopped{read}: {type(error).__name__}: {str(error)[:200]}"))
    problems.close()
    if not result.articles and not any(p.skipped for p in result.problems):
        result.problems.append(Problem(relpath, "no articles found in the file"))
    return result


def _folder_defaults(abspath: str, relpath: str) -> folder_defaults.Defaults:
    """The defaults for the file, from the archive folder that ``abspath`` is ``relpath`` under
    (none for a file read on its own, whose paths do not say where an archive starts).

    Read here rather than passed by the scan so that every reader of files (the indexer,
    a script calling ``read_file``) gets the same articles; the scan reports the files' faults.
    """
    parts = PurePosixPath(relpath).parts
    path = Path(abspath)
    if not parts or path.parts[-len(parts) :] != parts:
        return {}
    return folder_defaults.defaults_for(path.parents[len(parts) - 1], relpath)


def _with_site(article: Article) -> Article:
    """An article that names no source (nor does its folder) is from its URL's site: www.bbc.co.uk -> bbc.co.uk."""
    if article.source or not article.url:
        return article
    try:
        host = (urlsplit(article.url).hostname or "").removeprefix("www.")
    except ValueError:  # a malformed URL ("http://[::1")
        return article
    return replace(article, source=host) if host else article


def _read_bytes(abspath: str, relpath: str, limit: int) -> bytes:
    """The file's bytes, decompressed if .gz, refusing more than ``limit`` (a gzip bomb too)."""
    compressed = relpath.lower().endswith(".gz")
    try:
        with (gzip.open if compressed else open)(abspath, "rb") as file:
            data = file.read(limit + 1)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ReadError(f"damaged gzip file ({error}); compress the original again") from None
    if len(data) > limit:
        raise ReadError(f"over {limit // 1_000_000:,} MB{' uncompressed' if compressed else ''}: split it into smaller files")
    return data
