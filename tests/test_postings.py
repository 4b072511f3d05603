"""postings.BulkFieldWriter writes the very files Whoosh's own field writer writes."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from helpers import reuters_files
from whoosh.index import create_in

from newssearch.article import Article
from newssearch.engine.whoosh import patches
from newssearch.engine.whoosh.schema import build_schema
from newssearch.readers import reuters

WORDS = "cocoa oil-price U.S. market markets the of and shares rose fell café naïve co-operation start".split()


def _documents(count: int) -> list[dict[str, object]]:
    """Articles with words in common (posting lists longer than a block of 128), some fields missing."""
    pick = random.Random(15)
    documents: list[dict[str, object]] = []
    for number in range(count):
        body = " ".join(pick.choice(WORDS) for _ in range(pick.randrange(0, 60)))
        document: dict[str, object] = {"id": f"doc-{number}", "body": body, "tags": "acq,earn" if number % 3 else "grain"}
        if number % 4:
            document["title"] = " ".join(pick.choice(WORDS) for _ in range(pick.randrange(1, 8)))
        if number % 5 == 0:
            document["acronyms"] = "START GATT"
        documents.append(document)
    return documents


def _segment_files(folder: Path, documents: list[dict[str, object]], adopted: bool) -> dict[str, bytes]:
    folder.mkdir()
    writer = create_in(str(folder), build_schema()).writer(compound=False)
    if adopted:
        patches.adopt_writer(writer)
        assert type(writer.fieldwriter).__name__ == "BulkFieldWriter"
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return {path.suffix: path.read_bytes() for path in folder.iterdir() if path.suffix in {".pst", ".trm"}}


def _same_files(tmp_path: Path, documents: list[dict[str, object]]) -> None:
    whoosh, bulk = _segment_files(tmp_path / "whoosh", documents, False), _segment_files(tmp_path / "bulk", documents, True)
    assert set(whoosh) == {".pst", ".trm"}
    assert bulk == whoosh


@pytest.mark.parametrize("count", [1, 130, 600])
def test_postings_files_are_whooshs_byte_for_byte(tmp_path: Path, count: int) -> None:
    _same_files(tmp_path, _documents(count))


def test_real_articles_postings_are_whooshs_byte_for_byte(tmp_path: Path) -> None:
    text = gzip.open(reuters_files(1)[0], "rt", encoding="latin-1").read()
    documents = [
        {"id": output.id, "title": output.title or "", "body": output.body}
        for output in reuters.read(text, "reut2-000.sgm")
        if isinstance(output, Article)
    ]
    _same_files(tmp_path, documents)
