"""Folder defaults: what a ``.newssearch.toml`` in an archive folder says of the articles under it.

A newsroom's archive is sorted by where the articles come from (everything under ``bbc/``
is BBC News), but many files do not say it themselves: BBC text files carry no source.
A folder says it once, in TOML::

    source = "BBC News"
    section = "Sport"
    language = "en"

Subfolders inherit their parents' defaults and may override them (``section = ""`` takes
one back); an article's own value always wins over a default. The scan folds the
defaults that apply to a file into its signature, so that changing them makes an
incremental reindex read every file under that folder again, as a full one would.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import replace
from pathlib import Path, PurePosixPath

from .article import LANGUAGE_TAG, Article
from .errors import Problem

DEFAULTS_FILE = ".newssearch.toml"
"""In any folder of the archive; hidden, so it is never read as an article."""
KEYS = ("source", "section", "language")

Defaults = dict[str, str]


def folder_file(root: Path, folder: PurePosixPath) -> tuple[Defaults, list[Problem]]:
    """The defaults one folder's own file declares (empty if it has none), and what is wrong with it.

    ``folder`` is relative to the archive's ``root``. A file that is not TOML declares
    nothing; a key that is unknown or badly written is left out, the others still count.
    """
    path = root / folder / DEFAULTS_FILE
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        return {}, [_problem(folder, f"cannot read it ({error.strerror}); its defaults were not applied")]
    return _parse(str(path), folder, info.st_mtime_ns, info.st_size, info.st_ino)


@functools.lru_cache(maxsize=1024)
def _parse(path: str, folder: PurePosixPath, mtime_ns: int, size: int, inode: int) -> tuple[Defaults, list[Problem]]:
    """Parsed once per version of the file (hence the stat fields in the key): the scan and
    every file read under the folder ask for it."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        return {}, [_problem(folder, f"cannot read it ({error.strerror}); its defaults were not applied")]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return {}, [_problem(folder, f"not valid TOML ({error}); its defaults were not applied: fix it (source = \"BBC News\")")]
    defaults: Defaults = {}
    problems = []
    for key, value in data.items():
        if key not in KEYS:
            problems.append(_problem(folder, f"unknown key {key!r}, left out; the keys are {', '.join(KEYS)}"))
        elif not isinstance(value, str):
            problems.append(_problem(folder, f"{key} must be a quoted string ({key} = \"...\"), not {value!r:.40}; left out"))
        elif key == "language" and value and not LANGUAGE_TAG.fullmatch(value):
            problems.append(_problem(folder, f"language {value[:40]!r} is not a language tag (en, pt-BR); left out"))
        else:
            defaults[key] = value.strip()
    return defaults, problems


def _problem(folder: PurePosixPath, reason: str) -> Problem:
    return Problem((folder / DEFAULTS_FILE).as_posix(), reason, skipped=False)


def inherit(parent: Defaults, own: Defaults) -> Defaults:
    """A folder's defaults: its parent's, overridden by its own file's; an empty value takes one back."""
    return {key: value for key, value in {**parent, **own}.items() if value}


def defaults_for(root: Path, relpath: str) -> Defaults:
    """The defaults that apply to the archive file at ``relpath``: its folders' files, from the root down."""
    defaults: Defaults = {}
    folder = PurePosixPath()
    for part in ("", *PurePosixPath(relpath).parent.parts):
        folder = folder / part
        defaults = inherit(defaults, folder_file(root, folder)[0])
    return defaults


def apply(article: Article, defaults: Defaults) -> Article:
    """The article with the defaults filling the fields it leaves empty."""
    if not any(value and not getattr(article, key) for key, value in defaults.items()):
        return article
    return replace(
        article,
        source=article.source or defaults.get("source", ""),
        section=article.section or defaults.get("section", ""),
        language=article.language or defaults.get("language", ""),
    )
