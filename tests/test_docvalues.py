"""Per-version values and caches shared by a server's threads (docvalues.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import write_export
from whoosh.reading import SegmentReader

from newssearch import SearchIndex, SearchRequest, reindex, search
from newssearch.engine import open_engine
from newssearch.engine.base import Query
from newssearch.engine.whoosh import docvalues, wordrank
from newssearch.engine.whoosh.docvalues import LRU, doc_values, filtered, postings
from newssearch.engine.whoosh.filters import whoosh_filter
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
        records = [
            {"id": f"{name}-{n}", "title": "Cocoa harvest", "body": f"Cocoa harvest news number {n}.", "source": s} for n, s in enumerate(sources)
        ]
        (archive / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    write("a", "Wire", "Wire")
    write("b", "Paper")
    reindex(archive, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    before = search(index, SearchRequest("cocoa", facets=True, filters={"source": ("wire",)}))
    assert before.total == 2 and [(v.value, v.count) for v in before.facets["year"]] == [("undated", 2)]
    assert [(v.value, v.count) for v in before.facets["source"]] == [("Wire", 2), ("Paper", 1)]  # counted without its own filter
    first = doc_values(index.engine.searcher(), facet_fields(SCHEMA))
    assert doc_values(index.engine.searcher(), facet_fields(SCHEMA)).timestamps is first.timestamps  # one load per version

    write("a", "Wire")  # one article fewer in a changed file: a deletion in an old segment
    reindex(archive, tmp_path / "index")
    after = search(index, SearchRequest("cocoa", facets=True, filters={"source": ("wire",)}))
    assert after.total == 1 and [(v.value, v.count) for v in after.facets["year"]] == [("undated", 1)]
    assert [(v.value, v.count) for v in after.facets["source"]] == [("Paper", 1), ("Wire", 1)]
    assert doc_values(index.engine.searcher(), facet_fields(SCHEMA)).timestamps is not first.timestamps


def test_a_hits_stored_fields_are_read_once_a_version_and_never_kept_from_an_older_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of hits read again (a popular search) take the stored fields kept for the index
    version (docvalues.STORED_KEPT); a reindex that changes the articles shows the new ones."""
    archive = tmp_path / "archive"

    def write(title: str) -> None:
        write_export(archive / "a.jsonl", [{"id": f"a-{n}", "title": title, "body": f"Cocoa harvest news number {n}."} for n in range(3)])

    read: list[int] = []
    stored_fields = SegmentReader.stored_fields  # what a searcher's stored_fields reads, segment by segment
    monkeypatch.setattr(SegmentReader, "stored_fields", lambda self, docnum: read.append(docnum) or stored_fields(self, docnum))
    write("Cocoa harvest")
    reindex(archive, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    first = search(index, SearchRequest("cocoa"))
    assert [hit.title for hit in first.hits] == ["Cocoa harvest"] * 3 and len(read) == 3
    assert search(index, SearchRequest("cocoa")).hits == first.hits and len(read) == 3  # none read again
    write("Cocoa prices")  # the same articles retitled: a new version with the same document numbers
    reindex(archive, tmp_path / "index", full=True)
    read.clear()
    assert [hit.title for hit in search(index, SearchRequest("cocoa")).hits] == ["Cocoa prices"] * 3 and len(read) == 3
    assert doc_values(index.engine.searcher(), facet_fields(SCHEMA), one_off=True).stored is None  # a process that searches once keeps nothing


def _index_with_deletions(tmp_path: Path) -> Path:
    """An index of several segments, with deleted documents, whose words span several blocks (128 postings each)."""
    archive = tmp_path / "archive"
    archive.mkdir()

    def write(name: str, numbers: range) -> None:
        records = [
            {"id": f"{name}-{n}", "title": "Cocoa" if n % 3 else "Sugar", "body": "cocoa " * (1 + n % 4) + f"crop {n}.",
             "source": ("Wire", "Paper", "Radio")[n % 3], "date": f"1987-{1 + n % 12:02d}-{1 + n % 28:02d}"}
            for n in numbers
        ]  # fmt: skip
        (archive / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    write("a", range(300))
    write("b", range(200))
    reindex(archive, tmp_path / "index")
    write("a", range(0, 300, 2))  # half of a's articles go: deletions in the first segment
    write("c", range(50))
    reindex(archive, tmp_path / "index")
    return tmp_path / "index"


def test_postings_and_columns_read_whole_equal_whooshs_own_reading(tmp_path: Path) -> None:
    """docvalues decodes whole blocks with numpy and cuts bytes columns lazily: the same
    documents, weights and values as Whoosh's per-posting and per-document calls, across
    blocks, segments and deleted documents."""
    index_dir = _index_with_deletions(tmp_path)
    reader = SearchIndex(index_dir).engine.searcher().reader()  # type: ignore[attr-defined]
    assert len(list(reader.leaf_readers())) > 1 and reader.has_deletions()
    for field, word in (("body", "cocoa"), ("title", "cocoa"), ("body", "crop"), ("body", "nowhere")):
        public = {}
        if (field, word) in reader:
            matcher = reader.postings(field, word)
            while matcher.is_active():
                public[matcher.id()] = matcher.weight()
                matcher.next()
        docnums, weights = postings(reader, field, word)
        assert dict(zip(docnums.tolist(), weights.tolist(), strict=True)) == public and docnums.tolist() == sorted(public)
    assert len(postings(reader, "body", "cocoa")[0]) == 150 + 200 + 50
    searcher = SearchIndex(index_dir).engine.searcher()  # type: ignore[attr-defined]
    for filters, since, until in (
        ({"source": ("wire",)}, None, None), ({"source": ("Wire", "radio")}, None, None), ({"source": ("nowhere",)}, None, None),
        ({}, date(1987, 3, 1), date(1987, 5, 31)), ({}, None, date(1987, 2, 14)), ({"source": ("paper",)}, date(1987, 6, 1), None),
    ):  # fmt: skip
        whoosh = whoosh_filter(searcher, SCHEMA, Query(text="", window=10, filters=filters, since=since, until=until))
        assert whoosh is not None
        assert filtered(reader, whoosh).tolist() == sorted(searcher.docs_for_query(whoosh)), (filters, since, until)
    assert len(filtered(reader, whoosh)) > 20
    values = doc_values(searcher, facet_fields(SCHEMA))
    column = reader.column_reader("id", translate=False)
    assert len(values.ids) == reader.doc_count_all() and all(values.ids[n] == column[n].decode() for n in range(reader.doc_count_all()))


@pytest.mark.parametrize("share", [0.0, 0.02, 0.3, 1.0])
def test_facets_counted_from_either_side_equal_a_count_of_each_values_documents(
    tmp_path: Path, share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FacetTable counts a small match set from the documents' side and a large one from
    the values' side: both give, for every match set, each value's documents in it counted
    one by one, on an index with several segments and deleted documents."""
    searcher = SearchIndex(_index_with_deletions(tmp_path)).engine.searcher()  # type: ignore[attr-defined]
    reader, fields = searcher.reader(), facet_fields(SCHEMA)
    live = np.array(sorted(reader.all_doc_ids()), dtype=np.int64)
    docs = np.sort(np.random.default_rng(7).choice(live, int(len(live) * share), replace=False))
    expected = {}
    for name, field in fields.items():
        members = {term.decode(): set(postings(reader, field, term)[0].tolist()) for term in reader.lexicon(field)}
        expected[name] = {value: n for value, ids in members.items() if (n := len(ids & set(docs.tolist())))}
    table = doc_values(searcher, fields).facets
    monkeypatch.setattr(docvalues, "BY_DOCUMENT_SHARE", 1)  # every match set smaller than the index counts as small
    assert table.count(docs, by_document=True) == table.count(docs, by_document=False) == expected
    assert sum(expected["source"].values()) == len(docs)  # an article has one source: each counted once


@pytest.mark.corpus
@pytest.mark.parametrize("text", ["interest rates", '"interest rates"', "oil prices opec", "trade deficit japan"])
def test_a_one_off_process_reads_only_the_places_it_checks_and_answers_the_same(
    reuters_index: SearchIndex, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server keeps every place of common words for its next searches; a one-off
    process (which asks for facets, so oneoff.py passes it on) reads only the places of the
    articles it checks. Hits, scores, totals and facets are the same."""
    every_place, chosen = wordrank._every_place, []  # each choice: every place of the words (a list), or only the checked articles' (None)

    def recorded(*args: Any) -> Any:
        chosen.append(every_place(*args))
        return chosen[-1]

    monkeypatch.setattr(wordrank, "_every_place", recorded)
    request = SearchRequest(text, facets=True, page_size=20)
    served = search(reuters_index, request).to_dict()
    assert any(places is not None for places in chosen)
    chosen.clear()
    cold = SearchIndex(
        reuters_index.index_dir, reuters_index.schema, open_engine(reuters_index.index_dir, reuters_index.schema, "whoosh", one_off=True)
    )
    with cold:
        once = search(cold, request).to_dict()
    assert chosen and all(places is None for places in chosen)
    for data in (served, once):
        del data["seconds"]
    assert once == served and served["total"] > 100
