"""Per-version values and caches shared by a server's threads (docvalues.py)."""

from __future__ import annotations

import json
from pathlib import Path

from newssearch import SearchIndex, SearchRequest, reindex, search
from newssearch.engine.whoosh.docvalues import LRU, doc_values
from newssearch.engine.whoosh.searching import facet_fields
from newssearch.fields import SCHEMA


def test_lru_keeps_the_most_recently_used_within_its_budget() -> None:
    cache: LRU[list[int]] = LRU(10, size=len)
    computed = []

    def value(n: int) -> list[int]:
        computed.append(n)
        return list(range(n))

    assert cache.get("four", lambda: value(4)) == [0, 1, 2, 3]
    cache.get("five", lambda: value(5))
    cache.get("four", lambda: value(4))  # a hit: "four" is now the most recent
    cache.get("three", lambda: value(3))  # 12 > 10: the least recent, "five", goes
    cache.get("four", lambda: value(4))
    cache.get("five", lambda: value(5))
    assert computed == [4, 5, 3, 5] and cache.used <= 10


def test_values_follow_each_reindex_including_deletions(tmp_path: Path) -> None:
    """A search after a reindex counts the new version, never the cached old one."""
    archive = tmp_path / "archive"
    archive.mkdir()

    def write(name: str, *sources: str) -> None:
        records = [{"id": f"{name}-{n}", "title": "Cocoa harvest", "body": f"Cocoa harvest news number {n}.", "source": s} for n, s in enumerate(sources)]
        (archive / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    write("a", "Wire", "Wire")
    write("b", "Paper")
    reindex(archive, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    before = search(index, SearchRequest("cocoa", facets=True, filters={"source": ("wire",)}))
    assert before.total == 2 and [(v.value, v.count) for v in before.facets["source"]] == [("Wire", 2)]
    first = doc_values(index.engine.searcher(), facet_fields(SCHEMA))
    assert doc_values(index.engine.searcher(), facet_fields(SCHEMA)).timestamps is first.timestamps  # one load per version

    write("a", "Wire")  # one article fewer in a changed file: a deletion in an old segment
    reindex(archive, tmp_path / "index")
    after = search(index, SearchRequest("cocoa", facets=True, filters={"source": ("wire",)}))
    assert after.total == 1 and [(v.value, v.count) for v in after.facets["source"]] == [("Wire", 1)]
    assert doc_values(index.engine.searcher(), facet_fields(SCHEMA)).timestamps is not first.timestamps
