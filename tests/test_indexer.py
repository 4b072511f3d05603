"""Reindexing real corpora: everything is indexed, incremental equals full, failures stay contained."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from helpers import SAMPLE, SEED, bbc_article, link_reuters, reuters_files, stored_articles, write_export

from newssearch import IndexLocked, NewssearchError, SearchIndex, SearchRequest, get_article, index_stats, indexer, reindex, search
from newssearch.engine import open_engine
from newssearch.engine.base import Query
from newssearch.engine.whoosh.store import open_index, write_lock
from newssearch.fields import SCHEMA, Facet, Schema


def snapshot(index_dir: Path) -> dict[str, tuple]:
    """Every article in an index as comparable values."""
    return {
        doc["id"]: (doc["title"], doc["body"], doc["path"], doc.get("published"), doc.get("source"), doc.get("tags"))
        for doc in stored_articles(index_dir).values()
    }


def test_all_reuters_articles_are_indexed(reuters_index: SearchIndex) -> None:
    stats = index_stats(reuters_index)
    assert stats.articles == 21578
    assert stats.by_source == {"Reuters": 21578} and stats.by_year == {"1987": 21578}
    first = get_article(reuters_index, "reuters-1")
    assert (first.title, first.date) == ("BAHIA COCOA REVIEW", datetime(1987, 2, 26, 15, 1, 1))
    last = get_article(reuters_index, "reuters-21578")
    expected = ("AMERICAN EXCHANGE INTRODUCES INSTITUTIONAL INDEX", datetime(1987, 10, 19, 13, 30, 41), ("place:usa",))
    assert (last.title, last.date, last.tags) == expected
    odd_byte = get_article(reuters_index, "reuters-17980")  # holds reut2-017's one non-UTF-8 byte
    assert (odd_byte.title, odd_byte.date) == ("LAWSON SAYS LOUVRE CURRENCY ACCORD SATISFACTORY", datetime(1987, 6, 2, 9, 14, 36))


def test_cocoa_finds_cocoa_stories(reuters_index: SearchIndex) -> None:
    result = search(reuters_index, SearchRequest("cocoa", page_size=20))
    assert result.total > 100
    assert all("cocoa" in (hit.title + hit.snippet).lower() for hit in result.hits)
    assert sum("COCOA" in hit.title for hit in result.hits) >= 15


def build_archive(archive: Path) -> None:
    link_reuters(archive / "wire", 3)
    shutil.copy(SEED, archive / "seed.txt")
    (archive / "cms.jsonl").write_text(
        "".join(json.dumps({"id": f"cms-{n}", "title": f"Item {n}", "body": f"Body of item {n} about grain"}) + "\n" for n in range(5)),
        encoding="utf-8",
    )


def test_incremental_reindex_equals_full(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    first = reindex(archive, index)
    assert (first.full, first.added, first.articles) == (True, 3006, 3006)

    # Add a file, change two, remove one.
    (archive / "wire" / reuters_files(4)[3].name).symlink_to(reuters_files(4)[3])
    (archive / "wire" / reuters_files(1)[0].name).unlink()
    seed = (archive / "seed.txt").read_text(encoding="utf-8")
    (archive / "seed.txt").write_text(seed.replace("ten minutes", "twelve minutes"), encoding="utf-8")
    lines = (archive / "cms.jsonl").read_text(encoding="utf-8").splitlines()
    (archive / "cms.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")

    update = reindex(archive, index)
    assert not update.full
    assert update.files_read == 3  # the new Reuters file, the seed page, the export
    assert (update.added, update.updated, update.removed) == (1000, 4, 1002)
    assert update.articles == 3006 - 1000 + 1000 - 2

    full = reindex(archive, tmp_path / "full", full=True)
    assert snapshot(index) == snapshot(tmp_path / "full")
    assert full.articles == update.articles
    assert "twelve minutes" in get_article(SearchIndex(index), "seed.txt").body


def test_reindex_with_nothing_changed_reads_nothing(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    reindex(archive, index)
    generation = open_index(index).latest_generation()
    again = reindex(archive, index)
    assert (again.files_read, again.added, again.updated, again.removed) == (0, 0, 0, 0)
    assert open_index(index).latest_generation() == generation


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE, archive)
    (archive / "photo.txt").write_bytes(bytes(range(256)) * 8)
    (archive / "latin1.txt").write_bytes("Caf\xe9 talks\n\nMinisters met in a caf\xe9.\n".encode("latin-1"))
    (archive / "empty.txt").write_bytes(b"")
    (archive / "broken.jsonl").write_text('{"id": "good", "title": "Good record", "body": "fine"}\n{"id": oops}\n', encoding="utf-8")
    (archive / "cut.sgm.gz").write_bytes((SAMPLE / "reuters" / "reut2-000.sgm.gz").read_bytes()[:5000])
    (archive / "notes.docx").write_bytes(b"PK\x03\x04")
    report = reindex(archive, tmp_path / "index")
    skipped = {(p.path, p.location) for p in report.skipped}
    assert skipped == {
        ("photo.txt", ""), ("empty.txt", ""), ("broken.jsonl", "line 2"), ("cut.sgm.gz", ""), ("notes.docx", ""),
    }  # fmt: skip
    assert [p.path for p in report.problems if not p.skipped] == ["latin1.txt"]
    assert report.articles == 1000 + 15 + 1 + 1 + 1  # sample + latin-1 page + the good JSONL record
    index = SearchIndex(tmp_path / "index")
    assert get_article(index, "good").title == "Good record"
    assert search(index, SearchRequest("café")).hits[0].id == "latin1.txt"


def test_files_read_in_processes_index_as_files_read_in_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("files are read in one process on a single core")
    archive = tmp_path / "archive"
    build_archive(archive)
    (archive / "broken.jsonl").write_text('{"id": "good", "title": "Good record", "body": "fine"}\n{"id": oops}\n', encoding="utf-8")
    (archive / "cut.sgm.gz").write_bytes((SAMPLE / "reuters" / "reut2-000.sgm.gz").read_bytes()[:5000])
    used: list[int] = []
    in_processes = indexer._read_in_processes
    monkeypatch.setattr(indexer, "_read_in_processes", lambda files, n: used.append(n) or in_processes(files, n))
    monkeypatch.setattr(indexer, "READ_PROCESS_BYTES", 10**12)
    alone = reindex(archive, tmp_path / "alone")
    monkeypatch.setattr(indexer, "READ_PROCESS_BYTES", 0)
    helped = reindex(archive, tmp_path / "helped")
    assert used == [min(os.cpu_count() or 1, 6)]  # the second reindex only: 6 files
    assert stored_articles(tmp_path / "helped") == stored_articles(tmp_path / "alone")
    assert helped.problems == alone.problems and [p.path for p in helped.skipped] == ["broken.jsonl", "cut.sgm.gz"]
    assert helped.articles == alone.articles == 3000 + 1 + 5 + 1


def test_a_reading_process_that_dies_fails_the_reindex_and_keeps_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("files are read in one process on a single core")
    archive, index = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    before = reindex(archive, index)
    read_file = indexer.read_file

    def killed_on_the_seed_page(abspath: str, relpath: str) -> object:  # runs in the forked reading process
        if relpath == "seed.txt":
            os._exit(9)  # as the OOM killer ends a process
        return read_file(abspath, relpath)

    monkeypatch.setattr(indexer, "read_file", killed_on_the_seed_page)
    monkeypatch.setattr(indexer, "READ_PROCESS_BYTES", 0)
    with pytest.raises(NewssearchError, match=r"^a process reading the archive died .*the previous index is unchanged: run reindex again$"):
        reindex(archive, index, full=True)
    assert index_stats(SearchIndex(index)).articles == before.articles == 3006
    monkeypatch.setattr(indexer, "read_file", read_file)
    assert reindex(archive, index, full=True).articles == 3006  # the lock was released


def test_a_reindexs_processes_run_whatever_the_default_way_to_start_one(tmp_path: Path) -> None:
    """A fork server (Python 3.14's default) would be the parent of the processes that read and
    write, and they end when their parent does: they are forked (processes.FORK)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("a reindex works in one process on a single core")
    script = (
        "import multiprocessing, sys\n"
        "multiprocessing.set_start_method('forkserver')\n"
        "from newssearch import indexer\n"
        "from newssearch.engine.whoosh import writing\n"
        "indexer.READ_PROCESS_BYTES = writing.PARALLEL_BYTES = 0  # the sample read and written by helper processes\n"
        "print(indexer.reindex(sys.argv[1], sys.argv[2]).articles)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, SAMPLE, tmp_path / "index"], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout, done.stderr) == (0, "1016\n", "")


def test_a_reindex_collects_garbage_less_often_and_then_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE, archive)
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []
    read_file = indexer.read_file

    def read_noting_the_collector(abspath: str, relpath: str) -> object:
        during.append(gc.get_threshold())
        if len(during) > 3:  # the sample's three files read once: the second reindex fails
            raise OSError(28, "No space left on device")
        return read_file(abspath, relpath)

    monkeypatch.setattr(indexer, "read_file", read_noting_the_collector)
    assert reindex(archive, tmp_path / "index").articles == 1016
    assert gc.get_threshold() == before
    with pytest.raises(NewssearchError, match="No space left on device"):
        reindex(archive, tmp_path / "index", full=True)
    assert gc.get_threshold() == before
    assert set(during) == {(indexer.YOUNG_OBJECTS, *before[1:])} and before[0] < indexer.YOUNG_OBJECTS


def test_second_reindex_while_one_runs_says_so(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    reindex(archive, index)
    with write_lock(index), pytest.raises(IndexLocked, match="another reindex is writing"):
        reindex(archive, index, full=True)
    assert reindex(archive, index).articles == 3006  # the lock is free again afterwards


def test_killed_reindex_leaves_previous_index_usable(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    reindex(archive, index)
    before = snapshot(index)
    for name in [p.name for p in reuters_files(8)[3:]]:
        (archive / "wire" / name).symlink_to(next(p for p in reuters_files(8) if p.name == name))
    for delay in (0.5, 2.0, 4.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "newssearch.cli", "reindex", "--full", "--archive", str(archive), "--index", str(index)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        after = snapshot(index)
        assert after == before or len(after) == 8006, f"killed after {delay} s: a partial index is visible"
        assert search(SearchIndex(index), SearchRequest("cocoa")).total > 0
    assert reindex(archive, index).articles == 8006
    reindex(archive, tmp_path / "full", full=True)
    assert snapshot(index) == snapshot(tmp_path / "full")


FOOTER = "Copyright 2005 The Daily Example. All rights reserved. Sign up for our newsletter."


def site_page(headline: str, paragraphs: list[str], teasers: list[tuple[str, list[str]]], footer: str = FOOTER) -> str:
    """A saved page of one site: the article, a box of teasers under it, a copyright line, metadata."""
    boxes = [line for title, lead in teasers for line in ("Read more:", title, lead[0])]
    return "\n\n".join([headline, *paragraphs, *boxes, footer]) + "\n\nsource: The Daily Example\n"


def test_furniture_repeated_across_pages_is_left_out(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    teaser_names = ["tech/001", "tech/002"]
    teasers = [bbc_article(name) for name in teaser_names]
    for name, (headline, paragraphs) in zip(teaser_names, teasers, strict=True):  # the teased articles themselves
        (archive / f"{name.replace('/', '-')}.txt").write_text(site_page(headline, paragraphs, []), encoding="utf-8")
    for n in range(1, 9):
        headline, paragraphs = bbc_article(f"politics/{n:03d}")
        (archive / f"politics-{n:03d}.txt").write_text(site_page(headline, paragraphs, teasers), encoding="utf-8")
    report = reindex(archive, tmp_path / "index")
    # two teaser headlines and leads and the copyright line, on 8 pages; the copyright line on the other 2
    assert (report.furniture_blocks, report.furniture_lines) == (5, 8 * 5 + 2)
    index = SearchIndex(tmp_path / "index")
    lead_words = " ".join(teasers[0][1][0].split()[:12])
    found = search(index, SearchRequest(f'"{lead_words}"', page_size=50))
    assert [hit.id for hit in found.hits] == ["tech-001.txt"]  # the teased article, not the 8 pages
    assert search(index, SearchRequest('"all rights reserved"')).total == 0
    page = get_article(index, "politics-001.txt")
    assert bbc_article("politics/001")[1][-1] in page.body  # the article's own text stays
    assert teasers[0][1][0] not in page.body and teasers[0][1][0] in get_article(index, "tech-001.txt").body

    # With six pages gone the teasers are on two pages only: no longer furniture, and the
    # unchanged pages are read again so that incremental and full reindex agree.
    for n in range(3, 9):
        (archive / f"politics-{n:03d}.txt").unlink()
    update = reindex(archive, tmp_path / "index")
    assert (update.files_read, update.furniture_blocks, update.furniture_lines) == (2, 1, 4)  # the copyright line
    assert teasers[0][1][0] in get_article(index, "politics-001.txt").body
    reindex(archive, tmp_path / "full", full=True)
    assert snapshot(tmp_path / "index") == snapshot(tmp_path / "full")


def test_an_open_index_sees_added_and_removed_articles_after_reindex(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    reindex(archive, index_dir)
    index = SearchIndex(index_dir)  # as a running web server holds it
    assert {h.id for h in search(index, SearchRequest("item grain", page_size=50)).hits} >= {f"cms-{n}" for n in range(5)}
    (archive / "cms.jsonl").unlink()
    shutil.copy(SEED, archive / "another.txt")
    reindex(archive, index_dir)
    assert not [h.id for h in search(index, SearchRequest("item grain", page_size=50)).hits if h.id.startswith("cms-")]
    assert search(index, SearchRequest("Zakharova")).total == 2


def test_an_empty_archive_does_not_empty_the_index_unless_asked(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    build_archive(archive)
    reindex(archive, index_dir)
    shutil.rmtree(archive)
    archive.mkdir()  # as an unmounted drive's mount point looks
    with pytest.raises(NewssearchError, match="holds no articles: not emptying the index"):
        reindex(archive, index_dir)
    assert open_index(index_dir).doc_count() == 3006
    assert reindex(archive, index_dir, full=True).articles == 0


AUTHOR = Facet("author", "Author", "author", lambda article: [article.author] if article.author else [])
"""A facet newssearch does not have, as a deployment (or tests/test_fields.py) adds one."""


def author_counts(index: Path, schema: Schema) -> dict[str, int]:
    with open_engine(index, schema) as engine:
        matches = engine.search(Query("", facets=True))
    assert matches.facets is not None
    return matches.facets["author"]


def test_a_facet_added_to_the_schema_is_indexed_fully_and_incrementally(tmp_path: Path) -> None:
    archive, index, schema = tmp_path / "archive", tmp_path / "index", SCHEMA.with_facet(AUTHOR)
    grain = {"title": "Grain", "body": "Wheat and barley prices rose."}
    write_export(archive / "a.jsonl", [{"id": "a1", "author": "Doe, Jane", **grain}, {"id": "a2", "author": "Roe", **grain}])
    write_export(archive / "b.jsonl", [{"id": "b1", **grain}])  # no author: no value
    reindex(archive, index, schema=schema)
    assert author_counts(index, schema) == {"Doe, Jane": 1, "Roe": 1}  # a value with a comma stays one value
    with open_engine(index, schema) as engine:
        assert [match.id for match in engine.search(Query("wheat", filters={"author": ("Doe, Jane",)})).hits] == ["a1"]

    write_export(archive / "b.jsonl", [{"id": "b1", "author": "Roe", **grain}])
    reindex(archive, index, schema=schema)
    assert author_counts(index, schema) == {"Doe, Jane": 1, "Roe": 2}
    reindex(archive, tmp_path / "full", full=True, schema=schema)
    assert stored_articles(index) == stored_articles(tmp_path / "full")


def test_an_index_built_with_other_facets_is_not_written_with_these(tmp_path: Path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    write_export(archive / "a.jsonl", [{"id": "a1", "title": "Grain", "body": "Wheat", "author": "Roe"}])
    reindex(archive, index, schema=SCHEMA.with_facet(AUTHOR))
    with pytest.raises(NewssearchError, match="built with other fields or facets.*delete the index folder"):
        reindex(archive, index)
    assert author_counts(index, SCHEMA.with_facet(AUTHOR)) == {"Roe": 1}  # untouched
