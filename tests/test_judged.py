"""The relevance benchmark's readers of the judged collections, against the counts their PROVENANCE.md states."""

from __future__ import annotations

from types import ModuleType

import pytest
from helpers import SHARED


@pytest.mark.parametrize(
    "name, documents, queries, pairs",
    [
        ("cisi", 1460, 76, 3114),
        ("cranfield", 1400, 225, 1612),  # codes 1-4 of 1,837 lines; the 225 -1 codes are not relevant
        ("cacm", 3204, 52, 796),
        ("med", 1033, 30, 696),
        ("npl", 11429, 93, 2083),
        ("lisa", 5999, 35, 379),  # 6,003 headers, 5,999 distinct ids
    ],
)
def test_collections_read_as_their_provenance_says(judged_readers: ModuleType, name: str, documents: int, queries: int, pairs: int) -> None:
    collection = judged_readers.load(name, SHARED / "corpora")
    ids = {doc.id for doc in collection.documents}
    assert (len(collection.documents), len(ids), len(collection.queries)) == (documents, documents, queries)
    assert sum(len(relevant) for relevant in collection.judgments.values()) == pairs
    assert all(relevant <= ids for relevant in collection.judgments.values())
    assert all(query.text and "\n" not in query.text and not query.text.endswith("#") for query in collection.queries)


def test_no_title_is_invented_and_lisa_keeps_title_and_abstract_apart(judged_readers: ModuleType) -> None:
    assert not any(doc.title for doc in judged_readers.load("med", SHARED / "corpora").documents)
    first = judged_readers.load("lisa", SHARED / "corpora").documents[0]
    assert first.title == "THE INDIAN COUNCIL OF LIBRARY AND INFORMATION SERVICES RESEARCH AND TRAINING: A PROPOSAL FOR CONSIDERATION."
    assert first.body.startswith("CRITICALLY EXAMINES THE INDIAN LIBRARY SCENE.")
