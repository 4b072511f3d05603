"""Shared fixtures: the real corpora in ../shared and indexes built from them."""

from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from newssearch import SearchIndex, reindex

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSSEARCH_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seeds" / "000_b3d05c4e7c5a75c5.txt"
REUTERS = SHARED / "corpora" / "reuters21578"
BBC_TAR = SHARED / "corpora" / "bbc" / "bbc-fulltext.tar.gz"
SAMPLE = ROOT / "sample" / "archive"


CORPUS_NAMES = re.compile(r"\b(SHARED|SEED|REUTERS|BBC_TAR|CISI|reuters_files|link_reuters|bbc_article|reuters_index)\b")
"""What a test or one of its fixtures names when it reads the real corpora in ../shared."""


@pytest.hookimpl(tryfirst=True)  # before `-m "not corpus"` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``corpus`` every test that reads ../shared, itself or through a fixture: `make test-fast` leaves them out."""
    for item in items:
        if isinstance(item, pytest.Function) and _reads_corpus(item):
            item.add_marker(pytest.mark.corpus)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not SEED.exists() and any(item.get_closest_marker("corpus") for item in session.items):
        raise pytest.UsageError(f"the shared corpora are missing at {SHARED}: set NEWSSEARCH_SHARED to their folder")


def _reads_corpus(item: pytest.Function) -> bool:
    functions = [item.function, *(definitions[-1].func for definitions in item._fixtureinfo.name2fixturedefs.values())]
    return any(_names_corpus(function) for function in functions)


@functools.cache
def _names_corpus(function: Callable[..., object]) -> bool:
    try:
        return CORPUS_NAMES.search(inspect.getsource(function)) is not None
    except (OSError, TypeError):  # pytest's own fixtures, built-ins
        return False


def reuters_files(count: int | None = None) -> list[Path]:
    return sorted(REUTERS.glob("reut2-*.sgm.gz"))[:count]


def link_reuters(archive: Path, count: int | None = None) -> None:
    """Put the Reuters files into an archive folder as symlinks, as a user might."""
    archive.mkdir(parents=True, exist_ok=True)
    for path in reuters_files(count):
        (archive / path.name).symlink_to(path)


@pytest.fixture(scope="session")
def reuters_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """All 21,578 Reuters articles, indexed once per test session."""
    base = tmp_path_factory.mktemp("reuters")
    link_reuters(base / "archive")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The bundled demo archive: the seed page, one Reuters file and a BBC export."""
    base = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, base / "archive")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


def bbc_article(name: str) -> tuple[str, list[str]]:
    """Headline and paragraphs of one BBC article, e.g. ``bbc_article("politics/004")``."""
    import tarfile

    with tarfile.open(BBC_TAR) as tar:
        file = tar.extractfile(f"bbc/{name}.txt")
        assert file is not None
        lines = file.read().decode("utf-8").splitlines()
    return lines[0].strip(), [line.strip() for line in lines[1:] if line.strip()]
