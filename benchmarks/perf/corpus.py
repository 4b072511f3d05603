"""The benchmark archive: Reuters-21578 as symlinks, plus derived variants for ``--scale``.

Variant 0 of every article is the original SGML file, linked into the archive as a
user would. Variants 1..N-1 are written as JSONL exports (fields id, title, body,
date, source, tags) so the product's own export reader reads them: each keeps the
article's words but shuffles its sentences and shifts its date by about a year per
variant, so term statistics and lengths stay realistic without byte copies. A seed
per article makes every variant the same on every run and machine.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from newssearch import Article, read_file

REPO = Path(__file__).resolve().parents[2]
REUTERS = REPO.parent / "shared" / "corpora" / "reuters21578"
SEED = "newssearch-issue-5"
NEW_ARTICLES = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def reuters_files() -> list[Path]:
    files = sorted(REUTERS.glob("reut2-*.sgm.gz"))
    if len(files) != 22:
        raise SystemExit(f"expected the 22 reut2-*.sgm.gz files in {REUTERS}, found {len(files)}")
    return files


def read_articles(paths: Iterable[Path], root: Path | None = None) -> Iterator[Article]:
    """Articles of archive files through newssearch's own readers (same text for both engines)."""
    for path in paths:
        yield from read_file(str(path), path.relative_to(root).as_posix() if root else path.name).articles


def read_archive(root: Path) -> Iterator[Article]:
    """Every article of an archive folder, files in name order (as newssearch reads them)."""
    yield from read_articles(sorted(p for p in root.rglob("*") if p.is_file()), root)


def text_bytes(article: Article) -> int:
    """The article's searchable text in UTF-8 bytes: what 'MB of text' counts."""
    return len(article.title.encode()) + len(article.body.encode())


def _shuffled_body(body: str, rng: random.Random) -> str:
    """The same sentences in a random order, regrouped into paragraphs of the original sizes."""
    paragraphs = [_SENTENCE_END.split(p) for p in body.split("\n\n")]
    sentences = [s for p in paragraphs for s in p]
    rng.shuffle(sentences)
    regrouped, start = [], 0
    for paragraph in paragraphs:
        regrouped.append(" ".join(sentences[start : start + len(paragraph)]))
        start += len(paragraph)
    return "\n\n".join(regrouped)


def _shifted(date: datetime | None, years: int, rng: random.Random) -> str | None:
    if date is None:
        return None
    return (date + timedelta(days=365 * years + rng.randint(-14, 14))).isoformat()


def variant(article: Article, label: str, years: int) -> dict[str, object]:
    """One derived JSONL record of ``article``; ``label`` makes its id unique."""
    rng = random.Random(f"{SEED}:{label}:{article.id}")  # str seeds hash deterministically
    return {
        "id": f"{article.id}-{label}",
        "title": article.title,
        "body": _shuffled_body(article.body, rng),
        "date": _shifted(article.date, years, rng),
        "source": article.source,
        "tags": list(article.tags),
    }


def write_jsonl(path: Path, records: Iterable[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


@dataclass
class Archive:
    """A benchmark archive folder; new articles are added under ``root / "new"``."""

    root: Path


def build_archive(root: Path, scale: int) -> Archive:
    """Reuters linked into ``root``, plus ``scale - 1`` derived variants of every article."""
    root.mkdir(parents=True)
    for path in reuters_files():
        (root / path.name).symlink_to(path)
    for number in range(1, scale):
        for path in reuters_files():
            name = path.name.removesuffix(".sgm.gz")
            records = (variant(a, f"v{number}", number) for a in read_articles([path]))
            write_jsonl(root / f"variant-{number:02d}" / f"{name}.jsonl", records)
    return Archive(root)


@cache
def _originals() -> tuple[Article, ...]:
    return tuple(read_articles(reuters_files()))


def write_new_articles(archive: Archive, label: str) -> Path:
    """A new export of 100 derived articles (picked by a fixed seed), as a daily delivery would add."""
    picked = random.Random(f"{SEED}:{label}").sample(_originals(), NEW_ARTICLES)
    path = archive.root / "new" / f"{label}.jsonl"
    write_jsonl(path, (variant(a, label, 0) for a in picked))
    return path
