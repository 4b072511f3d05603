"""The relevance benchmark's readers of the judged collections, against the counts their PROVENANCE.md states.

The readers are benchmark code: the test runs ``python benchmarks/judged.py`` as a user would and reads its JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import SHARED, benchmark


@pytest.fixture(scope="module")
def collections() -> dict[str, Any]:
    """What benchmarks/judged.py read of each of the six collections in ../shared."""
    judged = benchmark("judged", "--corpora", SHARED / "corpora")
    assert judged.returncode == 0, judged.stderr
    return dict(json.loads(judged.stdout))


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
def test_collections_read_as_their_provenance_says(collections: dict[str, Any], name: str, documents: int, queries: int, pairs: int) -> None:
    collection = collections[name]
    assert (collection["documents"], collection["distinct_ids"], collection["queries"]) == (documents, documents, queries)
    assert collection["judgments"] == pairs
    assert collection["judged_ids_not_documents"] == 0 and collection["malformed_queries"] == 0


def test_no_title_is_invented_and_lisa_keeps_title_and_abstract_apart(collections: dict[str, Any]) -> None:
    assert collections["med"]["titled_documents"] == 0
    first = collections["lisa"]["first_document"]
    assert first["title"] == "THE INDIAN COUNCIL OF LIBRARY AND INFORMATION SERVICES RESEARCH AND TRAINING: A PROPOSAL FOR CONSIDERATION."
    assert first["body_start"].startswith("CRITICALLY EXAMINES THE INDIAN LIBRARY SCENE.")


def test_a_missing_collection_is_a_one_line_error(tmp_path: Path) -> None:
    judged = benchmark("judged", "med", "--corpora", tmp_path)
    assert judged.returncode == 1 and judged.stdout == ""
    assert judged.stderr == f"error: no med folder in {tmp_path}: pass --corpora DIR, the shared corpora folder\n"
