"""Shared fixtures: the real corpora in ../shared and indexes built from them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newssearch import SearchIndex, reindex

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSSEARCH_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seeds" / "000_b3d05c4e7c5a75c5.txt"
REUTERS = SHARED / "corpora" / "reuters21578"
BBC_TAR = SHARED / "corpora" / "bbc" / "bbc-fulltext.tar.gz"
SAMPLE = ROOT / "sample" / "archive"


def pytest_configure(config: pytest.Config) -> None:
    if not SEED.exists():
        raise pytest.UsageError(f"the shared corpora are missing at {SHARED}: set NEWSSEARCH_SHARED to their folder")


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
